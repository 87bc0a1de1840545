"""API tokens: one per signed-in device, stored as a hash (django-rest-knox's model).

Knox keys its table by the digest; ours adds a plain id so a person (or their admin) can name
one device's token to revoke it without ever seeing any part of the secret.
"""

from __future__ import annotations

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
