"""Until the second step of a browser sign-in is done, only that step's pages answer.

The state was put in the session at sign-in (``clinic.accounts.signals``): ``verify`` for
someone enrolled (enter a code), ``enrol`` for a chiropractor or admin who must have a second
factor and has none yet (set it up). Everything else redirects there; the API, reached with
the session cookie, answers 403 ``otp_required``. No query: a session read only.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
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


class BreakGlassMiddleware:
    """Reading a patient's record outside the usual rules needs a stated reason
    (``clinic.accounts.breakglass``): asked here, before the view, for every page and API
    read that names a patient, plan or session in its URL. Reads under a live grant are
    flagged in the trail. Costs nothing unless the clinic restricts records to the care team.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in ("GET", "HEAD"):
            return None
        from clinic.audit.middleware import request_target  # what the trail calls the object

        target = request_target(request)
        if target is None or target[0] not in ("patient", "plan", "session") or not target[1]:
            return None
        user = _signed_in_user(request)
        if user is None or not user.clinic_id or not user.clinic.care_team_only:
            return None
        from clinic.accounts.breakglass import live_grant, needs_break_glass
        from clinic.audit.resolve import patient_of

        found = patient_of(target[0], target[1], user.clinic_id)
        if found is None:
            return None  # not in the clinic: the view answers its own 404
        patient_id = found[0]
        if not needs_break_glass(user, clinic=user.clinic, patient_id=patient_id,
                                 object_type=target[0]):
            return None
        grant = live_grant(user, patient_id=patient_id)
        if grant is not None:
            request.audit_detail = {"break_glass": True, "grant": grant.pk}
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({
                "code": "break_glass_required", "patient": patient_id,
                "detail": "This record is outside your usual access. To open it anyway, state "
                          f"why: POST /api/patients/{patient_id}/break-glass/ "
                          '{"reason": "..."}; the clinic\'s admins are told.'}, status=403)
        from django.template.response import TemplateResponse

        return TemplateResponse(request, "accounts/break_glass.html", {
            "patient_id": patient_id, "next": request.get_full_path(),
            "minutes": settings.BREAK_GLASS_MINUTES}, status=403)


def _signed_in_user(request):
    """The session's user, or the API token's (looked up once: the API's authentication
    then reuses it, so the request pays no second query)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    header = request.headers.get("Authorization", "").split()
    if len(header) != 2 or header[0].lower() != "token":
        return None
    from clinic.accounts.tokens import token_find

    token = token_find(header[1])
    request._plankeeper_token = token
    return token.user if token is not None and token.user.is_active else None
