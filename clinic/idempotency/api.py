"""``@idempotent``: makes a DRF view's write safe to retry with an ``Idempotency-Key`` header.

Front-desk double clicks and flaky Wi-Fi resend the same POST. With the header, the first
request's answer (status and body, error answers below 500 included) is stored in the same
transaction as the write; a retry with the same key by the same user gets that answer again
(header ``Idempotent-Replayed: true``) and nothing more is saved. The same key with a
different request is a 422 ``idempotency_key_reused``. Two concurrent requests with one key:
the second waits for the first and then replays it (see ``services.idempotency_claim``).
A 5xx is not stored, so a retry after a server error runs again. Without the header the view
behaves exactly as before.
"""

from __future__ import annotations

import functools
import re

from django.db import transaction
from django.http import HttpResponse
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.renderers import JSONRenderer

from clinic.idempotency.services import (
    idempotency_claim,
    idempotency_complete,
    request_fingerprint,
)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY = re.compile(r"[\x20-\x7e]{1,255}")


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = ("This Idempotency-Key was already used for a different request; "
                      "use a new key for a new request.")


def clean_key(value: str) -> str:
    key = value.strip()
    if not _KEY.fullmatch(key):
        raise ValidationError({HEADER: [
            "Give 1 to 255 printable ASCII characters, e.g. a UUID, unique per request."]})
    return key


def replay(record) -> HttpResponse:
    """The stored first answer, byte for byte."""
    return HttpResponse(record.response_body or b"", status=record.status_code,
                        content_type="application/json",
                        headers={REPLAYED_HEADER: "true"})


def idempotent(handler):
    """Decorate a DRF view's ``post`` (or ``put``/``patch``) to honour ``Idempotency-Key``."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        raw_key = request.headers.get(HEADER)
        if raw_key is None:
            return handler(view, request, *args, **kwargs)
        key = clean_key(raw_key)
        fingerprint = request_fingerprint(method=request.method, path=request.path,
                                          body=request.data)
        with transaction.atomic():
            record = idempotency_claim(user=request.user, key=key, method=request.method,
                                       path=request.path, request_hash=fingerprint)
            if record.request_hash != fingerprint:
                raise IdempotencyKeyReused()
            if record.status_code is not None:
                return replay(record)
            try:
                # A savepoint: a refused write leaves nothing behind but its stored answer.
                with transaction.atomic():
                    response = handler(view, request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - answered as the view itself would
                response = view.handle_exception(exc)  # re-raises what no handler maps
            if response.status_code >= 500:
                transaction.set_rollback(True)  # forget the key: a retry runs again
                return response
            body = None if response.data is None else \
                JSONRenderer().render(response.data).decode()
            idempotency_complete(record=record, status_code=response.status_code, body=body)
            return response

    wrapper.idempotent = True  # read by clinic.api.schema to document the header and the 422
    return wrapper
