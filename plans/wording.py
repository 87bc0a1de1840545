"""A plan's state in plain English for the pages: the tag search and lists show ("active, 7 of
8 sessions left", "expired on Mon 2 Nov 2026", "used up"), whether it has ended, the banner an
ended plan shows before any form, and what a renewal request is pre-filled with.

One definition per idea: "ended" here is what the plan card, the search and the worklist use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from plans.models import EXPIRED, PlanStatus, TreatmentPlan


def plural(n: int, one: str, many: str | None = None) -> str:
    """"1 session", "8 sessions"; ``many`` for irregular plurals."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def day(value: dt.date) -> str:
    """A date the clinic's way, as every page writes it: "Mon 2 Nov 2026"."""
    return f"{value:%a} {value.day} {value:%b %Y}"


@dataclass(frozen=True)
class PlanState:
    # active, not_started, used_up, expired, suspended, completed, cancelled or draft
    code: str
    label: str  # for a tag: "active, 7 of 8 sessions left"
    ended: bool  # no session can be logged on it as it stands
    banner: str = ""  # the sentence an ended plan shows before any form
    renewable: bool = False  # a renewal request makes sense (not cancelled, not a draft)
    tone: str = "ok"  # ok | warn | bad: the tag's colour


def plan_state(plan: TreatmentPlan, *, today: dt.date | None = None) -> PlanState:
    """The plan's real state today (clinic-local), from its status, validity and usage.
    ``plan`` needs ``current_version`` and ``sessions_used`` (plans_with_usage)."""
    today = today or plan.local_today()
    version = plan.current_version
    status = plan.effective_status(today)
    who = plan.prescriber.display_name
    if status == PlanStatus.CANCELLED:
        return PlanState("cancelled", "cancelled", True, "This plan was cancelled. No session "
                         "can be logged on it; a new plan needs a new prescription.", tone="bad")
    if status == PlanStatus.DRAFT:
        return PlanState("draft", "draft, not signed yet", True,
                         f"This plan is a draft: {who} has not signed it yet.", tone="warn")
    if status == PlanStatus.SUSPENDED:
        return PlanState("suspended", "suspended", True,
                         f"This plan is suspended by {who}. No session can be logged while it "
                         "is.", renewable=True, tone="warn")
    if status == PlanStatus.COMPLETED:
        return PlanState("completed", "completed", True,
                         "This plan is completed. No more sessions can be logged on it.",
                         renewable=True, tone="bad")
    if status == EXPIRED:
        return PlanState("expired", f"expired on {day(version.valid_until)}", True,
                         f"This plan has ended: its last valid day was "
                         f"{day(version.valid_until)}. No session can be logged on it.",
                         renewable=True, tone="bad")
    left = plan.sessions_remaining
    if left <= 0:
        used = ("The one session of this plan is used." if version.sessions_authorized == 1
                else f"All {version.sessions_authorized} sessions of this plan are used.")
        return PlanState("used_up", f"used up ({plural(version.sessions_authorized, 'session')})",
                         True, f"{used} No more sessions can be logged on it.",
                         renewable=True, tone="bad")
    if today < version.valid_from:
        return PlanState("not_started", f"starts on {day(version.valid_from)}", False,
                         tone="warn")
    return PlanState("active", f"active, {left} of {plural(version.sessions_authorized, 'session')}"
                     " left", False, tone="warn" if left == 1 else "ok")


def renewal_prefill(plan: TreatmentPlan, state: PlanState, *,
                    today: dt.date | None = None) -> dict[str, str]:
    """What "Request a renewal" pre-fills on the ticket form: the client's request, and as many
    sessions again (used up) and/or a later end date as long again as the plan ran (ended)."""
    today = today or plan.local_today()
    version = plan.current_version
    prefill = {"renewal": "1",
               "client_request": "The client would like to continue the treatment."}
    if state.code in ("used_up", "completed", "suspended") or plan.sessions_remaining <= 0:
        prefill["extra_sessions"] = str(version.sessions_authorized)
    if state.code in ("expired", "completed", "suspended"):
        length = version.valid_until - version.valid_from
        prefill["valid_until"] = (max(today, version.valid_until) + length).isoformat()
    return prefill


def ticket_prefill_url(plan: TreatmentPlan, violations: Sequence, *,
                       minutes: int | None = None) -> str:
    """The consult-ticket form after a refusal, pre-filled with what the plan refused: the
    regions out of scope, and the longer minutes when ``minutes`` is given."""
    query: list[tuple[str, str]] = []
    for v in violations:
        if v.code == "region_out_of_scope":
            query += [("add_regions", code) for code in v.regions or []]
        if v.code == "duration_exceeds_plan" and minutes is not None:
            query.append(("session_minutes", str(minutes)))
    url = reverse("ticket-new", args=[plan.pk])
    return f"{url}?{urlencode(query)}" if query else url
