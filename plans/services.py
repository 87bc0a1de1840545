"""Writes to treatment plans. Only these functions create plans and plan versions.

A plan version is a signed prescription and is never edited: a change is a new version,
signed by a chiropractor, with the reason for the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.errors import Conflict
from clinic.models import Patient, Role, User
from plans.models import PlanStatus, PlanStatusChange, PlanVersion, TreatmentPlan
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
    "techniques", "valid_from", "valid_until", "diagnosis", "notes",
)


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
    cleaned["diagnosis"] = terms.get("diagnosis") or ""
    cleaned["notes"] = terms.get("notes") or ""
    return cleaned


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
) -> TreatmentPlan:
    """Prescribe a plan: it is active at once, as version 1 signed by the prescriber.

    Only a chiropractor of the patient's clinic may prescribe.
    """
    _require_chiropractor(prescriber, patient.clinic_id)
    terms = _clean_terms({
        "regions": regions, "avoid_regions": avoid_regions, "session_minutes": session_minutes,
        "sessions_authorized": sessions_authorized, "sessions_per_week": sessions_per_week,
        "techniques": techniques, "valid_from": valid_from, "valid_until": valid_until,
        "diagnosis": diagnosis, "notes": notes,
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


def plan_amend(
    *,
    plan: TreatmentPlan,
    by: User,
    reason: str,
    changes: dict[str, Any],
    covering: bool = False,
) -> PlanVersion:
    """Sign a new version of the plan with ``changes`` applied to the version now in force.

    The prescriber amends their own plan; another chiropractor of the clinic may sign only
    when covering (``covering=True``: approving a consult ticket assigned to them). A
    cancelled plan cannot be amended; a used-up or ended one can (that is a renewal). The
    authorised sessions can never drop below those already used.
    """
    from plans.selectors import plan_usage

    _require_chiropractor(by, plan.clinic_id)
    if not covering and by.pk != plan.prescriber_id:
        raise PermissionDenied("Only the prescriber may amend this plan directly; another "
                               "chiropractor decides the consult tickets assigned to them.")
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError({"reason": "Say why the plan changes."})
    unknown = set(changes) - set(AMENDABLE_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be amended."})

    with transaction.atomic():
        # Lock the plan: two amendments at once must not both become "version N+1".
        locked = (TreatmentPlan.objects.select_for_update(of=("self",))
                  .select_related("clinic", "current_version").get(pk=plan.pk))
        if locked.status == PlanStatus.CANCELLED:
            raise Conflict("plan_cancelled", "A cancelled plan cannot be amended.")
        current = locked.current_version
        terms = {name: getattr(current, name) for name in AMENDABLE_FIELDS}
        if all(terms[k] == v for k, v in changes.items()):
            raise ValidationError({"non_field_errors": "The amendment changes nothing."})
        terms.update(changes)
        terms = _clean_terms(terms)
        used = plan_usage(locked).sessions_used
        if terms["sessions_authorized"] < used:
            raise ValidationError({"sessions_authorized": (
                f"{used} sessions are already used; the plan cannot authorise fewer.")})
        version = PlanVersion.objects.create(
            plan=locked, clinic_id=locked.clinic_id, number=current.number + 1, signed_by=by,
            signed_at=timezone.now(),
            reason=reason.strip(), **terms,
        )
        locked.current_version = version
        locked.save(update_fields=["current_version"])
    plan.current_version = version
    return version


# Which stored statuses may follow which (expired is derived from the dates, never set).
STATUS_TRANSITIONS: dict[str, set[str]] = {
    PlanStatus.DRAFT: {PlanStatus.ACTIVE, PlanStatus.CANCELLED},
    PlanStatus.ACTIVE: {PlanStatus.SUSPENDED, PlanStatus.COMPLETED, PlanStatus.CANCELLED},
    PlanStatus.SUSPENDED: {PlanStatus.ACTIVE, PlanStatus.COMPLETED, PlanStatus.CANCELLED},
    PlanStatus.COMPLETED: {PlanStatus.ACTIVE},
    PlanStatus.CANCELLED: set(),
}


def plan_set_status(*, plan: TreatmentPlan, by: User, status: str, reason: str) -> TreatmentPlan:
    """Suspend, resume, complete or cancel a plan; only a chiropractor of the clinic may.

    A cancelled plan stays cancelled. The reason is required (it is the clinical record of why).
    """
    _require_chiropractor(by, plan.clinic_id)
    if status not in PlanStatus.values:
        raise ValidationError({"status": f"{status!r} is not a plan status."})
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError({"reason": "Say why the plan's status changes."})
    with transaction.atomic():
        locked = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
        if status not in STATUS_TRANSITIONS[locked.status]:
            raise Conflict("invalid_transition",
                           f"A {locked.status} plan cannot become {status}.")
        PlanStatusChange.objects.create(plan=locked, from_status=locked.status, to_status=status,
                                        reason=reason.strip(), changed_by=by)
        locked.status = status
        locked.save(update_fields=["status"])
    plan.status = status
    return plan
