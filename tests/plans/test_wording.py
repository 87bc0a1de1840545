"""What the therapist reads and says: counts in plain English, advice that fits each reason,
regions in the client's own words."""

from __future__ import annotations

import pytest

from clinic.regions import everyday
from plans.models import EXPIRED, PlanStatus
from plans.rules import refusal_advice


@pytest.mark.parametrize("codes, expected", [
    (["leg_left", "leg_right", "foot_left", "foot_right"], "legs and feet"),
    (["cervical"], "neck"),
    (["foot_left", "cervical", "foot_right"], "feet and neck"),
    (["hand_right"], "right hand"),
    (["gluteal_left", "gluteal_right", "lumbar"], "buttocks and lower back"),
    (["thoracic", "shoulder_left", "shoulder_right", "arm_left"],
     "upper and middle back, shoulders and left arm"),
])
def test_regions_in_the_clients_words(codes, expected):
    assert everyday(codes) == expected


def advice(*codes, status=PlanStatus.ACTIVE):
    return " ".join(refusal_advice(codes, prescriber="Dr Reyes", plan_status=status))


def test_a_region_refusal_advises_logging_what_the_plan_covers():
    text = advice("region_out_of_scope", "duration_exceeds_plan")
    assert "Log only what the plan covers" in text and "consult ticket" in text
    assert "renewal" not in text


@pytest.mark.parametrize("code, status", [("sessions_exhausted", PlanStatus.ACTIVE),
                                          ("plan_not_active", EXPIRED),
                                          ("outside_validity", PlanStatus.ACTIVE)])
def test_a_used_up_or_ended_plan_advises_a_renewal_not_unticking(code, status):
    text = advice(code, "region_out_of_scope", status=status)
    assert "renewal" in text and "Dr Reyes" in text
    assert "untick" not in text


def test_a_full_week_advises_next_week():
    assert "next week" in advice("weekly_limit_reached")


@pytest.mark.parametrize("status", [PlanStatus.SUSPENDED, PlanStatus.CANCELLED])
def test_a_suspended_or_cancelled_plan_advises_speaking_to_the_prescriber(status):
    text = advice("plan_not_active", status=status)
    assert f"The plan is {status}" in text and "renewal" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("authorized, sentence", [
    (1, "The one authorised session is used."), (3, "All 3 authorised sessions are used.")])
def test_the_used_up_sentence_is_singular_or_plural(chiro, patient, therapist, authorized,
                                                    sentence):
    from django.utils import timezone

    from plans.rules import PlanViolation
    from sessions.services import session_log
    from tests.factories import make_plan

    plan = make_plan(prescriber=chiro, patient=patient, sessions_authorized=authorized,
                     sessions_per_week=None)
    log = {"plan": plan, "therapist": therapist, "started_at": timezone.now(),
           "duration_minutes": 30, "regions": ["cervical"]}
    for _ in range(authorized):
        session_log(**log)
    with pytest.raises(PlanViolation) as refused:
        session_log(**log)
    assert [v.message for v in refused.value.violations] == [sentence]


@pytest.mark.django_db
def test_the_printed_summary_tells_the_client_what_and_why_and_nothing_internal(client, chiro,
                                                                                patient,
                                                                                therapist):
    from tests.factories import make_plan

    plan = make_plan(prescriber=chiro, patient=patient, regions=["cervical"],
                     avoid_regions=["lumbar"], sessions_authorized=1, diagnosis="M54.2 SECRET",
                     notes="Internal note SECRET", goals="Range of motion SECRET",
                     client_summary="We start with your neck to settle the headaches.")
    client.force_login(therapist)
    page = client.get(f"/plans/{plan.pk}/print/").content.decode()
    assert "Massage of your neck." in page
    assert "Your lower back will not be massaged." in page
    assert "We start with your neck to settle the headaches." in page
    assert "1 session is left of 1" in page
    assert "SECRET" not in page
    assert "Dr" in page or chiro.display_name in page


@pytest.mark.django_db
def test_a_refusal_shows_the_prescribers_words_for_the_client(client, chiro, patient, therapist):
    from django.utils import timezone

    from tests.factories import make_plan

    plan = make_plan(prescriber=chiro, patient=patient,
                     client_summary="We are focusing on your neck for now.")
    client.force_login(therapist)
    answer = client.post(f"/plans/{plan.pk}/sessions/new/", {
        "started_at": timezone.localtime(timezone=plan.clinic.tz).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": "30", "regions": ["foot_left"]})
    page = answer.content.decode()
    assert answer.status_code == 409
    assert "“We are focusing on your neck for now.”" in page
    assert "Log only what the plan covers" in page
