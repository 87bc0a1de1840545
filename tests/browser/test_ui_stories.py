"""Stories of issue 12 in a real browser, at 820x1180 (a tablet) and 1280x800: the therapist
hears back, the client hears why, an ended plan offers a renewal, the log button stays in
reach, and logging the demo's session takes at most 5 taps."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import ConsultTicket, TicketStatus
from sessions.models import TherapySession
from tests.browser.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = ["tablet", "desktop"]


def raise_legs_and_feet(plan):
    from clinic.models import User
    from tests.factories import make_ticket

    return make_ticket(plan=plan, raised_by=User.objects.get(username="therapist"))


@pytest.mark.parametrize("size", SIZES)
def test_after_a_decline_the_therapist_sees_why_and_what_to_tell_the_client(screen, demo, size):
    ticket = raise_legs_and_feet(demo)
    s = screen(size)
    page = s.page
    s.sign_in("chiro")
    row = page.locator(f"#ticket-{ticket.pk}")
    row.get_by_label("Or decline, saying why").fill(
        "Lower limbs contraindicated until the DVT scan is back.")
    row.get_by_role("button", name="Decline").click()
    expect(page.locator(f"#ticket-{ticket.pk}")).to_contain_text("Declined: “Lower limbs")
    expect(page.locator("#inbox-count")).to_contain_text("No open request for you")
    s.sign_out()

    s.sign_in("therapist")
    expect(page.locator("#bell")).to_contain_text("1")
    expect(page.locator("table.worklist")).to_contain_text(
        f"Ticket #{ticket.pk} declined: Lower limbs contraindicated")
    page.get_by_role("link", name="Open plan for Casey Client").first.click()
    page.wait_for_load_state("networkidle")
    decision = page.locator("#plan-decision")
    expect(decision).to_contain_text("Request declined")
    expect(decision.locator(".script")).to_contain_text(
        "I asked Dr Reyes about your legs and feet. For now they'd like us to keep to your "
        "neck, because legs not advised until the blood clot scan is back.")
    assert s.errors == []


@pytest.mark.parametrize("size", SIZES)
def test_an_expired_plan_offers_a_renewal_request_and_no_log_form(screen, demo, size):
    from clinic.models import Patient, User
    from tests.factories import make_plan

    today = timezone.localdate()
    robin = Patient.objects.create(clinic=demo.clinic, first_name="Robin", last_name="Ended",
                                   date_of_birth=dt.date(1990, 5, 5))
    ended = make_plan(prescriber=User.objects.get(username="chiro"), patient=robin,
                      valid_from=today - dt.timedelta(days=60),
                      valid_until=today - dt.timedelta(days=5))
    s = screen(size)
    page = s.page
    s.sign_in("therapist")
    s.go(f"/plans/{ended.pk}/")
    banner = page.locator("#plan-ended")
    expect(banner).to_contain_text("This plan has ended")
    expect(page.locator("#log-panel")).to_have_count(0)
    expect(page.get_by_role("button", name="Log session")).to_have_count(0)
    banner.get_by_role("link", name="Request a renewal").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="Request a renewal")).to_be_visible()
    expect(page.locator("#t-request")).to_have_value(
        "The client would like to continue the treatment.")
    until = today - dt.timedelta(days=5)
    until = max(today, until) + dt.timedelta(days=55)
    expect(page.locator("#t-until")).to_have_value(f"{until.day} {until:%b %Y}")
    page.get_by_role("button", name="Send to Dr Reyes").click()
    expect(page.locator("#ticket-panel .script")).to_contain_text("more time on the plan")
    ticket = ConsultTicket.objects.get(plan=ended)
    assert ticket.status == TicketStatus.OPEN and ticket.valid_until == until
    assert s.errors == []


@pytest.mark.parametrize("size", SIZES)
def test_the_log_button_is_in_view_once_the_regions_are_chosen(screen, demo, size):
    s = screen(size)
    page = s.page
    s.sign_in("therapist")
    s.go(f"/plans/{demo.pk}/")
    log = page.locator("#log-panel")
    box = log.get_by_role("checkbox", name="Cervical spine (neck)")
    box.scroll_into_view_if_needed()
    box.check()
    # The region list was long enough to scroll: the button is still on screen.
    log.locator("details.other-regions > summary").click()
    log.get_by_role("checkbox", name="Right foot").scroll_into_view_if_needed()
    button = log.get_by_role("button", name="Log session")
    expect(button).to_be_in_viewport()
    height = page.viewport_size["height"]
    rect = button.bounding_box()
    assert rect is not None and rect["y"] >= 0 and rect["y"] + rect["height"] <= height
    assert rect["height"] >= 44 and rect["width"] >= 44
    # Touch targets: every checkbox row and button of the form is at least 44 x 44 px.
    small = page.evaluate("""() => [...document.querySelectorAll(
            '#log-panel .checks li, #log-panel button, #log-panel summary')]
        .filter(el => el.offsetParent !== null)
        .map(el => el.getBoundingClientRect())
        .filter(r => r.height < 44 || r.width < 44).length""")
    assert small == 0
    # One body map on the card.
    assert page.locator(".bodymap").count() == 1
    assert s.errors == []


class Taps:
    """Counts the taps (clicks and ticks) a story makes; typing is not counted."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def click(self, locator):
        self.count += 1
        locator.click()

    def check(self, locator):
        self.count += 1
        locator.check()


