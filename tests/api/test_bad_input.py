"""Bad input is a 400 naming the field (404/415 where stated), never a 500, and saves nothing.

Each endpoint that writes is fed wrong types, out-of-range numbers, unknown regions, bad
dates, NUL bytes and malformed bodies. Every case checks three things a client relies on: the
status, the field named in ``errors``, and that no row was written. A hypothesis property test
then throws arbitrary JSON at ``POST /api/sessions/``.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from clinic.models import Patient
from clinic.regions import REGIONS
from plans.models import PlanVersion, TreatmentPlan
from sessions.models import SessionVoid, TherapySession
from sessions.services import session_log
from tests.factories import clinic_today, make_plan

pytestmark = pytest.mark.django_db

HUGE = 10**20


def counts() -> dict[str, int]:
    """Rows of every model these endpoints could write."""
    return {model.__name__: model.objects.count()
            for model in (Patient, TreatmentPlan, PlanVersion, TherapySession, SessionVoid)}


def assert_refused(response, field: str | None, status: int = 400) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:400])
    body = response.json()
    assert body["code"] and body["detail"]
    if field is not None:
        assert field in body.get("errors", {}), body
    return body


# A Wednesday morning in the Americas, afternoon in UTC, no daylight-saving change near it.
UNAMBIGUOUS_NOW = dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC)


def iso(delta: dt.timedelta = dt.timedelta()) -> str:
    return (timezone.now() + delta).isoformat()


def session_body(plan_, **overrides) -> dict:
    body = {"plan": plan_.pk, "started_at": iso(-dt.timedelta(minutes=35)),
            "duration_minutes": 30, "regions": ["cervical"]}
    body.update(overrides)
    return body


def plan_body(patient_, **overrides) -> dict:
    today = clinic_today(patient_.clinic)
    body = {"patient": patient_.pk, "regions": ["cervical"], "session_minutes": 30,
            "sessions_authorized": 8, "sessions_per_week": 2, "valid_from": today.isoformat(),
            "valid_until": (today + dt.timedelta(weeks=6)).isoformat()}
    body.update(overrides)
    return body


WRONG_INTEGERS = ["thirty", "", [30], {"value": 30}, True, False, -1, 0, HUGE, -HUGE, 30.5,
                  None]
BAD_DATES = ["2026-02-30", "yesterday", "0000-01-01", "99999-01-01", "2026-13-01", "",
             20260101, ["2026-01-01"], {"date": "2026-01-01"}, True, None]
BAD_DATETIMES = ["2026-02-30T10:00:00Z", "yesterday", "0000-01-01T00:00:00Z",
                 "99999-01-01T00:00:00Z", "1999-12-31T09:00:00Z", "", 1767225600,
                 ["2026-01-01T10:00:00Z"], {"at": "now"}, True, None]
BAD_TEXTS = ["a\x00b", "\x00", ["notes"], {"text": "x"}, True]
BAD_REGION_LISTS = ["cervical", {"cervical": True}, [], ["elbow"], [""], [1], [None],
                    [["cervical"]], ["cervical\x00"], ["CERVICAL"], 42, True]
BAD_TECHNIQUE_LISTS = ["Swedish", {"name": "Swedish"}, [[1]], [""], [None], [True], ["   "],
                      ["a\x00b"], ["x" * 65], [["Swedish"]], ["Spinal manipulation"], True]


# --- POST /api/sessions/ ------------------------------------------------------------------

SESSION_CASES = (
    [("plan", v) for v in ["abc", "", [1], {"id": 1}, True, -1, 0, HUGE, 1.5, None]]
    + [("started_at", v) for v in BAD_DATETIMES]
    + [("duration_minutes", v) for v in WRONG_INTEGERS + [481]]
    + [("regions", v) for v in BAD_REGION_LISTS + [None]]
    + [("techniques", v) for v in BAD_TECHNIQUE_LISTS]
    + [(name, v) for name in ("notes", "subjective", "objective", "assessment", "plan_notes")
       for v in BAD_TEXTS]
    + [("notes", "x" * 10_001), ("notes", "lone surrogate \ud800")]
)


@pytest.mark.parametrize(("field", "value"), SESSION_CASES)
def test_a_malformed_session_is_a_400_naming_the_field(api, therapist, plan, field, value):
    before = counts()
    body = session_body(plan, **{field: value})
    response = api(therapist).generic("POST", "/api/sessions/", json.dumps(body),
                                      content_type="application/json")
    assert_refused(response, field)
    assert counts() == before


@pytest.mark.parametrize("delta", [0.5, 0.999, -0.5])
def test_a_fractional_plan_id_does_not_round_to_a_real_plan(api, therapist, plan, delta):
    response = api(therapist).post("/api/sessions/", session_body(plan, plan=plan.pk + delta),
                                   format="json")
    assert_refused(response, "plan")
    assert not TherapySession.objects.exists()


@pytest.mark.parametrize("delta", [0.5, -0.5])
def test_a_fractional_patient_id_does_not_round_to_a_real_patient(api, chiro, patient, delta):
    response = api(chiro).post("/api/plans/", plan_body(patient, patient=patient.pk + delta),
                               format="json")
    assert_refused(response, "patient")
    assert not TreatmentPlan.objects.exists()


def test_a_session_of_a_plan_that_does_not_exist_is_a_400_on_plan(api, therapist, plan):
    response = api(therapist).post("/api/sessions/", session_body(plan, plan=plan.pk + 10_000),
                                   format="json")
    assert_refused(response, "plan")
    assert not TherapySession.objects.exists()


def test_a_missing_field_is_named(api, therapist, plan):
    for field in ("plan", "started_at", "duration_minutes", "regions"):
        body = session_body(plan)
        del body[field]
        assert_refused(api(therapist).post("/api/sessions/", body, format="json"), field)
    assert not TherapySession.objects.exists()


def test_a_time_without_its_utc_offset_is_the_clinics_wall_clock(api, therapist, chiro, clinic,
                                                                 time_machine):
    # Pinned off the autumn's repeated hour, whose wall-clock times name two instants: which
    # one a naive time means is another test's question, not this one's.
    time_machine.move_to(UNAMBIGUOUS_NOW)
    # The clinic moves first: its plan starts on New York's calendar, as a New York plan does
    # (a plan dated on UTC's calendar would start "tomorrow" for five hours each evening).
    clinic.timezone = "America/New_York"
    clinic.save()
    chiro.refresh_from_db()
    therapist.refresh_from_db()
    plan = make_plan(prescriber=chiro)
    moment = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=10)
    wall_clock = moment.astimezone(clinic.tz).replace(tzinfo=None)
    response = api(therapist).post(
        "/api/sessions/", session_body(plan, started_at=wall_clock.isoformat()), format="json")
    assert response.status_code == 201, response.content
    assert TherapySession.objects.get().started_at == moment


def test_a_wall_clock_time_in_the_future_is_still_refused(api, therapist, plan):
    # Two hours ahead on the clinic's wall clock (UTC's wall clock is hours behind Auckland's).
    ahead = (timezone.now() + dt.timedelta(hours=2)).astimezone(plan.clinic.tz).replace(
        tzinfo=None)
    response = api(therapist).post(
        "/api/sessions/", session_body(plan, started_at=ahead.isoformat()), format="json")
    assert_refused(response, "started_at")
    assert not TherapySession.objects.exists()


@pytest.mark.parametrize("ahead", [dt.timedelta(minutes=10), dt.timedelta(hours=3),
                                   dt.timedelta(days=2)])
def test_a_session_more_than_a_few_minutes_ahead_is_malformed(api, therapist, plan, ahead):
    response = api(therapist).post("/api/sessions/", session_body(plan, started_at=iso(ahead)),
                                   format="json")
    assert_refused(response, "started_at")
    assert not TherapySession.objects.exists()


def test_a_session_two_minutes_ahead_is_clock_skew_and_fine(api, therapist, plan):
    response = api(therapist).post(
        "/api/sessions/", session_body(plan, started_at=iso(dt.timedelta(minutes=2))),
        format="json")
    assert response.status_code == 201, response.content


def test_a_session_in_another_utc_offset_is_fine(api, therapist, plan):
    local = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=-5)))
    response = api(therapist).post(
        "/api/sessions/", session_body(plan, started_at=local.isoformat()), format="json")
    assert response.status_code == 201, response.content


def test_duplicate_regions_are_fine_and_stored_once(api, therapist, plan):
    response = api(therapist).post(
        "/api/sessions/", session_body(plan, regions=["cervical", "cervical"]), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["regions"] == ["cervical"]
    assert TherapySession.objects.get().regions == ["cervical"]


# --- POST /api/plans/ ---------------------------------------------------------------------

PLAN_CASES = (
    [("patient", v) for v in ["abc", [1], {"id": 1}, True, -1, HUGE, 1.5, None]]
    + [("regions", v) for v in BAD_REGION_LISTS + [None]]
    + [("avoid_regions", v) for v in ["lumbar", ["elbow"], [1], ["cervical"], {"a": 1}]]
    + [(name, v) for name in ("session_minutes", "sessions_authorized")
       for v in WRONG_INTEGERS]
    + [("session_minutes", 481), ("sessions_authorized", 10_001)]
    + [("sessions_per_week", v) for v in ["two", [2], True, 0, -1, HUGE, 2.5, 22]]
    + [(name, v) for name in ("valid_from", "valid_until") for v in BAD_DATES]
    + [("techniques", v) for v in BAD_TECHNIQUE_LISTS]
    + [(name, v) for name in ("diagnosis", "notes") for v in BAD_TEXTS]
    + [("diagnosis", "x" * 501)]
)


@pytest.mark.parametrize(("field", "value"), PLAN_CASES)
def test_a_malformed_plan_is_a_400_naming_the_field(api, chiro, patient, field, value):
    before = counts()
    response = api(chiro).generic("POST", "/api/plans/",
                                  json.dumps(plan_body(patient, **{field: value})),
                                  content_type="application/json")
    assert_refused(response, field)
    assert counts() == before


def test_a_plan_that_ends_before_it_starts_is_a_400_on_valid_until(api, chiro, patient):
    today = clinic_today(chiro.clinic)
    body = plan_body(patient, valid_until=(today - dt.timedelta(days=1)).isoformat())
    assert_refused(api(chiro).post("/api/plans/", body, format="json"), "valid_until")
    assert not TreatmentPlan.objects.exists()


# --- POST /api/plans/{id}/amend/ ----------------------------------------------------------

AMEND_CASES = (
    [("reason", v) for v in ["", "   ", "a\x00b", ["why"], {"why": 1}, True, None, "x" * 2001]]
    + [("regions", v) for v in BAD_REGION_LISTS]
    + [(name, v) for name in ("session_minutes", "sessions_authorized")
       for v in [v for v in WRONG_INTEGERS if v is not None]]
    + [("sessions_per_week", v) for v in ["two", True, 0, HUGE, 2.5]]
    + [(name, v) for name in ("valid_from", "valid_until") for v in BAD_DATES if v is not None]
    + [("techniques", v) for v in BAD_TECHNIQUE_LISTS]
    + [("notes", v) for v in BAD_TEXTS]
    + [("avoid_regions", ["cervical"])]
)


@pytest.mark.parametrize(("field", "value"), AMEND_CASES)
def test_a_malformed_amendment_is_a_400_naming_the_field(api, chiro, plan, field, value):
    body = {"reason": "Client asked", "session_minutes": 45}
    body[field] = value
    before = counts()
    response = api(chiro).generic("POST", f"/api/plans/{plan.pk}/amend/", json.dumps(body),
                                  content_type="application/json")
    assert_refused(response, field)
    assert counts() == before
    plan.refresh_from_db()
    assert plan.current_version.number == 1


def test_an_amendment_ending_before_the_plan_starts_is_a_400(api, chiro, plan):
    before_start = plan.current_version.valid_from - dt.timedelta(days=1)
    response = api(chiro).post(f"/api/plans/{plan.pk}/amend/",
                               {"reason": "Shorter", "valid_until": before_start.isoformat()},
                               format="json")
    assert_refused(response, "valid_until")
    assert PlanVersion.objects.filter(plan=plan).count() == 1


# --- POST /api/patients/ ------------------------------------------------------------------

PATIENT_CASES = (
    [(name, v) for name in ("first_name", "last_name")
     for v in ["", "   ", "a\x00b", ["Casey"], {"n": 1}, True, None, "x" * 101]]
    + [("date_of_birth", v) for v in BAD_DATES + ["1850-01-01"]]
    + [("date_of_birth", "the day after tomorrow")]
)


def days_ahead(days: int, clinic) -> str:
    """A date ``days`` after today in the clinic's zone, read when the test runs (a value
    computed at collection would be on another clock than the test's)."""
    return (clinic_today(clinic) + dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize(("field", "value"), PATIENT_CASES)
def test_a_malformed_patient_is_a_400_naming_the_field(api, clinic_admin, field, value):
    body = {"first_name": "New", "last_name": "Client", "date_of_birth": "1990-05-01"}
    body[field] = days_ahead(2, clinic_admin.clinic) if value == "the day after tomorrow" else value
    before = counts()
    response = api(clinic_admin).generic("POST", "/api/patients/", json.dumps(body),
                                         content_type="application/json")
    assert_refused(response, field)
    assert counts() == before


# --- POST /api/sessions/{id}/void/ --------------------------------------------------------

@pytest.mark.parametrize("reason", ["", "  ", "a\x00b", ["dup"], {"why": "dup"}, True, None,
                                    "x" * 2001])
def test_a_malformed_void_reason_is_a_400_on_reason(api, therapist, plan, reason):
    session = session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                          duration_minutes=30, regions=["cervical"])
    response = api(therapist).generic("POST", f"/api/sessions/{session.pk}/void/",
                                      json.dumps({"reason": reason}),
                                      content_type="application/json")
    assert_refused(response, "reason")
    assert not SessionVoid.objects.exists()


