"""The first answer to each (user, Idempotency-Key), kept so a retry can be given it again."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """One idempotent write as first answered.

    A row is inserted and completed in the same transaction as the write it guards, so a
    committed row always carries its answer: ``status_code`` is null only inside the
    transaction of the request that owns the key.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    # SHA-256 of method, path and the parsed JSON body: the same key with another request
    # is refused rather than answered with an unrelated stored response.
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    # The first answer's JSON exactly as rendered. Text, not jsonb: PostgreSQL's jsonb refuses
    # "\u0000", and a 400 may quote a NUL the client sent; a replay is also byte-identical.
    response_body = models.TextField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}] by user {self.user_id}"
