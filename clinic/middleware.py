"""Refuse NUL bytes in the URL before any view sees them.

PostgreSQL cannot store or compare text containing NUL, so a ``?q=%00`` would otherwise
reach the database and fail with a 500. Bodies are checked by the serializers.
"""

from __future__ import annotations

from urllib.parse import unquote

from django.http import JsonResponse


class RejectNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.META.get("QUERY_STRING", "") + request.path
        if "\x00" in unquote(raw) or "%00" in raw:
            return JsonResponse(
                {"code": "invalid", "detail": "The URL contains a NUL character.",
                 "errors": {"url": ["NUL characters are not allowed."]}},
                status=400,
            )
        return self.get_response(request)
