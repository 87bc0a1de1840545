"""No request costs more than linear work in what it sends (issue 13, finding 1).

A therapist's session with 400,000 distinct technique names once took about 25 minutes of CPU
(de-duplicating in a list is quadratic). The lists are now bounded, and the de-duplication is
linear whatever the caller hands the services (commands and tasks call them directly).
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from plans.validation import MAX_TECHNIQUES, clean_regions, clean_techniques
from sessions.models import TherapySession

pytestmark = pytest.mark.django_db


def test_a_huge_technique_list_is_refused_at_once_by_the_service_checks():
    names = [f"t{i}" for i in range(60_000)]  # distinct: the quadratic case
    started = time.perf_counter()
    with pytest.raises(ValidationError) as refused:
        clean_techniques("techniques", names)
    assert time.perf_counter() - started < 0.5
    assert f"at most {MAX_TECHNIQUES}" in refused.value.message_dict["techniques"][0]


def test_a_huge_iterator_of_techniques_is_refused_without_reading_it_all():
    endless = (f"t{i}" for i in range(10**9))
    started = time.perf_counter()
    with pytest.raises(ValidationError):
        clean_techniques("techniques", endless)
    assert time.perf_counter() - started < 0.5


def test_techniques_up_to_the_limit_are_kept_once_each_in_order():
    names = [" Swedish", "trigger point", "Swedish ", *[f"n{i}" for i in range(MAX_TECHNIQUES - 3)]]
    assert clean_techniques("techniques", names) == [
        "Swedish", "trigger point", *[f"n{i}" for i in range(MAX_TECHNIQUES - 3)]]


def test_more_region_entries_than_regions_exist_is_refused():
    with pytest.raises(ValidationError) as refused:
        clean_regions("regions", ["cervical"] * 100_000)
    assert "regions" in refused.value.message_dict


def test_a_session_with_thousands_of_techniques_is_a_quick_400(api, plan, therapist):
    body = {"plan": plan.pk, "started_at": (timezone.now() - dt.timedelta(minutes=5)).isoformat(),
            "duration_minutes": 30, "regions": ["cervical"],
            "techniques": [f"{i:03x}" for i in range(40_000)]}
    started = time.perf_counter()
    answer = api(therapist).post("/api/sessions/", body, format="json")
    assert time.perf_counter() - started < 1.0
    assert answer.status_code == 400
    assert "techniques" in answer.json()["errors"]
    assert not TherapySession.objects.exists()


# --- the page forms ----------------------------------------------------------------------------

def _page_forms():
    from django import forms

    import clinic.audit.api
    import plans.forms
    import referrals.forms
    import sessions.forms

    for module in (plans.forms, sessions.forms, referrals.forms, clinic.audit.api):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.Form) \
                    and value is not forms.Form:
                yield value


def test_every_text_field_of_every_page_form_has_a_maximum_length():
    from django import forms

    unbounded = [f"{form.__name__}.{name}" for form in _page_forms()
                 for name, field in form.base_fields.items()
                 if isinstance(field, forms.CharField) and field.max_length is None]
    assert unbounded == []


def test_the_techniques_line_of_a_form_names_at_most_the_limit():
    from plans.forms import TechniquesField

    field = TechniquesField(max_length=1000, required=False)
    assert len(field.clean(", ".join(f"n{i}" for i in range(MAX_TECHNIQUES)))) == MAX_TECHNIQUES
    with pytest.raises(ValidationError):
        field.clean(", ".join(f"n{i}" for i in range(MAX_TECHNIQUES + 1)))


def test_a_decline_reason_over_its_limit_is_a_400_from_the_page(client, chiro, plan, therapist):
    from referrals.models import ConsultTicket, TicketStatus
    from referrals.services import ticket_raise

    ticket = ticket_raise(plan=plan, raised_by=therapist, client_request="Feet?",
                          add_regions=["foot_left"])
    client.force_login(chiro)
    answer = client.post(f"/tickets/{ticket.pk}/decline/", {"reason": "x" * 100_000})
    assert answer.status_code == 400
    assert ConsultTicket.objects.get(pk=ticket.pk).status == TicketStatus.OPEN


def test_an_approval_note_over_its_limit_is_refused_not_dropped(client, chiro, plan, therapist):
    from referrals.models import ConsultTicket, TicketStatus
    from referrals.services import ticket_raise

    ticket = ticket_raise(plan=plan, raised_by=therapist, client_request="Feet?",
                          add_regions=["foot_left"])
    client.force_login(chiro)
    answer = client.post(f"/tickets/{ticket.pk}/approve/", {"note": "x" * 20_000})
    assert answer.status_code == 400
    assert ConsultTicket.objects.get(pk=ticket.pk).status == TicketStatus.OPEN
