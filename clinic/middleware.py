"""Refuse NUL bytes in the URL before any view sees them.

PostgreSQL cannot store or compare text containing NUL, so a ``?q=%00`` would otherwise
reach the database and fail with a 500. Bodies are checked by the serializers.
"""

from __future__ import annotations

from urllib.parse import unquote

from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers


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


class ApiTrailingSlashMiddleware:
    """Serve ``/api/plans`` as ``/api/plans/`` instead of redirecting.

    Django's APPEND_SLASH answers a missing slash with a redirect, which drops a POST body
    (and, with DEBUG on, raises a 500). API clients often leave the slash off: route them to
    the same view, so the contract's names work either way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith("/api/") and not path.endswith("/"):
            try:
                resolve(path + "/")
            except Resolver404:
                pass
            else:
                request.path_info = path + "/"
                request.path = request.path + "/"
        return self.get_response(request)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every page and API answer (HIPAA: patient data must not
    stay in a shared front-desk browser's cache or a proxy's). Static files are served by
    WhiteNoise before this runs and keep their own long caching; a view that sets its own
    Cache-Control keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        return response
