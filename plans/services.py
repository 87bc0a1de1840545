"""Writes to treatment plans. Only these functions create plans and plan versions.

A plan version is a signed prescription and is never edited: a change is a new version,
signed by a chiropractor, with the reason for the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.errors import Conflict
from clinic.models import Patient, Role, User
from plans.models import PlanStatus, PlanStatusChange, PlanVersion, TreatmentPlan
from plans.selectors import plan_for_update
from plans.signals import amendment_proposed
from plans.validation import (
    MAX_SESSION_MINUTES,
    MAX_SESSIONS_AUTHORIZED,
    MAX_SESSIONS_PER_WEEK,
    check_range,
    clean_regions,
    clean_techniques,
)

# What an amendment may change; the rest of a version is copied from the one it replaces.
AMENDABLE_FIELDS = (
    "regions", "avoid_regions", "session_minutes", "sessions_authorized", "sessions_per_week",
    "techniques", "valid_from", "valid_until", "diagnosis", "notes", "goals", "client_summary",
)

# Longest texts a prescription holds (characters).
TEXT_LIMITS = {"diagnosis": 500, "notes": 10_000, "goals": 2_000, "client_summary": 1_000}


def _require_chiropractor(user: User, clinic_id: int) -> None:
    if user.role != Role.CHIROPRACTOR or user.clinic_id != clinic_id:
        raise PermissionDenied("Only a chiropractor of this clinic may prescribe or amend a plan.")


def _clean_terms(terms: dict[str, Any]) -> dict[str, Any]:
    """Validate a complete set of prescription terms; raise ValidationError naming the field."""
    cleaned = dict(terms)
    cleaned["regions"] = clean_regions("regions", terms["regions"])
    cleaned["avoid_regions"] = clean_regions(
        "avoid_regions", terms.get("avoid_regions") or [], allow_empty=True)
    both = [r for r in cleaned["avoid_regions"] if r in cleaned["regions"]]
    if both:
        raise ValidationError(
            {"avoid_regions": f"{', '.join(both)} cannot be both prescribed and avoided."})
    cleaned["session_minutes"] = check_range(
        "session_minutes", terms["session_minutes"], 1, MAX_SESSION_MINUTES)
    cleaned["sessions_authorized"] = check_range(
        "sessions_authorized", terms["sessions_authorized"], 1, MAX_SESSIONS_AUTHORIZED)
    if terms.get("sessions_per_week") is not None:
        cleaned["sessions_per_week"] = check_range(
            "sessions_per_week", terms["sessions_per_week"], 1, MAX_SESSIONS_PER_WEEK)
    cleaned["techniques"] = clean_techniques("techniques", terms.get("techniques") or [])
    for name in ("valid_from", "valid_until"):
        if not isinstance(terms[name], dt.date) or isinstance(terms[name], dt.datetime):
            raise ValidationError({name: "A date (YYYY-MM-DD) is required."})
    if cleaned["valid_until"] < cleaned["valid_from"]:
        raise ValidationError({"valid_until": "The plan cannot end before it starts."})
    for name, limit in TEXT_LIMITS.items():
        cleaned[name] = _clean_text(name, terms.get(name), limit)
    return cleaned


def _clean_text(name: str, value: object, limit: int) -> str:
    value = value or ""
    if not isinstance(value, str) or "\x00" in value:
        raise ValidationError({name: "Text is required."})
    if len(value) > limit:
        raise ValidationError({name: f"At most {limit} characters."})
    return value.strip()


@transaction.atomic
def plan_create(
    *,
    prescriber: User,
    patient: Patient,
    regions: Sequence[str],
    session_minutes: int,
    sessions_authorized: int,
    valid_from: dt.date,
    valid_until: dt.date,
    sessions_per_week: int | None = None,
    techniques: Sequence[str] = (),
    avoid_regions: Sequence[str] = (),
    diagnosis: str = "",
    notes: str = "",
    goals: str = "",
    client_summary: str = "",
) -> TreatmentPlan:
    """Prescribe a plan: it is active at once, as version 1 signed by the prescriber.

    Only a chiropractor of the patient's clinic may prescribe.
    """
    _require_chiropractor(prescriber, patient.clinic_id)
    terms = _clean_terms({
        "regions": regions, "avoid_regions": avoid_regions, "session_minutes": session_minutes,
        "sessions_authorized": sessions_authorized, "sessions_per_week": sessions_per_week,
        "techniques": techniques, "valid_from": valid_from, "valid_until": valid_until,
        "diagnosis": diagnosis, "notes": notes, "goals": goals, "client_summary": client_summary,
    })
    plan = TreatmentPlan.objects.create(
        clinic_id=patient.clinic_id, patient=patient, prescriber=prescriber,
        status=PlanStatus.ACTIVE,
    )
    version = PlanVersion.objects.create(
        plan=plan, clinic_id=plan.clinic_id, number=1, signed_by=prescriber,
        signed_at=timezone.now(), reason="Initial prescription", **terms,
    )
    plan.current_version = version
    plan.save(update_fields=["current_version"])
    return plan


Changes = dict[str, Any] | Callable[[PlanVersion], dict[str, Any]]


def _plan_changed(plan: TreatmentPlan, *, based_on: int, current: PlanVersion) -> Exception:
    """The answer to an amendment drawn from a version that is no longer in force."""
    drawn_from = PlanVersion.objects.filter(plan_id=plan.pk, number=based_on).first()
    if drawn_from is None or based_on > current.number:
        return ValidationError({"based_on_version": f"The plan has no version {based_on}."})
    changed = [name for name in AMENDABLE_FIELDS
               if getattr(drawn_from, name) != getattr(current, name)]
    what = ", ".join(name.replace("_", " ") for name in changed) or "nothing in its terms"
    signer = current.signed_by.get_full_name() or current.signed_by.get_username()
    return Conflict(
        "plan_changed",
        f"Version {current.number} was signed by {signer} since you started from version "
        f"{based_on}; it changed {what}. Review the plan as it is now and amend it again.",
        current_version=current.number, changed=changed,
    )


def plan_amend(
    *,
    plan: TreatmentPlan,
    by: User,
    reason: str,
    changes: Changes,
    based_on_version: int | None = None,
    covering: bool = False,
) -> PlanVersion:
    """Sign a new version of the plan: ``changes`` applied to the version in force.

    An amendment is a change against a version. Everything it derives from the plan (the
    version in force, the next number, the sessions used) is read under the plan's row lock,
    so two amendments signed at once build one on the other and never drop what the first
    signed. ``changes`` is either the fields to change, or a function computing them from the
    version in force at that moment (a consult ticket asks to *add* something, whatever was
    signed since it was raised). ``based_on_version`` is the number of the version the change
    was drawn from (the plan form sends it): if another was signed since, the answer is
    Conflict ``plan_changed`` naming what changed, never a silent overwrite.

    The prescriber amends their own plan; another chiropractor of the clinic may sign only
    when covering (``covering=True``: approving a consult ticket assigned to them). A
    cancelled plan cannot be amended; a used-up or ended one can (that is a renewal). The
    authorised sessions can never drop below those already used, and the validity cannot
    leave logged sessions outside it (``plans.signals.amendment_proposed``).
    """
    _require_chiropractor(by, plan.clinic_id)
    if not covering and by.pk != plan.prescriber_id:
        raise PermissionDenied("Only the prescriber may amend this plan directly; another "
                               "chiropractor decides the consult tickets assigned to them.")
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError({"reason": "Say why the plan changes."})
    if isinstance(changes, dict):
        _require_amendable(changes)

    with transaction.atomic():
        # Lock the plan: two amendments at once must not both become "version N+1", nor
        # compute their terms from the same version.
        locked = plan_for_update(plan.pk)
        current = locked.current_version
        if locked.status == PlanStatus.CANCELLED:
            raise Conflict("plan_cancelled", "A cancelled plan cannot be amended.")
        if based_on_version is not None and based_on_version != current.number:
            raise _plan_changed(locked, based_on=based_on_version, current=current)
        if callable(changes):
            changes = changes(current)
            _require_amendable(changes)
        terms = {name: getattr(current, name) for name in AMENDABLE_FIELDS}
        if all(terms[k] == v for k, v in changes.items()):
            raise ValidationError({"non_field_errors": "The amendment changes nothing."})
        terms.update(changes)
        terms = _clean_terms(terms)
        if terms["sessions_authorized"] < locked.sessions_used:
            raise ValidationError({"sessions_authorized": (
                f"{locked.sessions_used} sessions are already used; the plan cannot authorise "
                "fewer.")})
        amendment_proposed.send(sender=TreatmentPlan, plan=locked, current=current, terms=terms)
        version = PlanVersion.objects.create(
            plan=locked, clinic_id=locked.clinic_id, number=current.number + 1, signed_by=by,
            signed_at=timezone.now(),
            reason=reason.strip(), **terms,
        )
        locked.current_version = version
        locked.save(update_fields=["current_version"])
    plan.current_version = version
    return version


def _require_amendable(changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(AMENDABLE_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be amended."})


# Which stored statuses may follow which (expired is derived from the dates, never set).
STATUS_TRANSITIONS: dict[str, set[str]] = {
    PlanStatus.DRAFT: {PlanStatus.ACTIVE, PlanStatus.CANCELLED},
    PlanStatus.ACTIVE: {PlanStatus.SUSPENDED, PlanStatus.COMPLETED, PlanStatus.CANCELLED},
    PlanStatus.SUSPENDED: {PlanStatus.ACTIVE, PlanStatus.COMPLETED, PlanStatus.CANCELLED},
    PlanStatus.COMPLETED: {PlanStatus.ACTIVE},
    PlanStatus.CANCELLED: set(),
}


def plan_set_status(*, plan: TreatmentPlan, by: User, status: str, reason: str) -> TreatmentPlan:
    """Suspend, resume, complete or cancel a plan: only its prescriber or a covering
    chiropractor may (DESIGN.md, "own or covering").

    Covering: a chiropractor of the clinic an open consult ticket on this plan is assigned to
    (an admin reassigns tickets to cover a prescriber who is away). Any other chiropractor of
    the clinic gets a PermissionDenied (403). A cancelled plan stays cancelled. The reason is
    required (it is the clinical record of why).
    """
    _require_chiropractor(by, plan.clinic_id)
    # "tickets" is the consult tickets' reverse relation (referrals sits above plans: no import);
    # "open" is referrals.models.TicketStatus.OPEN.
    if plan.prescriber_id != by.pk and not plan.tickets.filter(
            assigned_to_id=by.pk, status="open").exists():
        raise PermissionDenied("Only the plan's prescriber, or a chiropractor covering it, may "
                               "change its status.")
    if status not in PlanStatus.values:
        raise ValidationError({"status": f"{status!r} is not a plan status."})
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError({"reason": "Say why the plan's status changes."})
    with transaction.atomic():
        # Lock the plan: the transition is judged from the status a concurrent change left.
        locked = plan_for_update(plan.pk)
        if status not in STATUS_TRANSITIONS[locked.status]:
            raise Conflict("invalid_transition",
                           f"A {locked.status} plan cannot become {status}.")
        PlanStatusChange.objects.create(plan=locked, from_status=locked.status, to_status=status,
                                        reason=reason.strip(), changed_by=by)
        locked.status = status
        locked.save(update_fields=["status"])
    plan.status = status
    return plan
