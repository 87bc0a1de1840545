"""Until the second step of a browser sign-in is done, only that step's pages answer.

The state was put in the session at sign-in (``clinic.accounts.signals``): ``verify`` for
someone enrolled (enter a code), ``enrol`` for a chiropractor or admin who must have a second
factor and has none yet (set it up). Everything else redirects there; the API, reached with
the session cookie, answers 403 ``otp_required``. No query: a session read only.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from clinic.accounts import mfa

_ALWAYS_OPEN = ("/static/", "/healthz/", "/favicon.ico")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        state = session.get(mfa.SESSION_KEY) if session is not None else None
        if state and request.user.is_authenticated and not self._open(request.path, state):
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "otp_required",
                                     "detail": "Finish signing in with your second factor."},
                                    status=403)
            target = reverse("otp-verify" if state == mfa.VERIFY else "mfa-setup")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _open(path: str, state: str) -> bool:
        if path.startswith(_ALWAYS_OPEN):
            return True
        allowed = {reverse("login"), reverse("logout"),
                   reverse("otp-verify") if state == mfa.VERIFY else reverse("mfa-setup")}
        return path in allowed
