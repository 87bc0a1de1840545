"""Where a request comes from: the client's IP address and the request id.

The address is the TCP peer (``REMOTE_ADDR``) unless ``TRUSTED_PROXY_COUNT`` proxies stand in
front of the app, in which case it is the address the outermost trusted proxy saw (counted
from the right of ``X-Forwarded-For``). Reading the left-most ``X-Forwarded-For`` entry would
let any client choose its own address, both in the audit trail and to dodge the sign-in
lockout, which is keyed on username and address.
"""

from __future__ import annotations

import ipaddress
import re
import uuid

from django.conf import settings

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address as far as we can trust it (also django-axes' IP callable)."""
    meta = request.META
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        hops = [h for h in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            found = _valid_ip(hops[-proxies])
            if found:
                return found
    return _valid_ip(meta.get("REMOTE_ADDR"))


def request_id(request) -> str:
    """The proxy's ``X-Request-ID`` when it is a sane token, else a fresh one (memoised)."""
    existing = getattr(request, "audit_request_id", None)
    if existing:
        return existing
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    value = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    request.audit_request_id = value
    return value