# --- malformed bodies, content types, paths and query strings -----------------------------

@pytest.fixture
def write_endpoints(therapist, chiro, clinic_admin, plan):
    session = session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                          duration_minutes=30, regions=["cervical"])
    return [(therapist, "/api/sessions/"), (chiro, "/api/plans/"),
            (chiro, f"/api/plans/{plan.pk}/amend/"), (clinic_admin, "/api/patients/"),
            (therapist, f"/api/sessions/{session.pk}/void/")]


@pytest.mark.parametrize("raw", ['{"plan": ', "{'plan': 1}", "[1, 2", "nul", "[]", '"text"',
                                 "42", "null", "true", "", "   ", '["plan", "regions"]',
                                 '{"reason": "\\u0000"}'])
def test_a_malformed_or_non_object_body_is_a_400(api, write_endpoints, raw):
    before = counts()
    for user, url in write_endpoints:
        response = api(user).generic("POST", url, raw, content_type="application/json")
        assert_refused(response, None)
    assert counts() == before


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain",
                                          "multipart/form-data; boundary=x", "application/xml"])
def test_a_non_json_body_is_415(api, write_endpoints, content_type):
    before = counts()
    for user, url in write_endpoints:
        response = api(user).generic("POST", url, "plan=1&regions=cervical",
                                     content_type=content_type)
        assert_refused(response, None, status=415)
    assert counts() == before


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/api/plans/99999999999999999999999/"),
    ("get", "/api/plans/99999999999999999999999/versions/"),
    ("post", "/api/plans/99999999999999999999999/amend/"),
    ("get", "/api/patients/99999999999999999999999/"),
    ("get", "/api/sessions/99999999999999999999999/"),
    ("post", "/api/sessions/99999999999999999999999/void/"),
    ("post", "/api/sessions/9223372036854775807/void/"),
])
def test_a_huge_id_in_the_path_is_404(api, therapist, chiro, method, path):
    user = chiro if "amend" in path else therapist
    response = getattr(api(user), method)(path, {"reason": "x"}, format="json")
    assert_refused(response, None, status=404)


