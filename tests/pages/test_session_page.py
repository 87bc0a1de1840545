"""The log form's initial values, its SOAP notes, and the session page (notes, addenda, void)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from sessions.forms import blank_log_form
from sessions.models import SessionAddendum, TherapySession
from sessions.services import session_log, session_void
from tests.factories import make_plan
from tests.pages.conftest import HTMX

pytestmark = pytest.mark.django_db


def ticked(html: str) -> set[str]:
    return set(re.findall(r'name="regions" value="([a-z_]+)" id="log-[a-z_]+" checked', html))


def test_regions_are_ticked_from_the_last_session_never_every_plan_region(
        web, therapist, chiro, patient):
    plan = make_plan(prescriber=chiro, patient=patient, regions=["cervical", "thoracic", "lumbar"],
                     valid_from=timezone.localdate() - dt.timedelta(days=2))  # any hour
    html = web(therapist).get(f"/plans/{plan.pk}/").content.decode()
    assert ticked(html) == set()
    assert "Tick the regions you worked" in html
    session_log(plan=plan, therapist=therapist, duration_minutes=30, regions=["cervical"],
                started_at=timezone.now() - dt.timedelta(minutes=90))
    html = web(therapist).get(f"/plans/{plan.pk}/").content.decode()
    assert ticked(html) == {"cervical"}
    assert "Ticked as in the last session" in html


def test_initial_values_from_an_appointment_win(therapist, chiro, patient):
    plan = make_plan(prescriber=chiro, patient=patient, regions=["cervical", "thoracic"])
    form = blank_log_form(plan, initial={"regions": ["thoracic"], "duration_minutes": 20})
    assert form.initial["regions"] == ["thoracic"] and form.initial["duration_minutes"] == 20
    assert form.regions_caption.startswith("Ticked as booked")


def test_other_regions_are_folded_away_unless_one_is_ticked(web, therapist, plan):
    html = web(therapist).get(f"/plans/{plan.pk}/").content.decode()
    assert '<details class="other-regions">' in html
    html = web(therapist).post(f"/plans/{plan.pk}/sessions/new/", {
        "started_at": timezone.localtime(timezone=plan.clinic.tz).strftime("%d %b %Y %H:%M"),
        "duration_minutes": "30",
        "regions": ["cervical", "foot_left"]}, **HTMX).content.decode()
    assert '<details class="other-regions" open>' in html


def test_soap_notes_are_saved_and_shown_on_the_session_page(web, therapist, plan):
    client = web(therapist)
    response = client.post(f"/plans/{plan.pk}/sessions/new/", {
        "started_at": timezone.localtime(timezone=plan.clinic.tz).strftime("%d %b %Y %H:%M"),
        "duration_minutes": "30",
        "regions": ["cervical"], "subjective": "Stiff neck after work",
        "objective": "Reduced rotation left", "assessment": "Improving",
        "plan_notes": "Same next week"})
    assert response.status_code == 302
    session = TherapySession.objects.get()
    assert (session.subjective, session.plan_notes) == ("Stiff neck after work", "Same next week")
    html = client.get(f"/sessions/{session.pk}/").content.decode()
    for text in ("Stiff neck after work", "Reduced rotation left", "Improving", "Same next week"):
        assert text in html
    card = client.get(f"/plans/{plan.pk}/").content.decode()
    assert f'href="/sessions/{session.pk}/"' in card


def test_the_date_is_typed_the_clinics_way_and_iso_still_works(web, therapist, plan):
    at = timezone.localtime(timezone=plan.clinic.tz) - dt.timedelta(hours=1)
    for typed in (at.strftime("%d %b %Y %H:%M"), at.strftime("%Y-%m-%dT%H:%M")):
        response = web(therapist).post(f"/plans/{plan.pk}/sessions/new/", {
            "started_at": typed, "duration_minutes": "30", "regions": ["cervical"]})
        assert response.status_code == 302, typed
    html = web(therapist).get(f"/plans/{plan.pk}/").content.decode()
    now = timezone.localtime(timezone=plan.clinic.tz)
    assert re.search(rf'name="started_at" value="{now.day} {now:%b %Y} \d\d:\d\d"', html)


def test_the_author_adds_an_addendum_and_voids_with_a_reason(web, therapist, plan):
    session = session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                          duration_minutes=30, regions=["cervical"], notes="Neck")
    client = web(therapist)
    assert client.post(f"/sessions/{session.pk}/addenda/", {"text": ""}).status_code == 400
    response = client.post(f"/sessions/{session.pk}/addenda/", {"text": "Also used heat."})
    assert response.status_code == 302
    assert SessionAddendum.objects.get().text == "Also used heat."
    html = client.get(f"/sessions/{session.pk}/").content.decode()
    assert "Also used heat." in html and "Neck" in html
    assert client.post(f"/sessions/{session.pk}/void/", {"reason": ""}).status_code == 400
    assert client.post(f"/sessions/{session.pk}/void/", {"reason": "Wrong client"}).status_code \
        == 302
    html = client.get(f"/sessions/{session.pk}/").content.decode()
    assert "Wrong client" in html and "Void the session" not in html
    assert "Add the addendum" not in html


def test_another_therapist_may_read_but_not_amend_or_void(web, therapist, therapist2, plan):
    session = session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                          duration_minutes=30, regions=["cervical"])
    client = web(therapist2)
    html = client.get(f"/sessions/{session.pk}/").content.decode()
    assert "Add the addendum" not in html and "Void the session" not in html
    assert client.post(f"/sessions/{session.pk}/addenda/", {"text": "x"}).status_code == 403
    assert client.post(f"/sessions/{session.pk}/void/", {"reason": "x"}).status_code == 403
    assert not SessionAddendum.objects.exists()


def test_a_clinic_admin_may_void(web, clinic_admin, therapist, plan):
    session = session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                          duration_minutes=30, regions=["cervical"])
    assert web(clinic_admin).post(f"/sessions/{session.pk}/void/",
                                  {"reason": "Duplicate"}).status_code == 302
    session.refresh_from_db()
    assert session.is_voided


def test_another_clinics_session_is_not_found(web, other_therapist, therapist, plan):
    session = session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                          duration_minutes=30, regions=["cervical"])
    assert web(other_therapist).get(f"/sessions/{session.pk}/").status_code == 404
    assert web(other_therapist).post(f"/sessions/{session.pk}/void/",
                                     {"reason": "x"}).status_code == 404


def test_voiding_twice_is_a_conflict_not_a_500(web, therapist, plan):
    session = session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                          duration_minutes=30, regions=["cervical"])
    session_void(session=session, by=therapist, reason="first")
    # The page no longer offers it; a stale form posted again answers 409, nothing changes.
    response = web(therapist).post(f"/sessions/{session.pk}/void/", {"reason": "again"})
    assert response.status_code == 409
    assert "already voided" in response.content.decode()