@pytest.mark.parametrize("size", SIZES)
def test_from_sign_in_to_a_logged_session_in_at_most_5_taps(screen, demo, size):
    s = screen(size)
    page = s.page
    taps = Taps(page)
    s.go("/accounts/login/")
    page.keyboard.type("therapist")  # the username field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    taps.click(page.get_by_role("button", name="Sign in"))
    page.wait_for_load_state("networkidle")
    taps.click(page.get_by_role("link", name="Open plan for Casey Client").first)
    page.wait_for_load_state("networkidle")
    log = page.locator("#log-panel")
    taps.check(log.get_by_role("checkbox", name="Cervical spine (neck)"))
    taps.click(log.get_by_role("button", name="Log session"))
    expect(log.locator(".success")).to_contain_text("Session logged: 30 min, Cervical spine")
    assert TherapySession.objects.filter(plan=demo).count() == 1
    assert taps.count <= 5, taps.count
    assert s.errors == []


@pytest.mark.parametrize("size", SIZES)
def test_the_map_marks_avoid_and_the_amendment_shows_its_change_before_signing(
        screen, demo, size):
    s = screen(size)
    page = s.page
    s.sign_in("chiro")
    s.go(f"/plans/{demo.pk}/amend/")
    foot = page.locator('#rx-bodymap .region[data-region="foot_left"]').first
    foot.click()  # neither -> treat
    expect(page.locator("#scope-foot_left")).to_have_value("treat")
    foot.click()  # treat -> avoid
    expect(page.locator("#scope-foot_left")).to_have_value("avoid")
    expect(foot).to_have_class(re.compile(r"is-avoid"))
    page.get_by_role("combobox", name="Right foot").select_option("treat")
    summary = page.locator("#change-summary")
    expect(summary).to_contain_text("avoid + Left foot")
    expect(summary).to_contain_text("+ Right foot")
    page.get_by_label("Reason for the change").fill("Right foot only; left is sprained.")
    page.get_by_role("button", name="Sign version 2").click()
    page.wait_for_url(f"**/plans/{demo.pk}/")
    demo.refresh_from_db()
    version = demo.current_version
    assert version.number == 2
    assert version.regions == ["cervical", "foot_right"] and version.avoid_regions == ["foot_left"]
    assert s.errors == []


@pytest.mark.parametrize("size", SIZES)
def test_an_invalid_field_gets_the_focus_and_the_error_is_announced(screen, demo, size):
    s = screen(size)
    page = s.page
    s.sign_in("therapist")
    s.go(f"/plans/{demo.pk}/")
    log = page.locator("#log-panel")
    log.get_by_role("checkbox", name="Cervical spine (neck)").check()
    page.locator("#log-minutes").fill("0")
    log.get_by_role("button", name="Log session").click()
    expect(page.locator("#log-errors")).to_have_attribute("role", "alert")
    expect(page.locator("#log-panel")).to_contain_text("Minutes must be at least 1.")
    expect(page.locator("#log-minutes")).to_be_focused()
    assert "Ensure this value" not in page.content()
    assert TherapySession.objects.count() == 0
    assert s.errors == []
