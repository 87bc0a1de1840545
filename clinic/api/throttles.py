"""Rate limits: writes per user (``API_WRITE_RATE``), sign-ins per address and per username.

Every throttle knows a caller by ``clinic.audit.net.client_ip``, which reads X-Forwarded-For
only from a proxy in ``TRUSTED_PROXIES`` (DRF's own identity would key on the whole header,
which the caller writes).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

from clinic.audit.net import client_ip


class WriteRateThrottle(UserRateThrottle):
    """Limits POST/PUT/PATCH/DELETE per user; reads are never throttled."""

    scope = "write"

    def get_rate(self):
        return settings.API_WRITE_RATE

    def get_ident(self, request):
        return client_ip(request) or "unknown"

    def allow_request(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS") or self.rate is None:
            return True
        return super().allow_request(request, view)


def _sent_username(request) -> str:
    """The username a sign-in names (a JSON body or a form), normalised; "" when none."""
    data = getattr(request, "data", None)
    if data is None:  # Django's own request: the login page's form
        data = request.POST
    value = data.get("username") if hasattr(data, "get") else None
    return value.strip().lower()[:150] if isinstance(value, str) else ""


class SignInRateThrottle(SimpleRateThrottle):
    """Sign-in attempts per client address (the ``login`` rate, ``API_LOGIN_RATE``).

    Works on DRF's request (the token endpoint) and on Django's (the login page), so both
    doors share one count. Only POSTs count: showing the form costs nothing.
    """

    scope = "login"

    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].get(self.scope)

    def get_cache_key(self, request, view):
        if request.method != "POST":
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.key_part(request)}

    def key_part(self, request) -> str:
        return f"ip:{client_ip(request) or 'unknown'}"


class SignInUsernameRateThrottle(SignInRateThrottle):
    """Sign-in attempts per username, from any address: a guesser spread over many addresses
    is slowed as well. The username is hashed into the key (no names in the cache)."""

    def key_part(self, request) -> str:
        name = _sent_username(request)
        return "user:" + hashlib.sha256(name.encode()).hexdigest() if name else "user:-"


SIGN_IN_THROTTLES = (SignInRateThrottle, SignInUsernameRateThrottle)


def sign_in_wait(request) -> float | None:
    """Seconds to wait when a sign-in attempt is over a limit, else None (and it is counted)."""
    waits = []
    for throttle_class in SIGN_IN_THROTTLES:
        throttle = throttle_class()
        if not throttle.allow_request(request, None):
            waits.append(throttle.wait() or 1)
    return max(waits) if waits else None
