"""The audit trail in plain words, for the admins' page: "Viewed plan for Casey Client" at
"14:05" (the clinic's time) by "Dr Reyes", "Refused", rather than ids, UTC and raw paths.

The stored entry stays as it is (ids only, no patient data: DOMAIN.md); names are looked up
when the page is shown, in one query per kind for the whole page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from clinic.audit.models import Action, AuditEntry, Outcome
from clinic.models import Patient

NOUNS = {
    "plan": "plan", "session": "session", "ticket": "consult ticket", "patient": "patient",
    "appointment": "appointment", "notification": "notification", "audit": "audit trail",
    "user": "staff account", "worklist": "worklist", "lockout": "sign-in lockout",
}
VERBS = {
    Action.READ: "Viewed", Action.CREATE: "Created", Action.UPDATE: "Changed",
    Action.VOID: "Voided", Action.DECIDE: "Decided", Action.EXPORT: "Exported",
}
OUTCOMES = {
    Outcome.SUCCESS: "Done", Outcome.INVALID: "Invalid input", Outcome.DENIED: "Not allowed",
    Outcome.NOT_FOUND: "Not found", Outcome.REFUSED: "Refused", Outcome.ERROR: "Error",
}
# What a write under another object's page means (the session is logged on the plan's page).
_SUB_ACTIONS = (
    ("/sessions/new/", "Logged a session on"), ("/tickets/new/", "Raised a consult ticket on"),
    ("/addenda/", "Added an addendum to"), ("/amend/", "Amended"), ("/approve/", "Approved"),
    ("/decline/", "Declined"), ("/withdraw/", "Withdrew"), ("/reassign/", "Reassigned"),
    ("/status/", "Changed the status of"), ("/void/", "Voided"), ("/fhir/", "Exported"),
    ("/versions/", "Viewed the versions of"), ("/print/", "Printed"),
)


@dataclass(frozen=True)
class Line:
    entry: AuditEntry
    at: dt.datetime  # in the clinic's time zone
    person: str
    username: str
    what: str
    outcome: str
    break_glass: bool


def _what(e: AuditEntry, patient: str | None, users: dict[int, str]) -> str:
    detail = e.detail or {}
    if e.action == Action.LOGIN:
        return "Signed in"
    if e.action == Action.LOGOUT:
        return "Signed out"
    if e.action == Action.LOGIN_FAILED:
        return "Failed sign-in"
    if e.action == Action.LOCKOUT:
        return "Locked out after too many failed sign-ins"
    if e.action == Action.UNLOCK:
        return "Sign-in lockout lifted"
    if e.action == Action.PERMISSION_CHANGE:
        whose = detail.get("user") or users.get(int(e.object_id or 0), "a staff account")
        if "second_factor" in detail:
            return {"enrolled": "Set up a second factor",
                    "removed": "Removed their second factor"}.get(
                detail["second_factor"], f"Reset the second factor of {whose}")
        if "tokens_revoked" in detail:
            return f"Signed {whose} out of {detail['tokens_revoked']} device(s)"
        changes = [f"{k} {v[0]} → {v[1]}" for k, v in detail.items()
                   if isinstance(v, list) and len(v) == 2]
        return f"Changed the account of {whose}" + (f": {', '.join(changes)}" if changes else "")
    noun = NOUNS.get(e.object_type, e.object_type.replace("_", " ") or "record")
    verb = VERBS.get(e.action, e.get_action_display())
    for marker, phrase in _SUB_ACTIONS:
        if marker in e.path:
            verb = phrase
            break
    if not e.object_id and e.action == Action.READ:
        text = "Searched patients" if e.object_type == "patient" else f"Viewed the {noun} list"
    elif e.object_type == "patient":
        text = f"{verb} the record of {patient}" if patient else f"{verb} a patient record"
    else:
        text = f"{verb} {noun}" + (f" for {patient}" if patient else "")
    if detail.get("break_glass"):
        text = f"Break-glass: {text[0].lower()}{text[1:]}, because “{detail.get('reason', '')}”"
    return text


def describe(entries: Iterable[AuditEntry], *, tz: dt.tzinfo,
             clinic_id: int | None = None) -> list[Line]:
    """Lines for a page of entries: two queries (people, patients), whatever the page holds.
    Patients' names come from ``clinic_id``'s patients only (the reader's clinic)."""
    entries = list(entries)
    user_ids = {e.actor_id for e in entries if e.actor_id}
    user_ids |= {int(e.object_id) for e in entries
                 if e.object_type == "user" and (e.object_id or "").isdecimal()
                 and e.object_id.isascii()}
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids)}
    names = {pk: u.display_name for pk, u in users.items()}
    patient_ids = {e.patient_id for e in entries if e.patient_id}
    found = Patient.objects.filter(pk__in=patient_ids)
    if clinic_id is not None:
        found = found.filter(clinic_id=clinic_id)
    patients = {p.pk: p.full_name for p in found.only("id", "first_name", "last_name")}
    lines = []
    for e in entries:
        person = names.get(e.actor_id) or e.actor_username or "Someone not signed in"
        lines.append(Line(
            entry=e, at=e.at.astimezone(tz), person=person, username=e.actor_username,
            what=_what(e, patients.get(e.patient_id), names),
            outcome=OUTCOMES.get(e.outcome, e.get_outcome_display()),
            break_glass=bool((e.detail or {}).get("break_glass"))))
    return lines
