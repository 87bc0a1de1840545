"""Schemathesis over every operation of the OpenAPI schema, with a token of each role.

Zero server errors, and every answer (status, content type, headers, body) conforms to the
schema. Requests go in-process to the WSGI application, inside the test's transaction.
Bounded for CI: ``SCHEMATHESIS_MAX_EXAMPLES`` examples per operation and role (default 10).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
from collections import Counter, defaultdict

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis import checks

from clinic.accounts.tokens import token_issue
from notifications.models import Notification, Outbox
from notifications.outbox import deliver
from referrals.services import ticket_raise
from sessions.services import session_log
from tests.factories import (
    AdminFactory,
    ChiropractorFactory,
    ClinicFactory,
    PatientFactory,
    TherapistFactory,
    clinic_today,
    make_plan,
)

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"))
# Set to a file path to get {"operation": {"status": count}} of every request sent.
STATS_FILE = os.environ.get("SCHEMATHESIS_STATS_FILE")
STATS: dict[str, Counter] = defaultdict(Counter)

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


def openapi_document() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(openapi_document())

# The schema and the docs page describe the API; they are not operations of it.
assert "/api/schema/" not in schema.raw_schema["paths"]

# Random ids almost never name a real object, so most requests would stop at a 404 or a 400.
# These hooks point half of the generated ids (the even ones) at the objects the fixture made,
# so the fuzzing also reaches the code behind the lookups. Filled by ``clinic_data``.
KNOWN: dict[str, int] = {}
_RESOURCE_OF_PATH = {"patients": "patient", "plans": "plan", "sessions": "session",
                     "tickets": "ticket", "notifications": "notification"}
_RESOURCE_OF_FIELD = {"patient": "patient", "plan": "plan", "session": "session",
                      "assigned_to": "chiropractor2"}
_unique = itertools.count()


def _known(resource: str, value):
    if isinstance(value, int) and not isinstance(value, bool) and value % 2 == 0 \
            and resource in KNOWN:
        return KNOWN[resource]
    return value


@schema.hook
def map_path_parameters(context, path_parameters):
    if path_parameters and "id" in path_parameters and context.operation is not None:
        resource = _RESOURCE_OF_PATH.get(context.operation.path.split("/")[2])
        if resource:
            path_parameters["id"] = _known(resource, path_parameters["id"])
    return path_parameters


@schema.hook
def map_body(context, body):
    if isinstance(body, dict):
        for field, resource in _RESOURCE_OF_FIELD.items():
            if field in body:
                body[field] = _known(resource, body[field])
    return body


@schema.hook
def map_headers(context, headers):
    """A fresh Idempotency-Key per example: otherwise the few short keys generated repeat, and
    almost every write is an (expected) 422 ``idempotency_key_reused``."""
    key = (headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and 0 < len(key) <= 200 and key.isascii() and key.isprintable() \
            and key.strip():
        headers["Idempotency-Key"] = f"{key}-{next(_unique)}"
    return headers


@pytest.fixture(scope="module")
def wsgi_app():
    yield get_wsgi_application()
    if STATS_FILE:
        with open(STATS_FILE, "w") as out:
            json.dump({op: dict(c) for op, c in sorted(STATS.items())}, out, indent=1)


@pytest.fixture
def in_test_transaction():
    """Serve requests on the test's own connection, as Django's test client does: the WSGI
    handler would otherwise close it at the end of each request (it is not in autocommit)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def clinic_data(db):
    """A clinic with a little of everything, so some generated ids hit real objects."""
    cache.clear()
    clinic = ClinicFactory(name="Fuzz Clinic")
    other = ClinicFactory(name="Other Fuzz Clinic")
    therapist = TherapistFactory(clinic=clinic)
    chiro = ChiropractorFactory(clinic=clinic)
    admin = AdminFactory(clinic=clinic)
    chiro2 = ChiropractorFactory(clinic=clinic)
    TherapistFactory(clinic=other)
    plan = make_plan(prescriber=chiro, patient=PatientFactory(clinic=clinic),
                     valid_from=clinic_today(clinic) - dt.timedelta(days=7),
                     sessions_per_week=None, sessions_authorized=500)
    session = session_log(plan=plan, therapist=therapist, duration_minutes=20,
                          regions=["cervical"], started_at=timezone.now() - dt.timedelta(hours=3))
    ticket = ticket_raise(plan=plan, raised_by=therapist, client_request="Feet?",
                          add_regions=["foot_left"])
    for row in Outbox.objects.all():
        deliver(row.pk)
    KNOWN.clear()
    KNOWN.update(patient=plan.patient_id, plan=plan.pk, session=session.pk, ticket=ticket.pk,
                 chiropractor2=chiro2.pk,
                 notification=Notification.objects.filter(recipient=chiro).first().pk)
    return {"therapist": therapist, "chiropractor": chiro, "admin": admin}


@pytest.fixture(params=["therapist", "chiropractor", "admin"])
def token(request, clinic_data, settings):
    settings.API_WRITE_RATE = None  # fuzzing is a burst of writes by design
    return token_issue(user=clinic_data[request.param])[1]


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_within_its_schema(case, token, wsgi_app, in_test_transaction):
    response = case.call_and_validate(app=wsgi_app, headers={"Authorization": f"Token {token}"},
                                      checks=CHECKS)
    STATS[f"{case.method} {case.path}"][response.status_code] += 1


# --- what the schema promises, checked directly --------------------------------------------

WRITES = {"post", "put", "patch", "delete"}
DOCUMENT = schema.raw_schema


def operations():
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            if method in WRITES | {"get"}:
                yield path, method, operation


def test_every_authenticated_write_declares_the_machinery_errors():
    for path, method, operation in operations():
        if method not in WRITES:
            continue
        declared = set(operation["responses"])
        expected = {"400", "413", "415", "429"}
        if operation.get("security") != [{}] and path != "/api/auth/token/":
            expected |= {"401", "403"}
        if "{" in path:
            expected.add("404")
        assert expected <= declared, f"{method.upper()} {path} lacks {expected - declared}"
        assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_every_operation_declares_401_and_ids_declare_404():
    for path, method, operation in operations():
        declared = set(operation["responses"])
        if path != "/api/auth/token/":
            assert "401" in declared, f"{method.upper()} {path}"
        if "{" in path:
            assert "404" in declared, f"{method.upper()} {path}"


def test_error_answers_use_the_one_error_shape():
    error_refs = {"#/components/schemas/Error", "#/components/schemas/PlanViolation"}
    for path, method, operation in operations():
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            for content in response["content"].values():
                ref = content["schema"]["$ref"]
                assert ref in error_refs, f"{method.upper()} {path} {status}: {ref}"
    error = DOCUMENT["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "detail"}


def test_every_operation_answers_json_only():
    for path, method, operation in operations():
        body = operation.get("requestBody")
        if body:
            assert set(body["content"]) == {"application/json"}, f"{method.upper()} {path}"
        for status, response in operation["responses"].items():
            types = set(response.get("content", {}))
            if path.endswith("/fhir/"):  # a FHIR client may ask for application/fhir+json
                assert types == {"application/json", "application/fhir+json"}
            else:
                assert types <= {"application/json"}, f"{method.upper()} {path} {status}"