@pytest.mark.parametrize("url", ["/api/patients/?q=%00", "/api/patients/?q=a%00b",
                                 "/api/sessions/?plan=%00", "/api/plans/?patient=%00",
                                 "/api/plans/?status=%00"])
def test_nul_in_the_query_string_is_400(api, therapist, url):
    assert_refused(api(therapist).get(url), None)


@pytest.mark.parametrize("url", ["/api/plans/?patient=abc", "/api/plans/?patient=1e400",
                                 "/api/plans/?patient=-1e400", "/api/plans/?patient=1.5",
                                 "/api/plans/?patient=99999999999999999999999",
                                 "/api/plans/?status=nope", "/api/sessions/?plan=abc",
                                 "/api/sessions/?plan=1e400", "/api/sessions/?plan=NaN",
                                 "/api/sessions/?plan=Infinity",
                                 "/api/patients/?q=" + "x" * 3000])
def test_a_bad_filter_is_a_400_or_an_empty_list_never_a_500(api, therapist, plan, url):
    session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                duration_minutes=30, regions=["cervical"])
    response = api(therapist).get(url)
    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 200:
        assert response.json()["results"] == []
    else:
        name = url.split("?")[1].split("=")[0]
        assert name in response.json()["errors"]


# --- arbitrary JSON at POST /api/sessions/ ------------------------------------------------

