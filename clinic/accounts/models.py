"""API tokens: one per signed-in device, stored as a hash (django-rest-knox's model).

Knox keys its table by the digest; ours adds a plain id so a person (or their admin) can name
one device's token to revoke it without ever seeing any part of the secret.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS


class ApiToken(AbstractAuthToken):
    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    # What the person called the device, or its User-Agent: staff data, never patient data.
    device = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"token #{self.pk} of {self.user} ({self.device or 'unnamed device'})"


class BreakGlassGrant(models.Model):
    """A person's stated reason to open one patient's records outside the usual rules, good
    for ``BREAK_GLASS_MINUTES``. Kept, never edited: the clinic's admins review them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+")
    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("clinic.Patient", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "patient", "expires_at"],
                                name="breakglass_live_idx")]

    def __str__(self) -> str:
        return f"break-glass #{self.pk} by {self.user} for patient {self.patient_id}"
