"""The second factor (issue 13): TOTP enrolment in the browser with recovery codes, the code
asked at every sign-in of an enrolled person (page and API), MFA_REQUIRED for chiropractors
and admins, and enrolment, removal and an admin's reset in the audit trail."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.accounts import mfa
from clinic.audit.models import AuditEntry

PASSWORD = "a-long-test-password"


def code_for(device: TOTPDevice, *, drift: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"  # noqa: E501


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    device = mfa.totp_start(user=user)
    codes = mfa.totp_confirm(user=user, code=code_for(device))
    device.refresh_from_db()
    device.last_t = -1  # let the same time step be used again by the test's sign-in
    device.save()
    return device, codes


def unthrottle(device: TOTPDevice) -> None:
    """django-otp waits 1 s (doubling) after a wrong code; the test does not sleep."""
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None,
                                                   throttling_failure_count=0, last_t=-1)


def page_sign_in(client, username="chiro"):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


# --- enrolment in the browser ----------------------------------------------------------------

def test_enrolment_shows_a_qr_code_then_recovery_codes_once(client, chiro):
    client.force_login(chiro)
    page = client.post("/accounts/second-factor/", {"action": "start"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "otpauth://totp/" in body
    device = TOTPDevice.objects.get(user=chiro, confirmed=False)
    wrong = client.post("/accounts/second-factor/", {"action": "confirm", "code": "000000"})
    assert wrong.status_code == 400 and not mfa.mfa_enrolled(chiro)
    unthrottle(device)
    done = client.post("/accounts/second-factor/", {"action": "confirm",
                                                    "code": code_for(device)})
    assert done.status_code == 200 and mfa.mfa_enrolled(chiro)
    codes = done.context["codes"]
    assert len(codes) == 10 and all(c in done.content.decode() for c in codes)
    assert "Your recovery codes" not in client.get("/accounts/second-factor/").content.decode()
    entry = AuditEntry.objects.filter(action="permission_change", actor=chiro).latest("id")
    assert entry.detail == {"user": "chiro", "second_factor": "enrolled"}


# --- browser sign-in ---------------------------------------------------------------------------

def test_an_enrolled_person_enters_a_code_before_any_page(client, chiro, plan):
    device, _ = enrol(chiro)
    assert page_sign_in(client).status_code == 302
    blocked = client.get(f"/plans/{plan.pk}/")
    assert blocked.status_code == 302 and blocked["Location"].startswith("/accounts/otp/")
    assert client.get("/api/me/").status_code == 403  # the API with the session cookie too
    assert client.post("/accounts/otp/", {"code": "123456" if code_for(device) != "123456"
                                          else "654321"}).status_code == 400
    unthrottle(device)
    done = client.post("/accounts/otp/", {"code": code_for(device),
                                          "next": f"/plans/{plan.pk}/"})
    assert done.status_code == 302 and done["Location"] == f"/plans/{plan.pk}/"
    assert client.get(f"/plans/{plan.pk}/").status_code == 200


def test_a_recovery_code_works_once(client, chiro):
    _, codes = enrol(chiro)
    page_sign_in(client)
    assert client.post("/accounts/otp/", {"code": codes[0]}).status_code == 302
    assert client.get("/").status_code == 200
    client.logout()
    page_sign_in(client)
    assert client.post("/accounts/otp/", {"code": codes[0]}).status_code == 400


def test_five_wrong_codes_end_the_half_finished_sign_in(client, chiro):
    device, _ = enrol(chiro)
    page_sign_in(client)
    wrong = "111111" if code_for(device) != "111111" else "222222"
    for _ in range(4):
        assert client.post("/accounts/otp/", {"code": wrong}).status_code == 400
    # The fifth is the sign-in lockout's (django-axes counts wrong codes like wrong passwords).
    assert client.post("/accounts/otp/", {"code": wrong}).status_code == 429
    assert client.get("/")["Location"].startswith("/accounts/login/")  # signed out
    assert AuditEntry.objects.filter(action__in=["login_failed", "lockout"],
                                     actor_username="chiro").exists()


def test_a_person_without_a_second_factor_signs_in_as_before(client, therapist):
    page_sign_in(client, "therapist")
    assert client.get("/").status_code == 200


@override_settings(MFA_REQUIRED=True)
def test_required_roles_must_enrol_first_therapists_need_not(client, chiro, therapist):
    page_sign_in(client)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(
        "/accounts/second-factor/")
    assert client.get("/accounts/second-factor/").status_code == 200
    client.logout()
    page_sign_in(client, "therapist")
    assert client.get("/").status_code == 200


# --- the API's token ---------------------------------------------------------------------------

def test_the_token_endpoint_asks_an_enrolled_person_for_the_code(api, chiro):
    device, _ = enrol(chiro)
    body = {"username": "chiro", "password": PASSWORD}
    missing = api().post("/api/auth/token/", body, format="json")
    assert missing.status_code == 400
    assert missing.json()["code"] == "otp_required" and "token" not in missing.json()
    wrong = "999999" if code_for(device) != "999999" else "888888"
    assert api().post("/api/auth/token/", {**body, "otp": wrong},
                      format="json").json()["code"] == "otp_required"
    unthrottle(device)
    ok = api().post("/api/auth/token/", {**body, "otp": code_for(device)}, format="json")
    assert ok.status_code == 200 and ok.json()["token"]


@override_settings(MFA_REQUIRED=True)
def test_with_mfa_required_an_unenrolled_chiropractor_gets_no_token(api, chiro, therapist):
    response = api().post("/api/auth/token/", {"username": "chiro", "password": PASSWORD},
                          format="json")
    assert (response.status_code, response.json()["code"]) == (400, "otp_required")
    assert api().post("/api/auth/token/", {"username": "therapist", "password": PASSWORD},
                      format="json").status_code == 200


@pytest.mark.parametrize("otp", ["", "12", "x" * 16])
def test_odd_codes_are_refused_not_errors(api, chiro, otp):
    enrol(chiro)
    response = api().post("/api/auth/token/", {"username": "chiro", "password": PASSWORD,
                                               "otp": otp}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "otp_required")


# --- removal and an admin's reset ------------------------------------------------------------

def test_removal_needs_a_current_code_and_is_audited(client, chiro):
    device, _ = enrol(chiro)
    client.force_login(chiro)
    client.post("/accounts/otp/", {"code": code_for(device)})
    assert client.post("/accounts/second-factor/", {"action": "remove",
                                                    "code": "nonsense"}).status_code == 400
    assert mfa.mfa_enrolled(chiro)
    unthrottle(device)
    assert client.post("/accounts/second-factor/", {"action": "remove",
                                                    "code": code_for(device)}).status_code == 302
    assert not mfa.mfa_enrolled(chiro)
    entry = AuditEntry.objects.filter(action="permission_change", actor=chiro).latest("id")
    assert entry.detail == {"user": "chiro", "second_factor": "removed"}


def test_an_admin_resets_a_lost_second_factor_of_their_clinic_only(
        client, chiro, clinic_admin, other_clinic):
    from tests.factories import ChiropractorFactory

    enrol(chiro)
    outsider = ChiropractorFactory(clinic=other_clinic, username="other_chiro")
    enrol(outsider)
    client.force_login(clinic_admin)
    page = client.get("/accounts/staff/")
    assert page.status_code == 200 and "Reset second factor" in page.content.decode()
    assert client.post(f"/accounts/staff/{outsider.pk}/second-factor/reset/").status_code == 404
    assert mfa.mfa_enrolled(outsider)
    assert client.post(f"/accounts/staff/{chiro.pk}/second-factor/reset/").status_code == 302
    assert not mfa.mfa_enrolled(chiro)
    entry = AuditEntry.objects.filter(action="permission_change", actor=clinic_admin).latest("id")
    assert entry.detail == {"user": "chiro", "second_factor": "reset by admin"}


def test_only_admins_see_the_staff_page(client, chiro):
    client.force_login(chiro)
    assert client.get("/accounts/staff/").status_code == 403


def test_a_clinic_admin_cannot_read_anyones_totp_key_in_the_django_admin(client, chiro,
                                                                         clinic_admin):
    device, _ = enrol(chiro)
    client.force_login(clinic_admin)
    for path in ("/admin/otp_totp/totpdevice/", f"/admin/otp_totp/totpdevice/{device.pk}/change/",
                 "/admin/otp_static/staticdevice/"):
        response = client.get(path)
        assert response.status_code in (302, 403), path
        assert device.key not in response.content.decode()
