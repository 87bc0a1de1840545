"""What the sessions app says about changes made in the layers below it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.dispatch import receiver

from plans.models import PlanVersion, TreatmentPlan
from plans.rules import format_day
from plans.signals import amendment_proposed
from sessions.models import TherapySession

NAMED = 5  # sessions named in the message; more are counted


@receiver(amendment_proposed, dispatch_uid="sessions-stay-within-validity")
def logged_sessions_stay_within_validity(
    *, plan: TreatmentPlan, current: PlanVersion, terms: dict[str, Any], **_: Any
) -> None:
    """An amendment may not move the plan's validity so that logged (non-voided) sessions fall
    outside it, just as it may not authorise fewer sessions than are used: those sessions were
    done under the plan, and the plan must keep covering them. The refusal names them."""
    tz = plan.clinic.tz
    for field, outside in (
        ("valid_from", {"started_at__lt": _start_of(terms["valid_from"], tz)}),
        ("valid_until", {"started_at__gte": _start_of(terms["valid_until"]
                                                      + dt.timedelta(days=1), tz)}),
    ):
        if terms[field] == getattr(current, field):
            continue  # unchanged: the sessions already fit it
        stranded = list(TherapySession.objects.filter(plan_id=plan.pk, void__isnull=True,
                                                      **outside)
                        .order_by("started_at").values_list("started_at", flat=True)[:NAMED + 1])
        if stranded:
            days = [format_day(t.astimezone(tz).date()) for t in stranded[:NAMED]]
            more = " and more" if len(stranded) > NAMED else ""
            raise ValidationError({field: (
                f"Sessions logged on {', '.join(days)}{more} would fall outside the plan's "
                "validity; keep them inside it (or void a session entered in error first).")})


def _start_of(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)
