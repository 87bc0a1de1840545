"""Plan versions signed at the same moment: nothing prescribed is lost, nothing answers 500.

A ticket's approval and the prescriber's own amendment both sign "the next version". Each is
computed under the plan's row lock from the version in force at that moment, so whichever
signs second builds on the first. These tests need real concurrent transactions
(``transaction=True``: each thread has its own connection, the plan's lock serialises them).
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from rest_framework.test import APIClient

from clinic.accounts.tokens import token_issue
from clinic.errors import Conflict
from plans.models import PlanVersion
from plans.services import plan_amend
from referrals import services as ticket_services
from referrals.models import TicketStatus
from referrals.services import ticket_approve
from tests.factories import (
    ChiropractorFactory,
    ClinicFactory,
    PatientFactory,
    TherapistFactory,
    make_plan,
    make_ticket,
)

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(*actions, timeout: float = 30) -> list:
    """Run each action in its own thread, released together; each result or exception."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(i, action):
        try:
            barrier.wait(timeout=timeout)
            results[i] = action()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the tests inspect
            results[i] = exc
        finally:
            connection.close()  # each thread opened its own connection

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout * 2)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return results


@pytest.fixture
def people():
    clinic = ClinicFactory()
    return {
        "chiro": ChiropractorFactory(clinic=clinic, last_name="Reyes"),
        "therapist": TherapistFactory(clinic=clinic),
        "patient": PatientFactory(clinic=clinic),
    }


def versions_of(plan) -> list[PlanVersion]:
    return list(PlanVersion.objects.filter(plan=plan).order_by("number"))


def prescriber_adds_thoracic(plan, chiro, *, retries: int = 3) -> PlanVersion:
    """What the plan form does: draw the whole region list from the version on screen, send
    it with that version's number, and on "plan changed" redraw from the new one."""
    for _ in range(retries):
        shown = PlanVersion.objects.get(pk=type(plan).objects.get(pk=plan.pk).current_version_id)
        try:
            return plan_amend(plan=plan, by=chiro, reason="Thoracic stiffness on review.",
                              changes={"regions": [*shown.regions, "thoracic"]},
                              based_on_version=shown.number)
        except Conflict as exc:
            assert exc.code == "plan_changed"
    raise AssertionError("the amendment never got through")


@pytest.mark.parametrize("pause_in", ["approval", "amendment", "none"])
def test_approval_racing_an_amendment_keeps_every_region(people, monkeypatch, pause_in):
    """The prescriber adds thoracic while approving a ticket for the left leg: in either order,
    and with either one paused between reading the plan and signing, the final version has
    cervical, thoracic and the left leg, and the version numbers are 1, 2, 3."""
    plan = make_plan(prescriber=people["chiro"], patient=people["patient"])
    ticket = make_ticket(plan=plan, raised_by=people["therapist"], add_regions=["leg_left"])

    if pause_in == "approval":
        # Hold the approval between computing its change and signing: with the change computed
        # outside the lock, the amendment would sign meanwhile and be overwritten.
        real = ticket_services._amendment

        def slow_amendment(t, current):
            changes = real(t, current)
            time.sleep(0.3)
            return changes

        monkeypatch.setattr(ticket_services, "_amendment", slow_amendment)
    elif pause_in == "amendment":
        import plans.services as plan_services

        real_clean = plan_services._clean_terms

        def slow_clean(terms):
            cleaned = real_clean(terms)
            if "thoracic" in cleaned["regions"]:
                time.sleep(0.3)
            return cleaned

        monkeypatch.setattr(plan_services, "_clean_terms", slow_clean)

    results = at_once(
        lambda: ticket_approve(ticket=ticket, by=people["chiro"]),
        lambda: prescriber_adds_thoracic(plan, people["chiro"]),
    )

    assert not any(isinstance(r, Exception) for r in results), results
    final = versions_of(plan)
    assert [v.number for v in final] == [1, 2, 3]
    assert set(final[-1].regions) == {"cervical", "thoracic", "leg_left"}
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.APPROVED


def test_two_tickets_approved_at_once_both_sign_in_turn(people):
    plan = make_plan(prescriber=people["chiro"], patient=people["patient"])
    legs = make_ticket(plan=plan, raised_by=people["therapist"], add_regions=["leg_left"])
    more = make_ticket(plan=plan, raised_by=people["therapist"], extra_sessions=4)

    results = at_once(lambda: ticket_approve(ticket=legs, by=people["chiro"]),
                      lambda: ticket_approve(ticket=more, by=people["chiro"]))

    assert not any(isinstance(r, Exception) for r in results), results
    final = versions_of(plan)
    assert [v.number for v in final] == [1, 2, 3]
    assert "leg_left" in final[-1].regions
    assert final[-1].sessions_authorized == 8 + 4


