"""The review's lower findings (issue 13, finding 10): no caching of patient data, numbers
parsed one way, seed_demo never resets a real account."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from clinic.models import Role, User
from clinic.numbers import whole_number

pytestmark = pytest.mark.django_db


# --- Cache-Control -------------------------------------------------------------------------

def test_api_answers_and_pages_with_patient_data_are_never_stored(api, client, therapist, plan):
    for answer in (api(therapist).get("/api/sessions/"),
                   api(therapist).get(f"/api/plans/{plan.pk}/"),
                   api().get("/api/sessions/")):
        assert "no-store" in answer["Cache-Control"]
    client.force_login(therapist)
    for path in (f"/plans/{plan.pk}/", f"/patients/{plan.patient_id}/", "/"):
        assert "no-store" in client.get(path)["Cache-Control"], path


# --- numbers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["²", "٣", "１２", " 12", "12.0", "-3", "0", "9" * 20, ""])
def test_only_ascii_digits_in_range_are_a_whole_number(text):
    assert whole_number(text) is None


def test_a_whole_number_in_range_is_read():
    assert whole_number("12") == 12 and whole_number(7) == 7 and whole_number(True) is None
    assert whole_number("481", high=480) is None


def test_the_audit_list_with_a_superscript_actor_is_not_a_500(api, clinic_admin):
    answer = api(clinic_admin).get("/api/audit/?actor=²")
    assert answer.status_code == 200 and answer.json()["results"] == []


def test_the_new_plan_page_with_a_superscript_patient_is_a_400(client, chiro):
    client.force_login(chiro)
    assert client.get("/plans/new/?patient=²").status_code == 400


def test_the_ticket_form_ignores_a_superscript_minutes_prefill(client, therapist, plan):
    client.force_login(therapist)
    answer = client.get(f"/plans/{plan.pk}/tickets/new/?session_minutes=²")
    assert answer.status_code == 200
    filled = client.get(f"/plans/{plan.pk}/tickets/new/?session_minutes=45")
    assert b'value="45"' in filled.content


# --- seed_demo -------------------------------------------------------------------------------

def seed(**options):
    call_command("seed_demo", stdout=StringIO(), **options)


def test_seed_demo_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        seed()
    assert not User.objects.exists()
    seed(force=True)
    assert User.objects.filter(username="chiro").exists()


def test_seed_demo_never_resets_a_real_account_named_like_a_demo_user(settings, clinic):
    settings.DEBUG = True
    real = User.objects.create_user("admin", password="the-real-admins-passphrase",
                                    clinic=clinic, role=Role.ADMIN, email="boss@clinic.example")
    with pytest.raises(CommandError, match="admin"):
        seed(force=True)
    real.refresh_from_db()
    assert real.check_password("the-real-admins-passphrase")
    assert not User.objects.filter(username="chiro").exists()  # nothing half-done


def test_seed_demo_runs_again_over_its_own_demo_users(settings):
    settings.DEBUG = True
    seed()
    seed(password="another-demo-pass")
    assert User.objects.get(username="chiro").check_password("another-demo-pass")
