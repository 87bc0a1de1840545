"""Break-glass: opening a patient's records outside the usual rules, only with a stated reason.

The usual rules (a clinic that turns on ``Clinic.care_team_only``; docs/break-glass.md):

- a **therapist** opens any record of the clinic (whoever walks in is treated at the desk);
- a **chiropractor** opens the records of a patient they care for: they prescribe one of the
  patient's plans, or a consult ticket on one of those plans is assigned to them (covering);
- an **admin** opens patients' registration pages, not their plans or sessions.

Anything else (a chiropractor asked about a colleague's patient on a weekend, an admin checking
a complaint) needs a reason of at least ``MIN_REASON`` characters. The reason opens that one
patient's records for ``BREAK_GLASS_MINUTES``; the grant is in the trail (action
``break_glass``), every read under it is flagged, and the clinic's admins get an e-mail at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from clinic.accounts.models import BreakGlassGrant
from clinic.audit.models import Action
from clinic.audit.net import client_ip, request_id
from clinic.audit.services import audit_record
from clinic.models import Patient, Role

logger = logging.getLogger(__name__)
MIN_REASON = 10

# Sent after the grant commits, for the notifications app to add an in-app notice:
# sender=BreakGlassGrant, grant=<BreakGlassGrant>, admins=<list of users>.
break_glass_opened = Signal()

CLINICAL = frozenset({"plan", "session"})  # what an admin does not open under the rule


# Who is on a patient's care team is known by the apps above the core, which the core never
# imports: each registers its own check when it starts (plans: the prescriber of one of the
# patient's plans; referrals: the chiropractor assigned a ticket on one).
CARE_TEAM_CHECKS: list[Callable[[Any, int], bool]] = []


def care_team_check(check: Callable[[Any, int], bool]) -> Callable[[Any, int], bool]:
    """Register ``check(user, patient_id) -> bool`` (used as a decorator in an app's ready)."""
    CARE_TEAM_CHECKS.append(check)
    return check


def _is_care_team(user, patient_id: int) -> bool:
    """Whether any app says the user cares for the patient."""
    return any(check(user, patient_id) for check in CARE_TEAM_CHECKS)


def needs_break_glass(user, *, clinic, patient_id: int, object_type: str) -> bool:
    """Whether ``user`` opening ``object_type`` of the patient is outside the usual rules."""
    if not clinic.care_team_only or user.role == Role.THERAPIST:
        return False
    if user.role == Role.CHIROPRACTOR:
        return not _is_care_team(user, patient_id)
    if user.role == Role.ADMIN:
        return object_type in CLINICAL
    return True


def live_grant(user, *, patient_id: int) -> BreakGlassGrant | None:
    return (BreakGlassGrant.objects
            .filter(user=user, patient_id=patient_id, expires_at__gt=timezone.now())
            .order_by("-expires_at").first())


@transaction.atomic
def break_glass_open(*, user, patient: Patient, reason: str, request=None) -> BreakGlassGrant:
    """Open ``patient``'s records to ``user`` for ``BREAK_GLASS_MINUTES``, for the stated
    ``reason``: audited, and e-mailed to the clinic's admins once the grant commits.
    Raises ``ValueError`` for a reason too short to review."""
    reason = " ".join(str(reason or "").split())
    if len(reason) < MIN_REASON:
        raise ValueError(f"Say why, in at least {MIN_REASON} characters.")
    if user.role not in (Role.CHIROPRACTOR, Role.ADMIN) or user.clinic_id != patient.clinic_id:
        raise PermissionError("Only a chiropractor or admin of the clinic may do this.")
    now = timezone.now()
    grant = BreakGlassGrant.objects.create(
        user=user, clinic_id=patient.clinic_id, patient=patient, reason=reason[:500],
        created_at=now, expires_at=now + dt.timedelta(minutes=settings.BREAK_GLASS_MINUTES))
    audit_record(
        action=Action.BREAK_GLASS, clinic_id=patient.clinic_id, actor=user,
        object_type="patient", object_id=patient.pk, patient_id=patient.pk,
        ip=client_ip(request) if request is not None else None,
        request_id=request_id(request) if request is not None else "",
        method=getattr(request, "method", "") or "", path=getattr(request, "path", "") or "",
        status_code=201, detail={"break_glass": True, "grant": grant.pk, "reason": reason[:500],
                                 "minutes": settings.BREAK_GLASS_MINUTES})
    transaction.on_commit(lambda: _tell_admins(grant))
    return grant


def _tell_admins(grant: BreakGlassGrant) -> None:
    admins = list(get_user_model().objects.filter(clinic_id=grant.clinic_id, role=Role.ADMIN,
                                                  is_active=True))
    link = f"{getattr(settings, 'SITE_URL', '') or ''}/audit/?action=break_glass"
    # The patient is named by id only: e-mail leaves the clinic's systems.
    subject = f"Break-glass access by {grant.user.display_name}"
    body = (f"{grant.user.display_name} ({grant.user.username}) opened the records of patient "
            f"#{grant.patient_id} outside the usual rules at "
            f"{grant.created_at.astimezone(grant.clinic.tz):%Y-%m-%d %H:%M} "
            f"for {settings.BREAK_GLASS_MINUTES} minutes.\n\nReason given: {grant.reason}\n\n"
            f"Review it in the audit trail: {link}\n")
    recipients = [a.email for a in admins if a.email]
    try:
        if recipients:
            send_mail(subject, body, None, recipients)
    except Exception:  # the access is recorded; a mail server down must not undo it
        logger.exception("Break-glass e-mail for grant %s not sent", grant.pk)
    break_glass_opened.send(sender=BreakGlassGrant, grant=grant, admins=admins)