def test_two_tickets_asking_the_same_thing_sign_once(people):
    """The second approval finds the plan already allows the left leg: 409 nothing_to_change."""
    plan = make_plan(prescriber=people["chiro"], patient=people["patient"])
    first = make_ticket(plan=plan, raised_by=people["therapist"], add_regions=["leg_left"])
    second = make_ticket(plan=plan, raised_by=people["therapist"], add_regions=["leg_left"])

    results = at_once(lambda: ticket_approve(ticket=first, by=people["chiro"]),
                      lambda: ticket_approve(ticket=second, by=people["chiro"]))

    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(conflicts) == 1 and conflicts[0].code == "nothing_to_change"
    assert [v.number for v in versions_of(plan)] == [1, 2]


def test_a_ticket_partly_in_force_approves_the_rest(people):
    """Left leg and thoracic were asked; the prescriber added thoracic meanwhile: approval
    signs the left leg only and keeps everything else."""
    plan = make_plan(prescriber=people["chiro"], patient=people["patient"])
    ticket = make_ticket(plan=plan, raised_by=people["therapist"],
                         add_regions=["leg_left", "thoracic"])
    plan_amend(plan=plan, by=people["chiro"], reason="Thoracic too.",
               changes={"regions": ["cervical", "thoracic"], "sessions_authorized": 10})

    ticket_approve(ticket=ticket, by=people["chiro"])

    final = versions_of(plan)[-1]
    assert final.number == 3
    assert final.regions == ["cervical", "thoracic", "leg_left"]
    assert final.sessions_authorized == 10


def _client(user) -> APIClient:
    client = APIClient()
    _token, secret = token_issue(user=user, device="race test")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_two_amendments_at_once_over_the_api_never_answer_500(people):
    """Two tabs sign an amendment at the same moment: each answers 201 or 409 plan_changed,
    never a server error, and version numbers stay consecutive."""
    plan = make_plan(prescriber=people["chiro"], patient=people["patient"])
    bodies = [
        {"regions": ["cervical", "thoracic"], "reason": "Tab one.", "based_on_version": 1},
        {"regions": ["cervical", "lumbar"], "reason": "Tab two.", "based_on_version": 1},
        {"sessions_authorized": 12, "reason": "A script, no version."},
        {"session_minutes": 45, "reason": "Another script."},
    ]

    def amend(body):
        return lambda: _client(people["chiro"]).post(
            f"/api/plans/{plan.pk}/amend/", body, format="json")

    answers = at_once(*(amend(b) for b in bodies))

    codes = sorted(a.status_code for a in answers)
    assert all(c in (201, 409) for c in codes), [(a.status_code, a.content) for a in answers]
    conflicts = [a.json() for a in answers if a.status_code == 409]
    assert all(c["code"] == "plan_changed" for c in conflicts)
    # Both scripts sign; of the two tabs drawn from version 1, at most one does (none when a
    # script signed first), and the other learns the plan changed.
    tabs, scripts = answers[:2], answers[2:]
    assert [a.status_code for a in scripts] == [201, 201]
    assert sorted(a.status_code for a in tabs) in ([201, 409], [409, 409])
    signed = sum(a.status_code == 201 for a in answers)
    assert [v.number for v in versions_of(plan)] == list(range(1, signed + 2))


def test_two_approvals_at_once_over_the_api_never_answer_500(people):
    plan = make_plan(prescriber=people["chiro"], patient=people["patient"])
    tickets = [make_ticket(plan=plan, raised_by=people["therapist"], add_regions=[r])
               for r in ("leg_left", "leg_right", "foot_left")]

    def approve(t):
        return lambda: _client(people["chiro"]).post(f"/api/tickets/{t.pk}/approve/", {},
                                                     format="json")

    answers = at_once(*(approve(t) for t in tickets))

    assert [a.status_code for a in answers] == [200, 200, 200], [a.content for a in answers]
    final = versions_of(plan)
    assert [v.number for v in final] == [1, 2, 3, 4]
    assert set(final[-1].regions) == {"cervical", "leg_left", "leg_right", "foot_left"}
