"""Claiming and completing idempotency keys (the only writes to ``IdempotencyRecord``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from clinic.idempotency.models import IdempotencyRecord
from clinic.models import User


def request_fingerprint(*, method: str, path: str, body: Any) -> str:
    """SHA-256 of what makes two requests "the same": method, path and the parsed body.

    Keys are sorted so the same JSON object sent with its fields in another order matches.
    """
    canonical = json.dumps({"method": method, "path": path, "body": body},
                           sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_claim(*, user: User, key: str, method: str, path: str,
                      request_hash: str) -> IdempotencyRecord:
    """Return the record for (user, key), creating it when this is the key's first use.

    Must run inside the transaction that performs the write. The insert is
    ``ON CONFLICT DO NOTHING``: when another request holding the same key is still running,
    PostgreSQL makes this insert wait on the unique index until that transaction ends, so two
    concurrent requests never both write; the second then reads the committed answer (or,
    if the first rolled back, owns the key itself). A returned record whose ``status_code`` is
    null belongs to the caller, who must run the write and ``idempotency_complete`` it.
    """
    assert transaction.get_connection().in_atomic_block, "claim inside the write's transaction"
    IdempotencyRecord.objects.bulk_create(
        [IdempotencyRecord(user=user, key=key, method=method, path=path,
                           request_hash=request_hash)],
        ignore_conflicts=True,
    )
    # Lock the row too, in case a completed key is being read while we decide.
    return IdempotencyRecord.objects.select_for_update().get(user=user, key=key)


def idempotency_complete(*, record: IdempotencyRecord, status_code: int, body: str | None) -> None:
    """Store the first answer (its rendered JSON); from the commit on, retries with this key
    get exactly this."""
    record.status_code = status_code
    record.response_body = body
    record.save(update_fields=["status_code", "response_body"])


def idempotency_purge(*, older_than: dt.timedelta = dt.timedelta(hours=24)) -> int:
    """Forget keys older than ``older_than`` (a retry after that is a new request).

    Returns how many were deleted. Safe to run at any time, e.g. daily from Celery beat.
    """
    deleted, _ = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - older_than).delete()
    return deleted
