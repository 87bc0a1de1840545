"""Bounds everywhere (issue 13, finding 1): every field a client may send has a maximum size,
and the largest body the schema allows answers every write operation within a second.

Both tests read the OpenAPI schema, so a new write operation, or a new field without a bound,
is covered (and caught) without editing this file.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from notifications.models import Notification, Outbox
from notifications.outbox import deliver
from referrals.services import ticket_raise
from sessions.services import session_log
from tests.factories import make_plan

pytestmark = pytest.mark.django_db

WRITES = ("post", "put", "patch", "delete")
ROLES = ("therapist", "chiropractor", "admin")
LIMIT_SECONDS = 1.0


def _document() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


DOCUMENT = _document()
COMPONENTS = DOCUMENT["components"]["schemas"]


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = COMPONENTS[schema["$ref"].split("/")[-1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0])
    return schema


def write_operations() -> list[tuple[str, str, dict]]:
    return [(path, method, op) for path, item in DOCUMENT["paths"].items()
            for method, op in item.items() if method in WRITES]


def request_schema(operation: dict) -> dict | None:
    body = operation.get("requestBody")
    if not body:
        return None
    return _resolve(body["content"]["application/json"]["schema"])


def unbounded(schema: dict, where: str) -> list[str]:
    """The places in a request schema that accept input of any size."""
    schema = _resolve(schema)
    found = []
    kind = schema.get("type")
    if "enum" in schema:
        return found
    if kind == "string" and "maxLength" not in schema and schema.get("format") not in (
            "date", "date-time"):
        found.append(where)
    elif kind == "array":
        if "maxItems" not in schema:
            found.append(where)
        found += unbounded(schema.get("items", {}), f"{where}[]")
    elif kind == "object" or "properties" in schema:
        if schema.get("additionalProperties") not in (None, False):
            found.append(f"{where}{{*}}")
        for name, prop in schema.get("properties", {}).items():
            found += unbounded(prop, f"{where}.{name}")
    return found


def test_every_field_a_client_may_send_is_bounded():
    problems = []
    for path, method, operation in write_operations():
        schema = request_schema(operation)
        if schema is not None:
            problems += unbounded(schema, f"{method.upper()} {path} body")
    assert problems == []


# --- the largest allowed bodies --------------------------------------------------------------

_unique = itertools.count()


def largest(schema: dict, name: str, known: dict[str, int]):
    """The largest value ``schema`` allows (ids of the fixture's objects where one is named)."""
    schema = _resolve(schema)
    if "enum" in schema:
        values = [v for v in schema["enum"] if v is not None]
        return "suspended" if "suspended" in values else values[-1]
    kind = schema.get("type")
    if kind == "array":
        item = _resolve(schema.get("items", {}))
        if "enum" in item:
            return [v for v in item["enum"] if v is not None][: schema["maxItems"]]
        return [largest(item, name, known) for _ in range(schema["maxItems"])]
    if kind == "integer":
        if name in known:
            return known[name]
        return schema.get("maximum", 1)
    if kind == "string":
        if schema.get("format") == "date":
            days = {"date_of_birth": -365 * 40, "valid_from": 0}.get(name, 60)
            return (timezone.localdate() + dt.timedelta(days=days)).isoformat()
        if schema.get("format") == "date-time":
            return (timezone.now() - dt.timedelta(minutes=5)).isoformat()
        length = schema["maxLength"]
        return f"{next(_unique):x}".rjust(length, "w")  # distinct: no de-duplication shortcut
    if kind == "boolean":
        return True
    return {key: largest(prop, key, known) for key, prop in schema.get("properties", {}).items()}


@pytest.fixture
def world(clinic, therapist, chiro, chiro2, clinic_admin, patient, settings):
    settings.API_WRITE_RATE = None  # the test is a burst of writes by design
    plan = make_plan(prescriber=chiro, patient=patient, sessions_per_week=None,
                     sessions_authorized=500,
                     valid_from=timezone.localdate() - dt.timedelta(days=7))
    session = session_log(plan=plan, therapist=therapist, duration_minutes=20,
                          regions=["cervical"], started_at=timezone.now() - dt.timedelta(hours=1))
    ticket = ticket_raise(plan=plan, raised_by=therapist, client_request="Feet?",
                          add_regions=["foot_left"])
    for row in Outbox.objects.all():
        deliver(row.pk)
    ids = {"patients": patient.pk, "plans": plan.pk, "sessions": session.pk,
           "tickets": ticket.pk,
           "notifications": Notification.objects.filter(recipient=chiro).first().pk}
    fields = {"patient": patient.pk, "plan": plan.pk, "session": session.pk,
              "assigned_to": chiro2.pk}
    return {"ids": ids, "fields": fields,
            "users": {"therapist": therapist, "chiropractor": chiro, "admin": clinic_admin}}


@pytest.mark.parametrize("role", ROLES)
def test_the_largest_allowed_body_answers_every_write_within_a_second(world, api, role):
    client = api(world["users"][role])
    slow, failed = [], []
    for path, method, operation in write_operations():
        resource = path.split("/")[2]
        url = path.replace("{id}", str(world["ids"].get(resource, 1)))
        schema = request_schema(operation)
        body = largest(schema, "", world["fields"]) if schema else None
        started = time.perf_counter()
        answer = getattr(client, method)(url, body, format="json")
        elapsed = time.perf_counter() - started
        if elapsed >= LIMIT_SECONDS:
            slow.append(f"{method.upper()} {path}: {elapsed:.2f}s ({answer.status_code})")
        if answer.status_code >= 500:
            failed.append(f"{method.upper()} {path}: {answer.status_code}")
    assert slow == [] and failed == []
