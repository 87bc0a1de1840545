"""Password changes are in the audit trail; reset by e-mail is off (issue 13, finding 4).

An admin who sets a chiropractor's password in Django's admin, then signs in as them, leaves
a trail that says so: the password change names the admin and the account.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from clinic.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

NEW = "a-brand-new-long-passphrase-42"


def changes():
    return list(AuditEntry.objects.filter(action="password_change").order_by("id"))


def test_an_admin_setting_anothers_password_in_the_admin_is_audited(client, clinic_admin,
                                                                     chiro):
    client.force_login(clinic_admin)
    answer = client.post(f"/admin/clinic/user/{chiro.pk}/password/",
                         {"password1": NEW, "password2": NEW, "usable_password": "true"})
    assert answer.status_code == 302, answer.content[:500]
    chiro.refresh_from_db()
    assert chiro.check_password(NEW)
    [entry] = changes()
    assert entry.actor_id == clinic_admin.pk and entry.object_id == str(chiro.pk)
    assert entry.clinic_id == chiro.clinic_id
    assert entry.detail == {"user": "chiro", "by": "other"}
    assert NEW not in str(entry.detail) and chiro.password not in str(entry.detail)


def test_changing_ones_own_password_on_the_page_is_audited(client, therapist):
    client.force_login(therapist)
    answer = client.post("/accounts/password_change/", {
        "old_password": "a-long-test-password", "new_password1": NEW, "new_password2": NEW})
    assert answer.status_code == 302
    [entry] = changes()
    assert entry.actor_id == therapist.pk and entry.detail["by"] == "self"
    assert entry.path == "/accounts/password_change/"


def test_a_refused_password_change_is_not_recorded_as_a_change(client, therapist):
    client.force_login(therapist)
    client.post("/accounts/password_change/", {
        "old_password": "wrong", "new_password1": NEW, "new_password2": NEW})
    assert changes() == []


def test_the_changepassword_command_is_audited_as_the_system(therapist, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: NEW)
    call_command("changepassword", "therapist", stdout=StringIO())
    [entry] = changes()
    assert entry.actor_id is None and entry.detail == {"user": "therapist", "by": "system"}


def test_an_ordinary_save_of_a_user_records_no_password_change(therapist):
    therapist.first_name = "Terry"
    therapist.save()
    assert changes() == []


@pytest.mark.parametrize("path", ["/accounts/password_reset/", "/accounts/password_reset/done/",
                                  "/accounts/reset/MQ/set-password/",
                                  "/accounts/reset/done/"])
def test_password_reset_by_email_is_not_offered(client, therapist, path):
    assert client.get(path).status_code == 404
    assert client.post(path, {"email": therapist.email or "t@example.com"}).status_code == 404
    assert mail.outbox == []


def test_the_audit_page_says_whose_password_was_set(client, clinic_admin, chiro):
    client.force_login(clinic_admin)
    client.post(f"/admin/clinic/user/{chiro.pk}/password/",
                {"password1": NEW, "password2": NEW, "usable_password": "true"})
    page = client.get("/audit/").content.decode()
    assert "Set the password of chiro" in page
