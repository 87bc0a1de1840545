"""One JSON error shape everywhere, and bad input is a 4xx, never a 500 (issue 5, "Errors")."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import RequestFactory, override_settings
from django.utils import timezone

from clinic.api.errors import api_not_found, api_server_error
from sessions.models import TherapySession

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert isinstance(body.get("code"), str) and body["code"]
    assert isinstance(body.get("detail"), str) and body["detail"]
    if code is not None:
        assert body["code"] == code
    if "errors" in body:
        assert isinstance(body["errors"], dict)
    return body


def session_body(plan_, **overrides) -> dict:
    body = {"plan": plan_.pk, "started_at": (timezone.now() - dt.timedelta(minutes=40)).isoformat(),
            "duration_minutes": 30, "regions": ["cervical"]}
    body.update(overrides)
    return body


def post_raw(client, path: str, raw: bytes | str, content_type="application/json"):
    return client.generic("POST", path, raw, content_type=content_type)


# --- Django and DRF's own refusals ----------------------------------------------------------

def test_an_unknown_api_url_answers_json_not_an_html_page(api, therapist):
    body = assert_error_shape(api(therapist).get("/api/no-such-thing/"), 404, "not_found")
    assert "endpoint" in body["detail"]


@pytest.mark.parametrize("path", ["/api/no-such-thing/", "/api/no-such-thing",
                                  "/api/plans/1/nothing/", "/api/sessions/x/void/"])
def test_an_unknown_api_url_is_json_with_debug_on_too(api, therapist, settings, path):
    settings.DEBUG = True  # the demo's setting: Django would answer its HTML debug page
    for method in ("get", "post"):
        response = getattr(api(therapist), method)(path, {}, format="json")
        assert_error_shape(response, 404, "not_found")


def test_an_unknown_api_url_posted_with_a_browsers_cookie_is_still_a_json_404(client,
                                                                              therapist):
    client.force_login(therapist)  # a session cookie, no CSRF token: a stray browser POST
    client.handler.enforce_csrf_checks = True
    response = client.post("/api/sessions/null,null/void/", {}, content_type="application/json")
    assert_error_shape(response, 404, "not_found")


def test_a_page_outside_the_api_keeps_the_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_server_error_under_api_is_json_and_elsewhere_html():
    factory = RequestFactory()
    response = api_server_error(factory.get("/api/plans/"))
    assert response.status_code == 500
    assert json.loads(response.content)["code"] == "server_error"
    assert not api_server_error(factory.get("/plans/1/"))["Content-Type"].startswith(
        "application/json")
    assert api_not_found(factory.get("/api/x/"), None).status_code == 404


def test_anonymous_call_is_401_with_the_error_shape(api):
    response = api().get("/api/plans/")
    assert_error_shape(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_bad_token_is_401_with_the_error_shape(client):
    response = client.get("/api/plans/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error_shape(response, 401, "authentication_failed")


def test_wrong_role_is_403_with_the_error_shape(api, chiro, plan):
    assert_error_shape(api(chiro).post("/api/sessions/", session_body(plan), format="json"),
                       403, "permission_denied")


def test_a_method_the_endpoint_lacks_is_405_with_the_error_shape(api, therapist):
    assert_error_shape(api(therapist).put("/api/sessions/", {}, format="json"), 405,
                       "method_not_allowed")


def test_a_form_post_is_415_with_the_error_shape(api, therapist, plan):
    response = api(therapist).post("/api/sessions/", {"plan": plan.pk}, format="multipart")
    assert_error_shape(response, 415, "unsupported_media_type")
    assert not TherapySession.objects.exists()


def test_text_plain_is_415(api, therapist):
    response = post_raw(api(therapist), "/api/sessions/", "hello", content_type="text/plain")
    assert_error_shape(response, 415, "unsupported_media_type")


# --- size and structure of the body ---------------------------------------------------------

@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2_000)
def test_an_oversized_body_is_413_and_nothing_is_saved(api, therapist, plan):
    body = session_body(plan, notes="x" * 5_000)
    response = post_raw(api(therapist), "/api/sessions/", json.dumps(body))
    assert_error_shape(response, 413, "request_too_large")
    assert not TherapySession.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2_000)
def test_a_body_just_under_the_limit_is_accepted(api, therapist, plan):
    body = session_body(plan, notes="x" * 1_000)
    response = post_raw(api(therapist), "/api/sessions/", json.dumps(body))
    assert response.status_code == 201, response.content


def test_ten_thousand_nested_lists_are_a_400_not_a_recursion_error(api, therapist):
    raw = "[" * 10_000 + "]" * 10_000
    assert_error_shape(post_raw(api(therapist), "/api/sessions/", raw), 400, "parse_error")


def test_nesting_python_can_parse_but_no_payload_needs_is_a_400(api, therapist, plan):
    deep = "[" * 200 + '"cervical"' + "]" * 200
    raw = json.dumps(session_body(plan))[:-1] + f', "techniques": {deep}}}'
    body = assert_error_shape(post_raw(api(therapist), "/api/sessions/", raw), 400,
                              "parse_error")
    assert "nested" in body["detail"]


def test_nested_objects_too_deep_are_a_400(api, chiro):
    raw = '{"a":' * 5_000 + "1" + "}" * 5_000
    assert_error_shape(post_raw(api(chiro), "/api/plans/", raw), 400, "parse_error")


def test_malformed_json_is_a_400_with_the_error_shape(api, therapist):
    assert_error_shape(post_raw(api(therapist), "/api/sessions/", '{"plan": '), 400,
                       "parse_error")


def test_invalid_utf8_is_a_400(api, therapist):
    assert_error_shape(post_raw(api(therapist), "/api/sessions/", b'{"notes": "\xff\xfe"}'),
                       400, "parse_error")


@pytest.mark.parametrize("raw", ["[]", '"a string"', "42", "null", "true"])
def test_a_body_that_is_not_an_object_is_a_400(api, therapist, raw):
    assert_error_shape(post_raw(api(therapist), "/api/sessions/", raw), 400)


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity"])
def test_non_standard_json_constants_are_a_400(api, therapist, plan, raw):
    text = json.dumps(session_body(plan))[:-1] + f', "duration_minutes": {raw}}}'
    assert_error_shape(post_raw(api(therapist), "/api/sessions/", text), 400)


# --- huge numbers ---------------------------------------------------------------------------

@pytest.mark.parametrize("number", ["1" + "0" * 30, "1e400", "-1e400", "9" * 5_000, "1.5"])
def test_huge_or_fractional_numbers_in_a_body_are_a_400_naming_the_field(api, therapist, plan,
                                                                       number):
    text = json.dumps(session_body(plan))[:-1] + f', "duration_minutes": {number}}}'
    body = assert_error_shape(post_raw(api(therapist), "/api/sessions/", text), 400)
    if body["code"] == "invalid":
        assert "duration_minutes" in body["errors"]
    assert not TherapySession.objects.exists()


def test_a_huge_plan_id_in_a_body_is_a_400_on_that_field(api, therapist, plan):
    response = api(therapist).post("/api/sessions/", session_body(plan, plan=10**30),
                                   format="json")
    body = assert_error_shape(response, 400, "invalid")
    assert "plan" in body["errors"]


@pytest.mark.parametrize("path", [
    "/api/plans/99999999999999999999999/",
    "/api/plans/9223372036854775808/",
    "/api/plans/99999999999999999999999/fhir/",
    "/api/plans/99999999999999999999999/versions/",
    "/api/sessions/99999999999999999999999/",
    "/api/patients/99999999999999999999999/",
    "/api/plans/0/",
])
def test_huge_ids_in_the_path_are_404(api, clinic_admin, path):
    assert_error_shape(api(clinic_admin).get(path), 404, "not_found")


def test_huge_id_in_a_write_path_is_404(api, chiro):
    response = api(chiro).post("/api/plans/99999999999999999999999/amend/", {"reason": "x"},
                               format="json")
    assert_error_shape(response, 404, "not_found")


@pytest.mark.parametrize("path", ["/api/plans/abc/", "/api/plans/-1/", "/api/plans/1.5/",
                                  "/api/sessions/%20/", "/api/plans/１/"])
def test_malformed_ids_in_the_path_are_json_404(api, clinic_admin, path):
    assert_error_shape(api(clinic_admin).get(path), 404, "not_found")


@pytest.mark.parametrize("query", ["plan=abc", "plan=1e400", "plan=99999999999999999999999",
                                   "plan=-5", "plan=", "plan=1&plan=x", "plan=%F0%9F%92%A9"])
def test_malformed_ids_in_query_strings_are_400_or_empty(api, clinic_admin, query):
    response = api(clinic_admin).get(f"/api/sessions/?{query}")
    if response.status_code == 200:
        assert response.json()["results"] == []
    else:
        body = assert_error_shape(response, 400, "invalid")
        assert "plan" in body["errors"]


@pytest.mark.parametrize("query", ["patient=abc", "patient=99999999999999999999", "status=nope",
                                   "patient=1e400"])
def test_bad_plan_filters_are_400_naming_the_filter_or_empty(api, clinic_admin, query):
    response = api(clinic_admin).get(f"/api/plans/?{query}")
    if response.status_code == 200:
        assert response.json()["results"] == []
    else:
        body = assert_error_shape(response, 400, "invalid")
        assert query.split("=")[0] in body["errors"]


@pytest.mark.parametrize("page", ["abc", "0", "99999999999999999999", "-1"])
def test_a_page_past_the_end_or_malformed_is_a_json_404(api, clinic_admin, page):
    assert_error_shape(api(clinic_admin).get(f"/api/plans/?page={page}"), 404, "not_found")


def test_a_huge_page_size_is_capped_not_an_error(api, clinic_admin, plan):
    response = api(clinic_admin).get("/api/plans/?page_size=99999999999999999999")
    assert response.status_code == 200
    assert response.json()["count"] == 1


# --- NUL bytes --------------------------------------------------------------------------------

def test_nul_in_the_query_string_is_400_with_the_error_shape(api, clinic_admin):
    assert_error_shape(api(clinic_admin).get("/api/patients/?q=a%00b"), 400, "invalid")


def test_nul_in_a_body_text_is_400_naming_the_field(api, therapist, plan):
    response = api(therapist).post("/api/sessions/", session_body(plan, notes="a\x00b"),
                                   format="json")
    body = assert_error_shape(response, 400, "invalid")
    assert "notes" in body["errors"]


def test_nul_in_a_region_code_is_400_naming_the_field(api, therapist, plan):
    response = api(therapist).post("/api/sessions/", session_body(plan, regions=["cer\x00"]),
                                   format="json")
    body = assert_error_shape(response, 400, "invalid")
    assert "regions" in body["errors"]


def test_nul_in_a_login_is_400(api):
    response = api().post("/api/auth/token/", {"username": "a\x00", "password": "x\x00"},
                          format="json")
    assert_error_shape(response, 400)


# --- the handler's last-resort mappings -------------------------------------------------------

@pytest.mark.parametrize(("exc", "status", "code"), [
    ("RequestDataTooBig", 413, "request_too_large"),
    ("DataError", 400, "invalid"),
    ("SuspiciousOperation", 400, "bad_request"),
    ("BadRequest", 400, "bad_request"),
])
def test_django_level_errors_raised_in_a_view_become_4xx_not_500(exc, status, code):
    from django.core import exceptions as django_exceptions
    from django.db import DataError

    from clinic.api.errors import exception_handler

    cls = DataError if exc == "DataError" else getattr(django_exceptions, exc)
    response = exception_handler(cls("boom"), {})
    assert response.status_code == status
    assert response.data["code"] == code
    assert "boom" not in response.data["detail"]  # no internals leak to the client


def test_an_unacceptable_accept_header_is_406_with_the_error_shape(api, therapist):
    response = api(therapist).get("/api/plans/", HTTP_ACCEPT="text/csv")
    assert_error_shape(response, 406, "not_acceptable")


def test_every_domain_error_answers_with_its_own_status_and_body():
    """The one handler maps the core's DomainError; it knows no app's exceptions."""
    from clinic.api.errors import exception_handler
    from clinic.errors import Conflict, DomainError
    from plans.rules import PlanViolation, Violation

    class Gone(DomainError):
        status_code = 410
        code = "gone"
        detail = "It went."

    assert (exception_handler(Gone(), {}).status_code,
            exception_handler(Gone(), {}).data) == (410, {"code": "gone", "detail": "It went."})
    conflict = exception_handler(Conflict("ticket_decided", "Already approved."), {})
    assert (conflict.status_code, conflict.data) == (
        409, {"code": "ticket_decided", "detail": "Already approved."})
    refused = exception_handler(PlanViolation([Violation("sessions_exhausted", "None left.")]),
                                {})
    assert refused.status_code == 409
    assert refused.data["code"] == "plan_violation"
    assert refused.data["violations"] == [{"code": "sessions_exhausted", "message": "None left."}]
