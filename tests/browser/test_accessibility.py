"""axe-core on every page of docs/api.md, for each role, at 1280x800 and 768x1024: no serious or
critical violation, and no console error. With SCREENSHOT_DIR set, each page is also saved
as a PNG there (to look at, as a new user would)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SCREENSHOT_DIR", "")


def world(plan):
    """The demo plus a session, an open ticket, an overdue one, a plan ending soon, an
    amended plan (two versions), so every list and state has something to show."""
    from clinic.models import Patient, User
    from plans.services import plan_amend
    from sessions.services import session_log
    from tests.factories import clinic_today, make_plan, make_ticket

    therapist = User.objects.get(username="therapist")
    chiro = User.objects.get(username="chiro")
    session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                duration_minutes=30, regions=["cervical"])
    open_ticket = make_ticket(plan=plan, raised_by=therapist, session_minutes=45,
                              note="She runs twice a week.")
    today = clinic_today(plan.clinic)
    morgan = Patient.objects.create(clinic=plan.clinic, first_name="Morgan", last_name="Lee",
                                    date_of_birth=dt.date(1979, 3, 2))
    ending = make_plan(prescriber=chiro, patient=morgan, regions=["lumbar", "sacral"],
                       avoid_regions=["abdomen"], valid_until=today + dt.timedelta(days=4))
    plan_amend(plan=ending, by=chiro, reason="Hips are tight too",
               changes={"regions": ["lumbar", "sacral", "hip_left", "hip_right"],
                        "session_minutes": 45})
    make_ticket(plan=ending, raised_by=therapist, extra_sessions=4,
                now=timezone.now() - dt.timedelta(days=4))
    return {"plan": plan, "ticket": open_ticket, "ending": ending}


def pages_for(role: str, w) -> list[tuple[str, str]]:
    """(name, path) of every page of docs/api.md this role opens."""
    plan, ticket, ending = w["plan"], w["ticket"], w["ending"]
    common = [("home", "/"), ("patient", f"/patients/{plan.patient_id}/"),
              ("plan-card", f"/plans/{plan.pk}/"), ("plan-card-v2", f"/plans/{ending.pk}/"),
              ("tickets", "/tickets/"), ("ticket", f"/tickets/{ticket.pk}/"),
              ("search", "/patients/search/?q=Casey"),
              ("second-factor", "/accounts/second-factor/"),
              ("appointments-day", "/appointments/"), ("appointments-week", "/appointments/week/")]
    if role == "therapist":
        return [*common, ("ticket-new", f"/plans/{plan.pk}/tickets/new/"),
                ("forbidden", "/plans/new/"), ("patient-new", "/patients/new/"),
                ("book", f"/plans/{plan.pk}/appointments/new/")]
    if role == "chiro":
        return [*common, ("plan-new", f"/plans/new/?patient={plan.patient_id}"),
                ("plan-amend", f"/plans/{plan.pk}/amend/")]
    return [*common, ("audit", "/audit/"), ("django-admin", "/admin/"),
            ("staff-sign-ins", "/accounts/staff/"),
            ("patient-edit", f"/patients/{plan.patient_id}/edit/")]


def with_axe(s, axe_js: Path):
    """Give every page of this tab axe-core. Not add_script_tag: it inlines the file, which
    our CSP (scripts only from 'self') rightly blocks; an init script is injected by the
    browser itself, with the CSP still on."""
    s.context.add_init_script(path=str(axe_js))
    return s


def audit(page) -> list[str]:
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}" for v in result
            if v["impact"] in ("serious", "critical")]


def shot(page, name: str, size: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}-{size}.png", full_page=True)


@pytest.mark.parametrize("size", ["desktop", "tablet"])
def test_every_page_for_every_role_passes_axe(screen, demo, axe_js, size):
    w = world(demo)
    problems: dict[str, list[str]] = {}

    anonymous = with_axe(screen(size), axe_js)
    anonymous.go("/accounts/login/")
    problems["login"] = audit(anonymous.page)
    shot(anonymous.page, "anonymous_login", size)
    errors = list(anonymous.errors)

    sideways = []
    for role in ("therapist", "chiro", "admin"):
        s = with_axe(screen(size), axe_js)
        s.sign_in(role)
        for name, path in pages_for(role, w):
            response = s.go(path)
            expected = 403 if path == "/plans/new/" else 200  # a therapist may not write plans
            assert response.status == expected, (role, path, response.status)
            problems[f"{role} {path}"] = audit(s.page)
            # Our pages fit the screen; a wide table scrolls inside its own box.
            if name != "django-admin" and s.page.evaluate(
                    "document.documentElement.scrollWidth > window.innerWidth"):
                sideways.append(f"{role} {path}")
            shot(s.page, f"{role}_{name}", size)
        errors += [e for e in s.errors if "403" not in e]  # the 403 page is expected
    failing = {k: v for k, v in problems.items() if v}
    assert failing == {}
    assert errors == []
    assert sideways == [], "these pages scroll sideways"
    # The check itself can fail: an unlabelled field is reported.
    anonymous.page.evaluate(
        "document.querySelector('form').insertAdjacentHTML('beforeend', '<input type=text>')")
    assert any("label" in problem for problem in audit(anonymous.page))


@pytest.mark.parametrize("size", ["desktop", "tablet"])
def test_the_plan_card_states_pass_axe(screen, demo, axe_js, size):
    """The refusal shown inline, and the ticket form opened from it, are checked too."""
    world(demo)
    s = with_axe(screen(size), axe_js)
    s.sign_in("therapist")
    s.go(f"/plans/{demo.pk}/")
    page = s.page
    page.locator('#log-panel input[value="foot_left"]').check()
    page.locator("#log-panel button[type=submit]").click()
    page.get_by_role("alert").wait_for()
    assert audit(page) == []
    shot(page, "therapist_plan_refused", size)
    page.get_by_role("alert").get_by_role("link").click()
    page.locator("#ticket-form-title").wait_for()
    assert audit(page) == []
    shot(page, "therapist_ticket_form", size)
    page.locator("#t-request").fill("And my left foot, please")
    page.locator("#ticket-panel button[type=submit]").click()
    page.locator("#ticket-panel .script").wait_for()
    assert audit(page) == []
    shot(page, "therapist_ticket_raised", size)
    assert s.errors == []
