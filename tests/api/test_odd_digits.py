"""Ids in query strings written with digits that are not ASCII ("²", "٣"): str.isdigit()
says yes and int() then fails or reads another number. Each is a 400 or simply ignored,
never a 500 (clinic.numbers.whole_number is the one parser)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("raw", ["²", "٣", "-1", "99999999999999999999"])
def test_a_fhir_page_cursor_that_is_no_session_is_a_400_on_after(api, therapist, plan, raw):
    answer = api(therapist).get(f"/api/plans/{plan.pk}/fhir/", {"after": raw})
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["after"]


@pytest.mark.parametrize("raw", ["²", "٣", "-1"])
def test_an_odd_older_link_on_the_audit_page_shows_the_first_page(client, clinic_admin, raw):
    client.force_login(clinic_admin)
    assert client.get("/audit/", {"before": raw}).status_code == 200


@pytest.mark.parametrize("raw", ["2026-11-30T10:00:00+00:00|²", "x|٣", "|"])
def test_an_odd_notifications_cursor_shows_the_first_page(client, therapist, raw):
    client.force_login(therapist)
    assert client.get("/notifications/", {"after": raw}).status_code == 200
