"""Pages of the second factor: the sign-in's second step, enrolment, and the admins' staff
security page (reset a lost second factor, sign a person out of every device)."""

from __future__ import annotations

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.accounts import mfa
from clinic.accounts.tokens import tokens_revoke_all
from clinic.audit.models import Action
from clinic.audit.net import client_ip, request_id
from clinic.audit.services import audit_record
from clinic.models import Role

User = get_user_model()
MAX_CODE_FAILURES = 5  # then the half-finished sign-in ends: start again with the password


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return "/"


@login_required
def otp_verify(request):
    """The second step of signing in: a code from the app, or a recovery code."""
    if request.session.get(mfa.SESSION_KEY) != mfa.VERIFY:
        return redirect(_next(request))
    error = ""
    if request.method == "POST":
        device = mfa.mfa_match(request.user, request.POST.get("code", ""))
        if device is not None:
            django_otp.login(request, device)
            request.session.pop(mfa.SESSION_KEY, None)
            request.session.pop("plankeeper_mfa_failures", None)
            if device.name == mfa.RECOVERY_DEVICE:
                left = device.token_set.count()
                messages.warning(request, f"You signed in with a recovery code; {left} left. "
                                          "Make new ones on the second-factor page if few remain.")
            return redirect(_next(request))
        failures = request.session.get("plankeeper_mfa_failures", 0) + 1
        request.session["plankeeper_mfa_failures"] = failures
        # Audited as a failed sign-in, and counted by the lockout like a wrong password.
        user_login_failed.send(sender=__name__, credentials={"username": request.user.username},
                               request=request)
        if failures >= MAX_CODE_FAILURES:
            logout(request)
            return redirect("login")
        error = "That code did not work. Enter the 6 digits your app shows now, or a recovery code."
    return TemplateResponse(request, "accounts/otp_verify.html",
                            {"error": error, "next": _next(request)},
                            status=400 if error else 200)


@login_required
def mfa_setup(request):
    """Enrol an authenticator app (QR code or the key typed in), see recovery codes once,
    make new ones, or remove the second factor."""
    user = request.user
    context = {"required": mfa.mfa_required_for(user), "error": "", "codes": None}
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "start":
        mfa.totp_start(user=user)
    elif action == "confirm":
        codes = mfa.totp_confirm(user=user, code=request.POST.get("code", ""), request=request)
        if codes is None:
            context["error"] = "That code did not match. Check the phone's clock and try again."
        else:
            context["codes"] = codes
            request.session.pop(mfa.SESSION_KEY, None)  # enrolled and proven just now
            django_otp.login(request, TOTPDevice.objects.get(user=user, confirmed=True))
    elif action in ("remove", "recovery"):
        if mfa.mfa_match(user, request.POST.get("code", "")) is None:
            context["error"] = "That code did not work: enter a current code to confirm."
        elif action == "remove":
            mfa.mfa_remove(user=user, by=user, request=request)
            messages.success(request, "Your second factor is removed.")
            if context["required"]:
                request.session[mfa.SESSION_KEY] = mfa.ENROL
            return redirect("mfa-setup")
        else:
            context["codes"] = mfa.recovery_codes_renew(user=user)
    pending = mfa.totp_pending(user)
    context.update(enrolled=mfa.mfa_enrolled(user), pending=pending,
                   qr_svg=mfa.totp_qr_svg(pending) if pending else "",
                   uri=mfa.totp_uri(pending) if pending else "",
                   secret=_base32(pending) if pending else "")
    return TemplateResponse(request, "accounts/mfa_setup.html", context,
                            status=400 if context["error"] else 200)


def _base32(device: TOTPDevice) -> str:
    from base64 import b32encode

    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


# --- clinic admins: their staff's sign-in security -------------------------------------------

def _admin(request):
    if not (request.user.role == Role.ADMIN and request.user.clinic_id):
        raise PermissionDenied("Only a clinic admin may manage staff sign-ins.")
    return request.user


def _staff_member(request, pk: int):
    admin = _admin(request)
    person = User.objects.filter(pk=pk, clinic_id=admin.clinic_id).first()
    if person is None:
        raise Http404("No such person in your clinic.")
    return admin, person


@login_required
def staff_security(request):
    """Each person of the clinic: second factor or not, how many devices are signed in."""
    admin = _admin(request)
    staff = (User.objects.filter(clinic_id=admin.clinic_id)
             .annotate(enrolled=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"),
                                                                 confirmed=True)),
                       devices=Count("auth_token_set",
                                     filter=Q(auth_token_set__expiry__gt=timezone.now())))
             .order_by("last_name", "first_name", "username"))
    return TemplateResponse(request, "accounts/staff_security.html", {
        "staff": staff, "required_roles": [Role.CHIROPRACTOR, Role.ADMIN]})


@login_required
@require_POST
def staff_mfa_reset(request, pk: int):
    admin, person = _staff_member(request, pk)
    if mfa.mfa_remove(user=person, by=admin, request=request):
        messages.success(request, f"{person.display_name} sets up a new second factor at their "
                                  "next sign-in.")
    return redirect("staff-security")


@login_required
@require_POST
def staff_sign_out(request, pk: int):
    admin, person = _staff_member(request, pk)
    revoked = tokens_revoke_all(user=person)
    audit_record(action=Action.PERMISSION_CHANGE, clinic_id=person.clinic_id, actor=admin,
                 object_type="user", object_id=person.pk, ip=client_ip(request),
                 request_id=request_id(request), method=request.method, path=request.path,
                 detail={"user": person.get_username(), "tokens_revoked": revoked})
    messages.success(request, f"{person.display_name} is signed out of every device "
                              f"({revoked} API token(s) revoked).")
    return redirect("staff-security")


@login_required
@require_POST
def break_glass(request):
    """State a reason to open one patient's records outside the usual rules."""
    from clinic.accounts.breakglass import break_glass_open
    from clinic.models import Patient

    raw = request.POST.get("patient", "")
    patient = (Patient.objects.filter(pk=int(raw), clinic_id=request.user.clinic_id).first()
               if raw.isascii() and raw.isdecimal() and len(raw) < 19 else None)
    if patient is None:
        raise Http404("No such patient in your clinic.")
    reason = request.POST.get("reason", "")[:500]
    try:
        break_glass_open(user=request.user, patient=patient, reason=reason, request=request)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValueError as exc:
        return TemplateResponse(request, "accounts/break_glass.html", {
            "patient_id": patient.pk, "next": _next(request), "error": str(exc),
            "reason": reason, "minutes": settings.BREAK_GLASS_MINUTES}, status=400)
    return redirect(_next(request))