json_scalars = (st.none() | st.booleans() | st.integers() | st.text(max_size=20)
                | st.floats(allow_nan=False, allow_infinity=False))
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
region_codes = st.sampled_from(sorted(REGIONS))


TECHNIQUES = ["Swedish", "Trigger point", "Cupping"]


def plausible_times():
    """Times around now: recent (fine), a little ahead (fine), far ahead or long ago (bad)."""
    offsets = st.integers(min_value=-20 * 24 * 60, max_value=24 * 60).map(
        lambda m: dt.timedelta(minutes=m))
    return offsets.map(lambda d: (timezone.now() + d).isoformat())


def session_bodies(plan_id: int):
    """Dicts with the real keys, each value either plausible or arbitrary JSON."""
    return st.fixed_dictionaries(
        {
            "plan": st.just(plan_id) | json_values,
            "started_at": plausible_times() | json_values,
            "duration_minutes": st.integers(min_value=-5, max_value=60) | json_values,
            "regions": st.lists(region_codes, max_size=3) | json_values,
        },
        optional={
            "techniques": st.lists(st.sampled_from(TECHNIQUES), max_size=2) | json_values,
            "notes": st.text(max_size=30) | json_values,
        },
    )


def near_valid_bodies(plan_id: int):
    """A valid in-scope session, then maybe one key replaced by arbitrary JSON or dropped."""
    valid = st.fixed_dictionaries(
        {
            "plan": st.just(plan_id),
            "started_at": st.integers(min_value=-5 * 24 * 60, max_value=2).map(
                lambda m: (timezone.now() + dt.timedelta(minutes=m)).isoformat()),
            "duration_minutes": st.integers(min_value=1, max_value=30),
            "regions": st.lists(st.sampled_from(["cervical", "thoracic"]), min_size=1,
                                max_size=3),
        },
        optional={"techniques": st.lists(st.sampled_from(TECHNIQUES), max_size=2),
                  "notes": st.text(max_size=30)},
    )
    keys = ["plan", "started_at", "duration_minutes", "regions", "techniques", "notes"]

    def mutate(args):
        body, key, value, drop = args
        if key is not None:
            body = dict(body)
            if drop:
                body.pop(key, None)
            else:
                body[key] = value
        return body

    return st.tuples(valid, st.none() | st.sampled_from(keys), json_values,
                     st.booleans()).map(mutate)


