"""API tokens (issue 13): hashed, one per device, expiring when idle and after a maximum,
revoked at sign-out, password change, deactivation, and by the person or their admin."""

from __future__ import annotations

import datetime as dt
import hashlib
from unittest import mock

import pytest
from django.utils import timezone

from clinic.accounts.models import ApiToken
from clinic.audit.models import AuditEntry

PASSWORD = "a-long-test-password"


def sign_in(api, username, device=""):
    body = {"username": username, "password": PASSWORD}
    if device:
        body["device"] = device
    response = api().post("/api/auth/token/", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def client_with(api, token):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_the_token_is_stored_only_as_a_hash(api, therapist):
    token = sign_in(api, "therapist")
    [row] = ApiToken.objects.filter(user=therapist)
    assert row.digest == hashlib.sha512(token.encode()).hexdigest()
    stored = [str(v) for v in ApiToken.objects.filter(user=therapist).values_list().get()]
    assert token not in stored


def test_each_sign_in_is_its_own_device_and_both_work(api, therapist):
    desk = sign_in(api, "therapist", device="front desk")
    phone = sign_in(api, "therapist", device="phone")
    assert desk != phone
    for token in (desk, phone):
        assert client_with(api, token).get("/api/me/").status_code == 200
    listed = client_with(api, desk).get("/api/auth/tokens/").json()
    assert {t["device"] for t in listed} == {"front desk", "phone"}
    assert [t["current"] for t in listed if t["device"] == "front desk"] == [True]


def test_sign_out_stops_that_token_at_once_and_no_other(api, therapist):
    desk, phone = sign_in(api, "therapist"), sign_in(api, "therapist")
    assert client_with(api, desk).post("/api/auth/logout/").status_code == 204
    assert client_with(api, desk).get("/api/me/").status_code == 401
    assert client_with(api, phone).get("/api/me/").status_code == 200
    assert AuditEntry.objects.filter(action="logout", actor=therapist).count() == 1


def _at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_a_token_unused_for_the_idle_time_stops_working(api, therapist):
    start = timezone.now()
    with _at(start):
        token = sign_in(api, "therapist")
    with _at(start + dt.timedelta(minutes=25)):
        assert client_with(api, token).get("/api/me/").status_code == 200  # slides the expiry
    with _at(start + dt.timedelta(minutes=50)):
        assert client_with(api, token).get("/api/me/").status_code == 200  # 25 min idle
    with _at(start + dt.timedelta(minutes=81)):
        assert client_with(api, token).get("/api/me/").status_code == 401  # 31 min idle


def test_a_token_in_constant_use_still_ends_after_the_maximum(api, therapist):
    start = timezone.now()
    with _at(start):
        token = sign_in(api, "therapist")
    minute = 0
    while minute < 12 * 60:  # used every 20 minutes for 12 hours
        with _at(start + dt.timedelta(minutes=minute)):
            assert client_with(api, token).get("/api/me/").status_code == 200, minute
        minute += 20
    with _at(start + dt.timedelta(hours=12, minutes=1)):
        assert client_with(api, token).get("/api/me/").status_code == 401


def test_a_password_change_revokes_every_token(api, therapist):
    token = sign_in(api, "therapist")
    therapist.set_password("another-long-password")
    therapist.save()
    assert client_with(api, token).get("/api/me/").status_code == 401
    assert not ApiToken.objects.filter(user=therapist).exists()


def test_deactivation_revokes_every_token(api, therapist):
    token = sign_in(api, "therapist")
    therapist.is_active = False
    therapist.save(update_fields=["is_active"])
    assert client_with(api, token).get("/api/me/").status_code == 401
    assert not ApiToken.objects.filter(user=therapist).exists()


def test_an_unrelated_save_keeps_the_tokens(api, therapist):
    token = sign_in(api, "therapist")
    therapist.first_name = "Terry"
    therapist.save()
    assert client_with(api, token).get("/api/me/").status_code == 200


def test_a_person_revokes_their_own_other_device(api, therapist):
    desk, phone = sign_in(api, "therapist", "desk"), sign_in(api, "therapist", "phone")
    client = client_with(api, desk)
    phone_id = next(t["id"] for t in client.get("/api/auth/tokens/").json()
                    if t["device"] == "phone")
    assert client.delete(f"/api/auth/tokens/{phone_id}/").status_code == 204
    assert client_with(api, phone).get("/api/me/").status_code == 401
    assert client.get("/api/me/").status_code == 200


def test_an_admin_lists_and_revokes_a_colleagues_tokens_and_it_is_audited(
        api, therapist, clinic_admin):
    lost_tablet = sign_in(api, "therapist", "tablet")
    admin = api(clinic_admin)
    [listed] = admin.get(f"/api/auth/tokens/?user={therapist.pk}").json()
    assert (listed["user"], listed["device"]) == ("therapist", "tablet")
    assert admin.delete(f"/api/auth/tokens/{listed['id']}/").status_code == 204
    assert client_with(api, lost_tablet).get("/api/me/").status_code == 401
    entry = AuditEntry.objects.filter(action="permission_change", actor=clinic_admin).latest("id")
    assert entry.detail == {"user": "therapist", "tokens_revoked": 1}


def test_nobody_reaches_another_clinics_tokens(api, therapist, chiro, other_clinic):
    from tests.factories import AdminFactory

    outsider = api(AdminFactory(clinic=other_clinic, username="other_admin"))
    sign_in(api, "therapist")
    token = ApiToken.objects.filter(user=therapist).first()
    assert outsider.get(f"/api/auth/tokens/?user={therapist.pk}").status_code == 400
    assert outsider.delete(f"/api/auth/tokens/{token.pk}/").status_code == 404
    assert api(chiro).delete(f"/api/auth/tokens/{token.pk}/").status_code == 404  # not admin
    assert api(chiro).get("/api/auth/tokens/?user=abc").status_code == 400
    assert ApiToken.objects.filter(pk=token.pk).exists()


@pytest.mark.parametrize("header", ["Token ", "Token x", "Token " + "a" * 300, "Token ÿ"])
def test_malformed_tokens_are_a_401(api, db, header):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/me/").status_code == 401
