"""Who may call what: every API route x anonymous / therapist / chiropractor / admin / another
clinic's user, with the status each must get (docs/api.md "Signing in" and docs/design.md "Roles").

The routes come from the URL configuration: a route added without a row here fails
``test_every_api_route_has_a_row``. Each request carries a valid body, so an allowed caller
gets its 2xx and a refused one is refused for who they are, not for what they sent. The other
clinic's user has the role that *would* be allowed, so the row tests clinic isolation: 404 for
an object named in the URL, 400 for one named in the body, their own data for a list.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import NamedTuple

import pytest
from django.core.cache import cache
from django.utils import timezone

from appointments.services import appointment_book
from clinic.accounts.tokens import token_issue
from notifications.models import Outbox
from notifications.outbox import deliver
from referrals.services import ticket_raise
from sessions.services import session_log
from tests.api.routes import api_routes
from tests.factories import (
    AdminFactory,
    ChiropractorFactory,
    ClinicFactory,
    PatientFactory,
    TherapistFactory,
    clinic_today,
    make_plan,
)

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's


class Row(NamedTuple):
    anonymous: int
    therapist: int
    chiropractor: int
    admin: int
    other_role: str  # the role the other clinic's caller has
    other: int


MATRIX: dict[tuple[str, str], Row] = {
    ("POST", "auth/token/"): Row(400, 200, 200, 200, "therapist", 200),
    ("POST", "auth/logout/"): Row(401, 204, 204, 204, "therapist", 204),
    ("GET", "auth/tokens/"): Row(401, 200, 200, 200, "therapist", 200),
    # The therapist's second device: theirs to revoke, and their clinic admin's.
    ("DELETE", "auth/tokens/<int:pk>/"): Row(401, 204, 404, 204, "admin", 404),
    ("GET", "me/"): Row(401, 200, 200, 200, "therapist", 200),
    ("GET", "patients/"): Row(401, 200, 200, 200, "therapist", 200),
    ("POST", "patients/"): Row(401, 201, 403, 201, "admin", 201),
    ("GET", "patients/<int:pk>/"): Row(401, 200, 200, 200, "admin", 404),
    # Stating a reason to open a record: chiropractors and admins of the patient's clinic.
    ("POST", "patients/<int:pk>/break-glass/"): Row(401, 403, 201, 201, "admin", 404),
    ("PATCH", "patients/<int:pk>/"): Row(401, 200, 403, 200, "admin", 404),
    ("GET", "plans/"): Row(401, 200, 200, 200, "chiropractor", 200),
    ("POST", "plans/"): Row(401, 403, 201, 403, "chiropractor", 400),
    ("GET", "plans/<int:pk>/"): Row(401, 200, 200, 200, "chiropractor", 404),
    ("GET", "plans/<int:pk>/versions/"): Row(401, 200, 200, 200, "therapist", 404),
    ("POST", "plans/<int:pk>/amend/"): Row(401, 403, 201, 403, "chiropractor", 404),
    ("POST", "plans/<int:pk>/status/"): Row(401, 403, 200, 403, "chiropractor", 404),
    ("GET", "plans/<int:pk>/fhir/"): Row(401, 200, 200, 200, "therapist", 404),
    ("GET", "sessions/"): Row(401, 200, 200, 200, "therapist", 200),
    ("POST", "sessions/"): Row(401, 201, 403, 403, "therapist", 400),
    ("GET", "sessions/<int:pk>/"): Row(401, 200, 200, 200, "admin", 404),
    ("POST", "sessions/<int:pk>/void/"): Row(401, 200, 403, 200, "admin", 404),
    ("POST", "sessions/<int:pk>/addenda/"): Row(401, 201, 403, 403, "therapist", 404),
    ("GET", "audit/"): Row(401, 403, 403, 200, "admin", 200),
    ("GET", "appointments/"): Row(401, 200, 200, 200, "therapist", 200),
    # The other clinic's admin names our therapist: "no such therapist" (400 on the field).
    ("POST", "appointments/"): Row(401, 201, 403, 201, "admin", 400),
    ("GET", "appointments/<int:pk>/"): Row(401, 200, 200, 200, "therapist", 404),
    ("POST", "appointments/<int:pk>/arrive/"): Row(401, 200, 403, 200, "therapist", 404),
    ("POST", "appointments/<int:pk>/no-show/"): Row(401, 200, 403, 200, "admin", 404),
    ("POST", "appointments/<int:pk>/cancel/"): Row(401, 200, 403, 200, "therapist", 404),
    ("GET", "tickets/"): Row(401, 200, 200, 200, "therapist", 200),
    ("POST", "tickets/"): Row(401, 201, 403, 403, "therapist", 400),
    ("GET", "tickets/<int:pk>/"): Row(401, 200, 200, 200, "chiropractor", 404),
    ("POST", "tickets/<int:pk>/approve/"): Row(401, 403, 200, 403, "chiropractor", 404),
    ("POST", "tickets/<int:pk>/decline/"): Row(401, 403, 200, 403, "chiropractor", 404),
    ("POST", "tickets/<int:pk>/withdraw/"): Row(401, 200, 403, 403, "therapist", 404),
    ("POST", "tickets/<int:pk>/reassign/"): Row(401, 403, 403, 200, "admin", 404),
    ("GET", "notifications/"): Row(401, 200, 200, 200, "therapist", 200),
    # The ticket's notification is the chiropractor's own; nobody else's to mark.
    ("POST", "notifications/<int:pk>/read/"): Row(401, 404, 200, 404, "chiropractor", 404),
    ("GET", "schema/"): Row(200, 200, 200, 200, "therapist", 200),
    ("GET", "docs/"): Row(200, 200, 200, 200, "therapist", 200),
}

PERSONAS = ("anonymous", "therapist", "chiropractor", "admin", "other")


class World(NamedTuple):
    users: dict
    chiro2: object
    patient: object
    plan: object
    session: object
    ticket: object
    notification: object
    appointment: object


def _today(clinic):
    return clinic_today(clinic)


BODIES: dict[tuple[str, str], Callable[[World, object], dict]] = {
    ("POST", "auth/token/"): lambda w, user: (
        {"username": user.username, "password": PASSWORD} if user
        else {"username": "nobody-here", "password": "wrong-password-1"}),
    ("POST", "patients/"): lambda w, user: {
        "first_name": "New", "last_name": "Client", "date_of_birth": "1990-05-01"},
    ("POST", "plans/"): lambda w, user: {
        "patient": w.patient.pk, "regions": ["lumbar"], "session_minutes": 30,
        "sessions_authorized": 6, "valid_from": _today(w.patient.clinic).isoformat(),
        "valid_until": (_today(w.patient.clinic) + dt.timedelta(days=30)).isoformat()},
    ("POST", "plans/<int:pk>/amend/"): lambda w, user: {
        "reason": "Longer sessions help.", "session_minutes": 45},
    ("POST", "plans/<int:pk>/status/"): lambda w, user: {
        "status": "suspended", "reason": "Client travelling."},
    ("POST", "sessions/"): lambda w, user: {
        "plan": w.plan.pk, "duration_minutes": 20, "regions": ["cervical"],
        "started_at": (timezone.now() - dt.timedelta(minutes=30)).isoformat()},
    ("POST", "sessions/<int:pk>/void/"): lambda w, user: {"reason": "Wrong client."},
    ("POST", "sessions/<int:pk>/addenda/"): lambda w, user: {"text": "Client felt better."},
    ("POST", "tickets/"): lambda w, user: {
        "plan": w.plan.pk, "client_request": "Can you do my feet?", "add_regions": ["foot_left"]},
    ("POST", "tickets/<int:pk>/approve/"): lambda w, user: {"note": "Fine."},
    ("POST", "tickets/<int:pk>/decline/"): lambda w, user: {"reason": "Needs an exam first."},
    ("POST", "tickets/<int:pk>/withdraw/"): lambda w, user: {},
    ("POST", "tickets/<int:pk>/reassign/"): lambda w, user: {"assigned_to": w.chiro2.pk},
    ("POST", "notifications/<int:pk>/read/"): lambda w, user: {},
    ("POST", "auth/logout/"): lambda w, user: {},
    ("POST", "patients/<int:pk>/break-glass/"): lambda w, user: {
        "reason": "Covering the weekend on-call for a colleague."},
    ("DELETE", "auth/tokens/<int:pk>/"): lambda w, user: {},
    ("PATCH", "patients/<int:pk>/"): lambda w, user: {"phone": "+1 555 0100",
                                                      "alerts": "Latex allergy"},
    ("POST", "appointments/"): lambda w, user: {
        "plan": w.plan.pk, "minutes": 30, "therapist": w.users["therapist"].pk,
        # Next week's Monday: this week's allowance already holds a session and a booking.
        "starts_at": (_next_monday(w) + dt.timedelta(weeks=1)).isoformat()},
    ("POST", "appointments/<int:pk>/cancel/"): lambda w, user: {"reason": "Client is ill."},
    ("POST", "appointments/<int:pk>/arrive/"): lambda w, user: {},
    ("POST", "appointments/<int:pk>/no-show/"): lambda w, user: {},
}


def _next_monday(w) -> dt.datetime:
    tz = w.plan.clinic.tz
    today = timezone.localdate(timezone=tz)
    monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=1)
    return dt.datetime.combine(monday, dt.time(10), tzinfo=tz)


@pytest.fixture
def world(db) -> World:
    cache.clear()  # throttle counters
    clinic, other = ClinicFactory(name="Demo Clinic"), ClinicFactory(name="Other Clinic")
    users = {
        "therapist": TherapistFactory(clinic=clinic, username="therapist"),
        "chiropractor": ChiropractorFactory(clinic=clinic, username="chiro"),
        "admin": AdminFactory(clinic=clinic, username="admin"),
        "other:therapist": TherapistFactory(clinic=other, username="other_therapist"),
        "other:chiropractor": ChiropractorFactory(clinic=other, username="other_chiro"),
        "other:admin": AdminFactory(clinic=other, username="other_admin"),
    }
    chiro2 = ChiropractorFactory(clinic=clinic, username="chiro2")
    patient = PatientFactory(clinic=clinic)
    PatientFactory(clinic=other)
    plan = make_plan(prescriber=users["chiropractor"], patient=patient,
                     valid_from=_today(clinic) - dt.timedelta(days=7))
    session = session_log(plan=plan, therapist=users["therapist"], duration_minutes=30,
                          regions=["cervical"], started_at=timezone.now() - dt.timedelta(hours=2))
    ticket = ticket_raise(plan=plan, raised_by=users["therapist"], client_request="My back too",
                          add_regions=["lumbar"])
    for row in Outbox.objects.all():
        deliver(row.pk)
    notification = users["chiropractor"].notifications.get()
    # Booked five minutes ago for then: started, so it can be marked a no-show.
    started = timezone.now() - dt.timedelta(minutes=5)
    appointment = appointment_book(plan=plan, by=users["therapist"], starts_at=started,
                                   minutes=30, now=started)
    return World(users, chiro2, patient, plan, session, ticket, notification, appointment)


def _object_id(world: World, route: str) -> int | None:
    if "<int:pk>" not in route:
        return None
    first = route.split("/")[0]
    if first == "auth":  # auth/tokens/<pk>/: a second device of the therapist
        return token_issue(user=world.users["therapist"], device="front desk tablet")[0].pk
    return {"patients": world.patient, "plans": world.plan, "sessions": world.session,
            "tickets": world.ticket, "notifications": world.notification,
            "appointments": world.appointment}[first].pk


def _caller(world: World, persona: str, row: Row):
    if persona == "anonymous":
        return None
    if persona == "other":
        return world.users[f"other:{row.other_role}"]
    return world.users[persona]


def test_every_api_route_has_a_row():
    """A route added to clinic/api/urls.py without a row here (or a row left behind) fails."""
    served = {(method, r.route) for r in api_routes() for method in r.methods}
    assert served - MATRIX.keys() == set(), "API routes missing from the permission matrix"
    assert MATRIX.keys() - served == set(), "matrix rows for routes that no longer exist"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "route"), list(MATRIX))
def test_permission_matrix(api, world, method, route, persona):
    row = MATRIX[(method, route)]
    expected = row.other if persona == "other" else getattr(row, persona)
    user = _caller(world, persona, row)
    path = "/api/" + route.replace("<int:pk>", str(_object_id(world, route) or ""))
    client = api(user)
    if method == "GET":
        response = client.get(path)
    else:
        body = BODIES[(method, route)](world, user)
        response = client.generic(method, path, data=json.dumps(body),
                                  content_type="application/json")
    assert response.status_code == expected, (
        f"{method} {path} as {persona}"
        f"{' (' + row.other_role + ')' if persona == 'other' else ''}: "
        f"{response.status_code} {response.content[:300]!r}")
    if response.status_code >= 400 and path not in ("/api/schema/", "/api/docs/"):
        body = response.json()
        assert isinstance(body["code"], str) and isinstance(body["detail"], str)
