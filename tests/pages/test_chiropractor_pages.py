"""The chiropractor's pages: approving asks once with what will be signed; the inbox updates
in place; an amendment shows its change summary before signing."""

from __future__ import annotations

import re

import pytest

from referrals.models import TicketStatus
from tests.factories import make_ticket
from tests.pages.conftest import HTMX

pytestmark = pytest.mark.django_db


def test_approving_shows_what_will_be_signed_and_asks_once(web, therapist, chiro, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    html = web(chiro).get("/").content.decode()
    row = html[html.index(f'id="ticket-{ticket.pk}"'):]
    confirm = row[row.index('<details class="confirm">'):row.index("</details>")]
    assert "You sign version 2 of Casey Client’s plan" in confirm
    for change in ("+ Left lower limb", "+ Right foot"):
        assert change in confirm
    assert re.search(r'<button type="submit" class="button button--ok">Sign version 2', confirm)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN  # opening the question changes nothing


def test_the_inbox_count_and_decided_list_update_in_place(web, therapist, chiro, plan):
    first = make_ticket(plan=plan, raised_by=therapist)
    make_ticket(plan=plan, raised_by=therapist, session_minutes=45)
    client = web(chiro)
    assert "2 open requests for you" in client.get("/").content.decode()
    html = client.post(f"/tickets/{first.pk}/approve/", {"note": ""}, **HTMX).content.decode()
    assert 'id="inbox-count" role="status" hx-swap-oob="true">1 open request for you' in html
    decided = html[html.index('id="decided"'):]
    assert f"Ticket #{first.pk}</a>" in decided and "Nothing decided yet" not in decided
    assert html.count('class="success"') == 1  # one message, not two


def test_an_amendment_shows_its_change_summary_before_signing(web, chiro, plan):
    version = plan.current_version
    data = {"scope-cervical": "treat", "scope-foot_left": "avoid", "session_minutes": "45",
            "sessions_authorized": str(version.sessions_authorized),
            "sessions_per_week": str(version.sessions_per_week),
            "valid_from": version.valid_from.isoformat(),
            "valid_until": version.valid_until.isoformat(), "reason": "",
            "based_on_version": "1"}
    html = web(chiro).post(f"/plans/{plan.pk}/amend/preview/", data, **HTMX).content.decode()
    assert "Signing version 2 changes" in html
    assert "avoid + Left foot" in html and "30 → 45 min" in html
    page = web(chiro).get(f"/plans/{plan.pk}/amend/").content.decode()
    assert 'id="change-summary"' in page and 'name="based_on_version"' in page
    assert page.index('id="change-summary"') < page.index("Sign version 2")


def test_only_the_prescriber_previews_an_amendment(web, chiro2, therapist, plan):
    assert web(chiro2).post(f"/plans/{plan.pk}/amend/preview/", {}).status_code == 403
    assert web(therapist).post(f"/plans/{plan.pk}/amend/preview/", {}).status_code == 403
