"""The seed story, played through the pages in a real browser (docs/design.md):

the therapist logs a cervical session, tries legs and feet and sees the refusal, raises the
ticket; the chiropractor approves it from the inbox; the therapist sees version 2 and logs
legs and feet.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from referrals.models import ConsultTicket, TicketStatus
from sessions.models import TherapySession
from tests.browser.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEGS_AND_FEET = ["leg_left", "leg_right", "foot_left", "foot_right"]


def test_the_seed_story_through_the_pages(screen, demo):
    plan = demo
    desk = screen()
    page = desk.page

    # The therapist finds Casey on the front desk and opens the plan card.
    desk.sign_in("therapist")
    expect(page.get_by_role("heading", name="Today’s patients")).to_be_visible()
    page.get_by_label("Find a patient").type("cas")  # the live search answers as one types
    expect(page.locator("#search-results")).to_contain_text("Casey Client")
    page.get_by_role("link", name="Open plan for Casey Client").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="What the plan allows")).to_be_visible()

    # 1. A cervical session, as prescribed: saved, and the counts update in place.
    log = page.locator("#log-panel")
    expect(log.get_by_role("checkbox", name="Cervical spine (neck)")).not_to_be_checked()
    log.get_by_role("checkbox", name="Cervical spine (neck)").check()
    log.get_by_role("button", name="Log session").click()
    expect(page.locator("#log-panel .success")).to_contain_text(
        "Session logged: 30 min, Cervical spine (neck).")
    expect(page.locator("#plan-usage")).to_contain_text("1session used")
    expect(page.locator("#plan-usage")).to_contain_text("7left of 8")
    assert TherapySession.objects.filter(plan=plan).count() == 1

    # 2. Legs and feet: two picked on the map, two with their checkboxes; refused inline.
    log = page.locator("#log-panel")
    # Ticked as in the last session; the other regions are folded away until one is picked.
    expect(log.get_by_role("checkbox", name="Cervical spine (neck)")).to_be_checked()
    expect(log.get_by_role("checkbox", name="Right foot")).to_be_hidden()
    log.locator('.bodymap .region[data-region="leg_left"]').first.click()
    expect(log.get_by_role("checkbox", name="Right foot")).to_be_visible()  # opened
    log.locator('.bodymap .region[data-region="foot_left"]').first.click()
    log.get_by_role("checkbox", name="Right lower limb").check()
    log.get_by_role("checkbox", name="Right foot").check()
    for code in LEGS_AND_FEET:
        expect(log.locator(f'input[name="regions"][value="{code}"]')).to_be_checked()
    expect(log.locator('.region[data-region="leg_left"]').first).to_have_class(
        re.compile(r"is-selected"))
    log.get_by_label("Notes").fill("Client asked for legs and feet")
    log.get_by_role("button", name="Log session").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Not logged: this session is outside the plan")
    expect(alert).to_contain_text("are not in the plan (Cervical spine (neck) only)")
    expect(page.locator("#log-notes")).to_have_value("Client asked for legs and feet")
    for code in ["cervical", *LEGS_AND_FEET]:
        expect(page.locator(f'#log-panel input[value="{code}"]')).to_be_checked()
    expect(page.locator("#plan-usage")).to_contain_text("1session used")
    assert TherapySession.objects.filter(plan=plan).count() == 1

    # 3. The client asks for something else: the ticket form, pre-filled with the refusal.
    alert.get_by_role("link", name="The client asks for something else").click()
    form = page.locator("#ticket-panel")
    expect(form.get_by_role("heading", name="The client asks for something else")).to_be_visible()
    for code in LEGS_AND_FEET:
        expect(form.locator(f'input[name="add_regions"][value="{code}"]')).to_be_checked()
    form.get_by_label("What the client asks for, in their words").fill(
        "Can you also do my legs and feet? They ache after running.")
    form.get_by_role("button", name="Send to Dr Reyes").click()
    script = page.locator("#ticket-panel .script")
    expect(script).to_contain_text("Your plan from Dr Reyes covers 30 minutes on your neck for "
                                   "now. I've sent them your request about your legs and feet, "
                                   "and you'll hear back by")
    expect(page.locator("#plan-tickets")).to_contain_text("open")
    ticket = ConsultTicket.objects.get(plan=plan)
    assert sorted(ticket.add_regions) == sorted(LEGS_AND_FEET)
    desk.sign_out()

    # 4. The chiropractor approves from the inbox, in one step.
    desk.sign_in("chiro")
    row = page.locator(f"#ticket-{ticket.pk}")
    for change in ("+ Left lower limb", "+ Right lower limb", "+ Left foot", "+ Right foot"):
        expect(row.locator(".changes").first).to_contain_text(change)
    # Approving asks once, showing what will be signed.
    row.locator("details.confirm > summary").click()
    expect(row.locator("details.confirm")).to_contain_text("You sign version 2")
    expect(page.locator("#inbox-count")).to_contain_text("1 open request for you")
    row.get_by_role("button", name=re.compile("^Sign version 2")).click()
    expect(page.locator(f"#ticket-{ticket.pk}")).to_contain_text("Approved: version 2")
    # The inbox updates in place: its count and the decided list.
    expect(page.locator("#inbox-count")).to_contain_text("No open request for you")
    expect(page.locator("#decided")).to_contain_text(f"Ticket #{ticket.pk}")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.APPROVED
    desk.sign_out()

    # 5. The therapist hears back: the bell, the worklist row and the plan card say so; then
    #    they see version 2 and log legs and feet.
    desk.sign_in("therapist")
    expect(page.locator("#bell")).to_contain_text("1")
    expect(page.locator("table.worklist")).to_contain_text(
        f"Ticket #{ticket.pk} approved: legs and feet now allowed")
    page.locator("#bell").click()
    expect(page.locator("#notification-list")).to_contain_text("approved your ticket")
    desk.go(f"/plans/{plan.pk}/")
    expect(page.locator("#plan-decision")).to_contain_text("approved: legs and feet now allowed")
    expect(page.locator(".page-head")).to_contain_text("version 2")
    expect(page.locator("#plan-history")).to_contain_text("+ Left foot")
    log = page.locator("#log-panel")
    for code in LEGS_AND_FEET:  # now in the plan: listed first, ticked by hand
        log.locator(f'input[name="regions"][value="{code}"]').check()
    for code in ["cervical", *LEGS_AND_FEET]:
        expect(log.locator(f'input[name="regions"][value="{code}"]')).to_be_checked()
    log.get_by_role("button", name="Log session").click()
    expect(page.locator("#log-panel .success")).to_contain_text("Left foot")
    expect(page.locator("#plan-usage")).to_contain_text("2sessions used")
    latest = TherapySession.objects.filter(plan=plan).order_by("-id").first()
    assert set(latest.regions) == {"cervical", *LEGS_AND_FEET}
    assert latest.plan_version.number == 2

    assert desk.errors == []


def test_idle_logoff_warns_a_minute_before_and_signs_out(screen, demo, settings):
    settings.SESSION_IDLE_MINUTES = 2
    desk = screen()
    page = desk.page
    page.clock.install()
    desk.sign_in("therapist")
    warning = page.locator("#idle-warning")
    expect(warning).to_be_hidden()
    page.clock.run_for(61_000)
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("signs you out in")
    expect(page.locator("#idle-stay")).to_be_focused()
    # "Stay signed in" renews the session and hides the warning.
    page.locator("#idle-stay").click()
    expect(warning).to_be_hidden()
    desk.go(f"/plans/{demo.pk}/")
    page.clock.run_for(125_000)
    page.wait_for_url("**/accounts/login/?reason=idle**")
    # The sign-in page says why, and leads back to the page that was open.
    expect(page.locator("#idle-notice")).to_contain_text("You were signed out after 2 minutes")
    page.fill("#id_username", "therapist")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/plans/{demo.pk}/")
    page.locator("#logout-form button").click()
    desk.go("/")
    assert "/accounts/login/" in page.url  # signed out for real
    assert desk.errors == []


def test_the_log_form_works_from_the_keyboard_with_a_visible_focus(screen, demo):
    desk = screen("tablet")
    page = desk.page
    desk.sign_in("therapist")
    desk.go(f"/plans/{demo.pk}/")
    page.focus("#log-cervical")
    page.keyboard.press("Space")
    page.focus("#log-notes")
    page.keyboard.type("Neck only today")
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => {
        const el = document.activeElement, style = getComputedStyle(el);
        return {text: el.textContent.trim(), outline: style.outlineStyle,
                width: parseFloat(style.outlineWidth)};
    }""")
    assert focused["text"] == "Log session"
    assert focused["outline"] != "none" and focused["width"] >= 2
    page.keyboard.press("Enter")
    expect(page.locator("#log-panel .success")).to_contain_text("Session logged")
    assert TherapySession.objects.get(plan=demo).notes == "Neck only today"
    assert desk.errors == []
