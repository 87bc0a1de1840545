"""The front desk's day in a real browser, at tablet and desktop width, axe-checked:

register a patient; book Casey within the plan; see a refused booking and its sentence; check
Casey in for today's appointment; log the session from it; cancel another with a reason.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appointments.models import Appointment
from clinic.models import Patient
from tests.browser.test_accessibility import audit, shot, with_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def next_monday(tz) -> dt.date:
    today = timezone.localdate(timezone=tz)
    return today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=1)


@pytest.mark.parametrize("size", ["tablet-820", "desktop"])
def test_the_front_desks_day(screen, demo, axe_js, size):
    plan = demo
    desk = with_axe(screen(size), axe_js)
    page = desk.page
    problems: dict[str, list[str]] = {}

    def check(name: str) -> None:
        page.wait_for_load_state("networkidle")
        problems[name] = audit(page)
        shot(page, f"appointments_{name}", size)
        assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth"), \
            f"{name} scrolls sideways"

    # The therapist's home: today's appointments first (seed_demo booked Casey today).
    desk.sign_in("therapist")
    today = page.locator("section", has=page.get_by_role("heading", name="Today’s appointments"))
    expect(today).to_contain_text("Casey Client")
    expect(today).to_contain_text("8 of 8 sessions left")
    check("home")

    # 1. Register a new patient, with an alert every page of theirs shows.
    page.get_by_role("link", name="Register a new patient").click()
    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Last name").fill("Reader")
    page.get_by_label("Date of birth").fill("1985-03-14")
    page.locator("#id_phone").fill("+1 555 010 2030")
    page.get_by_label("Alerts (shown on every page of this patient)").fill("Latex allergy")
    check("patient_form")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Robin Reader")).to_be_visible()
    expect(page.get_by_role("note")).to_contain_text("Latex allergy")
    assert Patient.objects.filter(last_name="Reader", phone="+1 555 010 2030").exists()

    # 2. Book Casey next Monday at 10:00, a free time of the prescribed 30 minutes.
    monday = next_monday(plan.clinic.tz)
    desk.go(f"/plans/{plan.pk}/")
    expect(page.locator("#bookings-panel")).to_contain_text("Sessions left to book")
    page.locator("#bookings-panel").get_by_role("link", name="Book an appointment").click()
    page.get_by_label("Free times on").fill(monday.isoformat())
    page.get_by_role("button", name="Show free times").click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("10:00").check()
    check("book_form")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Booked: Casey Client")
    desk.go(f"/plans/{plan.pk}/appointments/new/?day={monday.isoformat()}")
    page.get_by_label("11:00").check()
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Booked: Casey Client")

    # 3. A third that week: refused, with the plan's sentence; nothing saved.
    desk.go(f"/plans/{plan.pk}/appointments/new/?day={monday.isoformat()}")
    page.get_by_label("14:00").check()
    page.get_by_role("button", name="Book", exact=True).click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("Not booked: this appointment is outside the plan")
    expect(refusal).to_contain_text("The 2 sessions a week allowed are already used or booked")
    check("book_refused")
    assert Appointment.objects.filter(plan=plan).count() == 3

    # 4. Today: check Casey in, then log the session from the appointment.
    desk.go("/")
    page.get_by_role("button", name="Check in Casey Client").click()
    expect(page.get_by_role("status")).to_contain_text("Casey Client is checked in.")
    page.get_by_role("link", name="Log the session of Casey Client").click()
    expect(page.locator("#log-minutes")).to_have_value("30")
    expect(page.locator('#log-panel input[value="cervical"]')).to_be_checked()
    check("log_form")
    page.get_by_role("button", name="Log session").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Session logged for Casey Client; the appointment is completed.")
    todays = Appointment.objects.get(plan=plan, starts_at__lt=timezone.now()
                                     + dt.timedelta(days=1), session__isnull=False)
    assert todays.status == "completed"

    # 5. Cancel Monday's 11:00 with a reason; it stays on the day, cancelled.
    desk.go(f"/appointments/?date={monday.isoformat()}")
    check("day")
    row = page.locator("tr", has_text="11:00")
    row.locator("summary").click()
    row.get_by_label("Reason").fill("Client has a work trip")
    row.get_by_role("button", name="Cancel the appointment").click()
    expect(page.get_by_role("status")).to_contain_text("appointment is cancelled")
    expect(page.locator("tr", has_text="11:00")).to_contain_text("Client has a work trip")
    check("day_after_cancel")

    assert {k: v for k, v in problems.items() if v} == {}
    # The refused booking's page answers 409, as the API does; the browser logs that status.
    assert [e for e in desk.errors if "status of 409" not in e] == []