def whole_number(value) -> int | None:
    """The integer DRF reads from a JSON value (30, 30.0 and "30" alike), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+(\.0*)?\s*", value):
        return int(float(value)) if "." in value else int(value)
    return None


def id_value(value) -> int | None:
    """The id a JSON value names (5, 5.0 and "5" alike; never 5.5 or true), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def text_value(value) -> str | None:
    """The text DRF reads from a JSON value (numbers become text), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    return value if isinstance(value, str) else None


def in_scope(body, plan) -> bool:
    """The oracle: a well-formed session inside the plan (cervical/thoracic, up to 30 min)."""
    if not isinstance(body, dict):
        return False
    version = plan.current_version
    plan_id = id_value(body.get("plan"))
    minutes = whole_number(body.get("duration_minutes"))
    regions = body.get("regions")
    techniques = body.get("techniques", [])
    notes = text_value(body.get("notes", ""))
    try:
        started = dt.datetime.fromisoformat(body.get("started_at"))
    except (TypeError, ValueError):
        return False
    technique_texts = ([text_value(t) for t in techniques] if isinstance(techniques, list)
                       else [None])
    return (
        plan_id == plan.pk
        and minutes is not None and 1 <= minutes <= version.session_minutes
        and isinstance(regions, list) and len(regions) > 0
        and all(isinstance(r, str) and r in version.regions for r in regions)
        and started.tzinfo is not None
        and version.valid_from <= started.astimezone(plan.clinic.tz).date()
        and started <= timezone.now() + dt.timedelta(minutes=4)
        and all(t is not None and t.strip() and "\x00" not in t and len(t.strip()) <= 64
                for t in technique_texts)
        and notes is not None and "\x00" not in notes
    )


@pytest.fixture
def roomy_plan(chiro, patient, settings):
    """Cervical and thoracic, 30 minutes, 10 000 sessions, no weekly limit: only the input
    decides. One plan for all examples (a function-scoped fixture is built once per test)."""
    settings.API_WRITE_RATE = None  # 150 posts by one user: the throttle is not under test
    return make_plan(prescriber=chiro, patient=patient, regions=["cervical", "thoracic"],
                     sessions_authorized=10_000, sessions_per_week=None,
                     valid_from=clinic_today(chiro.clinic) - dt.timedelta(days=10))


@hypothesis_settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_arbitrary_json_at_the_session_endpoint_is_never_a_500(api, therapist, roomy_plan,
                                                               data):
    plan = roomy_plan
    body = data.draw(json_values | session_bodies(plan.pk) | near_valid_bodies(plan.pk),
                     label="body")
    before = TherapySession.objects.count()

    response = api(therapist).generic("POST", "/api/sessions/", json.dumps(body),
                                      content_type="application/json")

    assert response.status_code in {201, 400, 409}, (response.status_code, response.content)
    event(f"HTTP {response.status_code}")  # --hypothesis-show-statistics: 201s do happen
    after = TherapySession.objects.count()
    if response.status_code == 201:
        assert in_scope(body, plan), body
        assert after == before + 1
        saved = TherapySession.objects.get(pk=response.json()["id"])
        assert saved.plan_id == plan.pk
        assert set(saved.regions) <= {"cervical", "thoracic"}
        assert 1 <= saved.duration_minutes <= 30
    else:
        assert after == before
        if in_scope(body, plan):
            pytest.fail(f"a well-formed in-scope session was refused: {response.content}")
