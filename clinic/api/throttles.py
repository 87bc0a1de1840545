"""Per-user throttle on writes (``API_WRITE_RATE``; ``none`` turns it off)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import UserRateThrottle


class WriteRateThrottle(UserRateThrottle):
    """Limits POST/PUT/PATCH/DELETE per user; reads are never throttled."""

    scope = "write"

    def get_rate(self):
        return settings.API_WRITE_RATE

    def allow_request(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS") or self.rate is None:
            return True
        return super().allow_request(request, view)
