"""The second factor (django-otp): a TOTP authenticator app, plus single-use recovery codes.

Who must have one: with ``MFA_REQUIRED`` on, chiropractors and admins (they sign plans and
manage staff); therapists may enrol (a shared front-desk screen may not suit a phone). Anyone
enrolled is asked for a code at every sign-in, in the browser and at ``POST /api/auth/token/``.
Enrolment, removal and an admin's reset are in the audit trail.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.db import transaction
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.audit.models import Action
from clinic.audit.net import client_ip, request_id
from clinic.audit.services import audit_record
from clinic.models import Role

RECOVERY_CODES = 10
APP_DEVICE = "Authenticator app"
RECOVERY_DEVICE = "Recovery codes"

# Where the browser sign-in stands, kept in the session (set at sign-in: no query per page).
SESSION_KEY = "plankeeper_mfa"
VERIFY = "verify"  # enrolled: enter a code before anything else
ENROL = "enrol"  # required of this role and not enrolled: set it up before anything else


def mfa_required_for(user) -> bool:
    """Whether ``user`` must have a second factor: chiropractors and admins, when
    ``MFA_REQUIRED`` is on."""
    return bool(settings.MFA_REQUIRED) and user.role in (Role.CHIROPRACTOR, Role.ADMIN)


def mfa_enrolled(user) -> bool:
    """Whether ``user`` has a confirmed authenticator app."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def mfa_state(user) -> str | None:
    """What a fresh sign-in of ``user`` still needs: ``VERIFY``, ``ENROL`` or nothing."""
    if mfa_enrolled(user):
        return VERIFY
    if mfa_required_for(user):
        return ENROL
    return None


def mfa_match(user, code: str):
    """The device that accepts ``code`` (an app's current code or an unused recovery code,
    which is used up by this), or None. django-otp throttles a device after failures."""
    code = "".join(str(code or "").split())
    if not code or len(code) > 16:
        return None
    return match_token(user, code)


def totp_pending(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def totp_start(*, user) -> TOTPDevice:
    """A new, unconfirmed authenticator for ``user`` (any earlier unconfirmed one is dropped)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)


def totp_uri(device: TOTPDevice) -> str:
    """The otpauth:// URI an authenticator app reads, issued by ``OTP_TOTP_ISSUER``."""
    return device.config_url


def totp_qr_svg(device: TOTPDevice) -> str:
    """The URI as an inline SVG QR code (no image request, nothing off-site)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(totp_uri(device), image_factory=qrcode.image.svg.SvgPathImage,
                        box_size=8)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode("utf-8")
    return svg[svg.index("<svg"):]  # drop the XML declaration: it sits inside HTML


def _audit(*, user, by, change: str, request=None, **detail) -> None:
    audit_record(
        action=Action.PERMISSION_CHANGE, clinic_id=user.clinic_id, actor=by,
        object_type="user", object_id=user.pk,
        ip=client_ip(request) if request is not None else None,
        request_id=request_id(request) if request is not None else "",
        method=getattr(request, "method", "") or "", path=getattr(request, "path", "") or "",
        detail={"user": user.get_username(), "second_factor": change, **detail},
    )


@transaction.atomic
def totp_confirm(*, user, code: str, request=None) -> list[str] | None:
    """Confirm the pending authenticator with a code it shows. Returns fresh recovery codes
    (shown once; earlier ones stop working), or None when the code is wrong."""
    device = totp_pending(user)
    if device is None or not device.verify_token("".join(str(code or "").split())):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_renew(user=user)
    _audit(user=user, by=user, change="enrolled", request=request)
    return codes


def recovery_codes_renew(*, user) -> list[str]:
    """Ten new single-use recovery codes; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


@transaction.atomic
def mfa_remove(*, user, by, request=None) -> bool:
    """Remove ``user``'s second factor (their own choice, or an admin's reset after a lost
    phone). Returns whether there was one. Audited either way it happens."""
    had = TOTPDevice.objects.filter(user=user).exists()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    if had:
        _audit(user=user, by=by, change="removed" if by.pk == user.pk else "reset by admin",
               request=request)
    return had
