"""Which requests touch patient data, and what they touch: the one table the audit middleware
reads. Three ways in, tried in this order:

1. a view that declares ``audit_object = Target(...)`` (or is wrapped by ``@audited(...)``);
2. an API route, by its URL name (``clinic/api/urls.py``);
3. a page, by its path (the paths of docs/api.md "Pages" are a public contract);
4. the Django admin: every model page, by the admin's URL names.

A request matching none of them (``/api/me/``, the schema, static files, the login form) is
not patient data and is not logged here; sign-ins are logged by ``clinic.audit.signals``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.apps import apps

from clinic.audit.models import Action

READ_WRITE: Mapping[str, str] = {
    "GET": Action.READ, "HEAD": Action.READ, "POST": Action.CREATE, "PUT": Action.UPDATE,
    "PATCH": Action.UPDATE, "DELETE": Action.VOID,
}


def _on_post(action: str) -> Mapping[str, str]:
    return {**READ_WRITE, "POST": action}


@dataclass(frozen=True)
class Target:
    """What a view touches: ``object_type``, the URL kwarg naming the object (None for a list
    or a create), and the action each HTTP method performs."""

    object_type: str
    kwarg: str | None = "pk"
    actions: Mapping[str, str] = field(default_factory=lambda: READ_WRITE)

    def action_for(self, method: str) -> str | None:
        return self.actions.get(method.upper())


def audited(object_type: str, kwarg: str | None = "pk", **actions: str):
    """Decorator for a page view: ``@audited("plan")``, ``@audited("plan", POST="void")``."""
    target = Target(object_type, kwarg, {**READ_WRITE, **actions} if actions else READ_WRITE)

    def mark(view):
        view.audit_object = target
        return view

    return mark


# --- 2. the API, by URL name -----------------------------------------------------------------
API: dict[str, Target] = {
    "api-patients": Target("patient", None),
    "api-patient": Target("patient"),
    "api-plans": Target("plan", None),
    "api-plan": Target("plan"),
    "api-plan-versions": Target("plan"),
    "api-plan-amend": Target("plan", actions=_on_post(Action.UPDATE)),
    "api-plan-status": Target("plan", actions=_on_post(Action.UPDATE)),
    "api-plan-fhir": Target("plan", actions={"GET": Action.EXPORT, "HEAD": Action.EXPORT}),
    "api-sessions": Target("session", None),
    "api-session": Target("session"),
    "api-session-void": Target("session", actions=_on_post(Action.VOID)),
    "api-session-addenda": Target("session", actions=_on_post(Action.UPDATE)),
    "api-tickets": Target("ticket", None),
    "api-ticket": Target("ticket"),
    "api-ticket-approve": Target("ticket", actions=_on_post(Action.DECIDE)),
    "api-ticket-decline": Target("ticket", actions=_on_post(Action.DECIDE)),
    "api-ticket-withdraw": Target("ticket", actions=_on_post(Action.UPDATE)),
    "api-ticket-reassign": Target("ticket", actions=_on_post(Action.UPDATE)),
    "api-notifications": Target("notification", None),
    "api-notification": Target("notification"),
    "api-notification-read": Target("notification", actions=_on_post(Action.UPDATE)),
    "api-audit": Target("audit", None),
    "api-appointments": Target("appointment", None),
    "api-appointment": Target("appointment"),
    "api-appointment-arrive": Target("appointment", actions=_on_post(Action.UPDATE)),
    "api-appointment-no-show": Target("appointment", actions=_on_post(Action.UPDATE)),
    "api-appointment-cancel": Target("appointment", actions=_on_post(Action.UPDATE)),
}

# --- 3. pages, by path (docs/api.md "Pages"); sub-paths (htmx partials, forms) included -----------
_VERB_ACTIONS = (
    ("void", Action.VOID), ("approve", Action.DECIDE), ("decline", Action.DECIDE),
    ("decide", Action.DECIDE), ("amend", Action.UPDATE), ("edit", Action.UPDATE),
    ("status", Action.UPDATE), ("withdraw", Action.UPDATE), ("reassign", Action.UPDATE),
    ("fhir", Action.EXPORT), ("export", Action.EXPORT), ("csv", Action.EXPORT),
    ("new", Action.CREATE),  # /plans/<id>/sessions/new/: a session logged on that plan
    ("cancel", Action.UPDATE), ("arrive", Action.UPDATE), ("no-show", Action.UPDATE),
)
PAGES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^/$(?P<pk>)"), "worklist"),  # each role's home lists patients or tickets
    (re.compile(r"^/patients/(?:(?P<pk>\d+)/)?"), "patient"),
    (re.compile(r"^/plans/(?:(?P<pk>\d+)/)?"), "plan"),
    (re.compile(r"^/sessions/(?:(?P<pk>\d+)/)?"), "session"),
    (re.compile(r"^/tickets/(?:(?P<pk>\d+)/)?"), "ticket"),
    (re.compile(r"^/appointments/(?:(?P<pk>\d+)/)?"), "appointment"),
]


def page_target(path: str, method: str) -> tuple[Target, str | None, str] | None:
    """``(target, object id, action)`` for a page path of patient data, else None."""
    for pattern, object_type in PAGES:
        match = pattern.match(path)
        if not match:
            continue
        rest = path[match.end():]
        action = READ_WRITE.get(method.upper())
        if method.upper() == "POST":
            action = Action.UPDATE if match.group("pk") else Action.CREATE
        for verb, verb_action in _VERB_ACTIONS:
            if verb in rest:
                if method.upper() not in ("GET", "HEAD") or verb_action == Action.EXPORT:
                    action = verb_action
                break
        return Target(object_type, "pk"), match.group("pk"), action
    return None


# --- 4. the Django admin ---------------------------------------------------------------------
ADMIN_TYPES = {
    "clinic.patient": "patient", "plans.treatmentplan": "plan",
    "therapy_sessions.therapysession": "session", "referrals.ticket": "ticket",
    "referrals.consultticket": "ticket", "clinic.user": "user", "audit.auditentry": "audit",
    "axes.accessattempt": "lockout",
}
_ADMIN_VIEWS = ("changelist", "change", "add", "history", "delete")


@functools.cache
def _admin_models() -> dict[str, str]:
    """``"clinic_patient"`` (the admin's URL name prefix) -> ``"clinic.patient"``."""
    return {f"{m._meta.app_label}_{m._meta.model_name}": m._meta.label_lower
            for m in apps.get_models()}


def admin_target(url_name: str | None, method: str) -> tuple[str, str] | None:
    """``(object_type, action)`` for an admin model page (``app_model_view``), else None."""
    if not url_name:
        return None
    for view in _ADMIN_VIEWS:
        suffix = f"_{view}"
        if not url_name.endswith(suffix):
            continue
        model_key = _admin_models().get(url_name[: -len(suffix)])
        if model_key is None:
            return None
        object_type = ADMIN_TYPES.get(model_key, model_key.split(".")[1])
        write = method.upper() not in ("GET", "HEAD")
        if view == "delete":
            action = (Action.UNLOCK if object_type == "lockout" else Action.VOID) if write \
                else Action.READ
        elif view == "add":
            if not write:
                return None  # an empty form shows nothing
            action = Action.CREATE
        elif write:
            # POST on a change list runs an admin action ("delete selected" on lockouts).
            action = Action.UNLOCK if object_type == "lockout" else Action.UPDATE
        else:
            action = Action.READ
        return object_type, action
    return None
