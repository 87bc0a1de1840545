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
    expect(log.get_by_role("checkbox", name="Cervical spine (neck)")).to_be_checked()
    log.get_by_role("button", name="Log session").click()
    expect(page.locator("#log-panel .success")).to_contain_text(
        "Session logged: 30 min, Cervical spine (neck).")
    expect(page.locator("#plan-usage")).to_contain_text("1sessions used")
    expect(page.locator("#plan-usage")).to_contain_text("7left of 8")
    assert TherapySession.objects.filter(plan=plan).count() == 1

    # 2. Legs and feet: two picked on the map, two with their checkboxes; refused inline.
    log = page.locator("#log-panel")
    log.locator('.bodymap .region[data-region="leg_left"]').first.click()
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
    expect(page.locator("#plan-usage")).to_contain_text("1sessions used")
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
    expect(script).to_contain_text("Dr Reyes prescribed 30 minutes for your cervical spine "
                                   "(neck); I've sent your request to Dr Reyes; you'll hear "
                                   "back by")
    expect(page.locator("#plan-tickets")).to_contain_text("open")
    ticket = ConsultTicket.objects.get(plan=plan)
    assert sorted(ticket.add_regions) == sorted(LEGS_AND_FEET)
    desk.sign_out()

    # 4. The chiropractor approves from the inbox, in one step.
    desk.sign_in("chiro")
    row = page.locator(f"#ticket-{ticket.pk}")
    for change in ("+ Left lower limb", "+ Right lower limb", "+ Left foot", "+ Right foot"):
        expect(row.locator(".changes")).to_contain_text(change)
    row.get_by_role("button", name=re.compile("^Approve")).click()
    expect(page.locator(f"#ticket-{ticket.pk}")).to_contain_text("Approved: version 2")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.APPROVED
    desk.sign_out()

    # 5. The therapist sees version 2 and logs legs and feet.
    desk.sign_in("therapist")
    desk.go(f"/plans/{plan.pk}/")
    expect(page.locator(".page-head")).to_contain_text("version 2")
    expect(page.locator("#plan-history")).to_contain_text("+ Left foot")
    log = page.locator("#log-panel")
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
    page.clock.run_for(125_000)
    page.wait_for_url("**/accounts/login/")
    desk.go("/")
    assert "/accounts/login/" in page.url  # the server session is gone too
    assert desk.errors == []


def test_the_log_form_works_from_the_keyboard_with_a_visible_focus(screen, demo):
    desk = screen("tablet")
    page = desk.page
    desk.sign_in("therapist")
    desk.go(f"/plans/{demo.pk}/")
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
