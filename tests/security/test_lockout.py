"""No one gets in by guessing passwords: five failures lock that username at that address, on
the login page and on the token endpoint alike, until the cool-off ends or an admin unlocks."""

from __future__ import annotations

from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command

from clinic.audit.models import AuditEntry

RIGHT = "a-long-test-password"


def login(client, username, password, ip="10.0.0.5"):
    return client.post("/accounts/login/", {"username": username, "password": password},
                       REMOTE_ADDR=ip)


def token(api, username, password, ip="10.0.0.5"):
    return api().post("/api/auth/token/", {"username": username, "password": password},
                      format="json", REMOTE_ADDR=ip)


def test_five_wrong_passwords_lock_the_login_page_even_for_the_right_one(client, therapist):
    for _ in range(4):
        assert login(client, "therapist", "wrong-password").status_code == 200
    fifth = login(client, "therapist", "wrong-password")
    assert fifth.status_code == 429
    assert b"Too many failed sign-in attempts" in fifth.content
    locked = login(client, "therapist", RIGHT)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert locked["Retry-After"] == str(30 * 60)


def test_the_token_endpoint_locks_after_five_failures_with_a_json_answer(api, therapist):
    for _ in range(4):
        assert token(api, "therapist", "wrong-password").status_code == 400
    fifth = token(api, "therapist", "wrong-password")
    assert fifth.status_code == 429
    body = fifth.json()
    assert body["code"] == "locked_out" and "admin" in body["detail"]
    assert token(api, "therapist", RIGHT).status_code == 429


def test_a_lockout_is_per_username_and_address(api, therapist, therapist2):
    for _ in range(5):
        token(api, "therapist", "wrong-password")
    # Other people at the same front desk still sign in ...
    assert token(api, "therapist2", RIGHT).status_code == 200
    # ... and a guesser elsewhere has not locked the real user out of their own computer.
    assert token(api, "therapist", RIGHT, ip="10.0.0.99").status_code == 200


def test_x_forwarded_for_does_not_dodge_the_lockout_without_a_trusted_proxy(api, therapist):
    for i in range(5):
        api().post("/api/auth/token/", {"username": "therapist", "password": "wrong-password"},
                   format="json", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    assert token(api, "therapist", RIGHT).status_code == 429


def test_a_success_before_the_limit_resets_the_count(api, therapist):
    for _ in range(4):
        token(api, "therapist", "wrong-password")
    assert token(api, "therapist", RIGHT).status_code == 200
    for _ in range(4):
        assert token(api, "therapist", "wrong-password").status_code == 400


def test_the_lockout_is_in_the_audit_trail_once_per_attempt(api, therapist):
    for _ in range(5):
        token(api, "therapist", "wrong-password")
    actions = list(AuditEntry.objects.filter(actor_username="therapist")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["login_failed"] * 4 + ["lockout"]
    lockout = AuditEntry.objects.get(action="lockout")
    assert (lockout.clinic_id, lockout.ip, lockout.status_code) == (
        therapist.clinic_id, "10.0.0.5", 429)


def test_an_admin_unlocks_with_the_reset_command(api, therapist):
    for _ in range(5):
        token(api, "therapist", "wrong-password")
    call_command("axes_reset_username", "therapist", stdout=StringIO())
    assert token(api, "therapist", RIGHT).status_code == 200
    unlock = AuditEntry.objects.get(action="unlock")
    assert unlock.actor_username == "therapist" and unlock.detail == {"via": "command"}


def test_a_clinic_admin_unlocks_their_staff_in_the_admin(client, api, therapist, clinic_admin,
                                                         other_therapist):
    for _ in range(5):
        token(api, "therapist", "wrong-password")
        token(api, "other_therapist", "wrong-password")
    client.force_login(clinic_admin)
    listing = client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert b"therapist" in listing.content and b"other_therapist" not in listing.content
    attempt = AccessAttempt.objects.get(username="therapist")
    response = client.post(f"/admin/axes/accessattempt/{attempt.id}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert token(api, "therapist", RIGHT).status_code == 200
    assert token(api, "other_therapist", RIGHT).status_code == 429
    unlock = AuditEntry.objects.get(action="unlock")
    assert (unlock.actor_id, unlock.object_type) == (clinic_admin.id, "lockout")


@pytest.mark.parametrize("password, ok", [
    ("short", False), ("123456789012345", False), ("password12345", False),
    ("demo-pass-123", True), ("a-long-test-password", True),
])
def test_passwords_must_be_long_and_uncommon(password, ok, db):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)
