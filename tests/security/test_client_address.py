"""Whose address is it? (issue 13, finding 8)

X-Forwarded-For is read only when the connection comes from a proxy in TRUSTED_PROXIES;
anyone else is known by their own address in the audit trail, the lockout and the rate limits.
Sign-in is rate-limited per address and per username, on the page and the API alike.
"""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from clinic.audit.models import AuditEntry
from clinic.audit.net import client_ip

RIGHT = "a-long-test-password"


def address(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_without_trusted_proxies_the_peer_is_the_client(settings):
    settings.TRUSTED_PROXIES = []
    assert address("198.51.100.7", "203.0.113.9") == "198.51.100.7"


def test_a_forwarded_address_counts_only_from_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    assert address("10.0.0.2", "203.0.113.9") == "203.0.113.9"
    # Someone who reaches the app's port directly cannot pick an address.
    assert address("198.51.100.7", "203.0.113.9") == "198.51.100.7"


def test_hops_added_before_our_proxy_are_not_believed(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # The client wrote "1.2.3.4" itself; our proxy appended the address it saw.
    assert address("10.0.0.2", "1.2.3.4, 203.0.113.9") == "203.0.113.9"
    # Two of our proxies in a row: the first address neither of them owns.
    assert address("10.0.0.2", "1.2.3.4, 203.0.113.9, 10.0.0.3") == "203.0.113.9"
    # Garbage where an address belongs: the last good hop stands.
    assert address("10.0.0.2", "junk") == "10.0.0.2"


@pytest.mark.django_db
def test_the_audit_trail_records_the_peer_not_a_forged_header(api, therapist, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    api().post("/api/auth/token/", {"username": "therapist", "password": RIGHT}, format="json",
               REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert AuditEntry.objects.get(action="login").ip == "198.51.100.7"
    api().post("/api/auth/token/", {"username": "therapist", "password": RIGHT}, format="json",
               REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert AuditEntry.objects.filter(action="login").order_by("-id")[0].ip == "203.0.113.66"


@pytest.mark.django_db
def test_a_forged_header_does_not_dodge_the_lockout_in_production_settings(api, therapist,
                                                                           settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    for i in range(5):
        api().post("/api/auth/token/", {"username": "therapist", "password": "wrong-password"},
                   format="json", REMOTE_ADDR="198.51.100.7",
                   HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    locked = api().post("/api/auth/token/", {"username": "therapist", "password": RIGHT},
                        format="json", REMOTE_ADDR="198.51.100.7",
                        HTTP_X_FORWARDED_FOR="203.0.113.200")
    assert locked.status_code == 429


# --- sign-in rate limits -------------------------------------------------------------------

@pytest.fixture
def three_a_minute(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": "3/min"}}
    settings.AXES_FAILURE_LIMIT = 100  # the rate limit, not the lockout, is under test


@pytest.mark.django_db
def test_token_requests_are_limited_per_address(api, therapist, therapist2, three_a_minute):
    for name in ("nobody1", "nobody2", "nobody3"):
        assert api().post("/api/auth/token/", {"username": name, "password": "x"},
                          format="json", REMOTE_ADDR="198.51.100.7").status_code == 400
    over = api().post("/api/auth/token/", {"username": "therapist", "password": RIGHT},
                      format="json", REMOTE_ADDR="198.51.100.7")
    assert over.status_code == 429 and int(over["Retry-After"]) > 0
    assert "token" not in over.json()
    # Another address is not held back.
    assert api().post("/api/auth/token/", {"username": "therapist2", "password": RIGHT},
                      format="json", REMOTE_ADDR="198.51.100.8").status_code == 200


@pytest.mark.django_db
def test_sign_ins_are_limited_per_username_across_addresses(api, client, therapist,
                                                            three_a_minute):
    for i in range(3):
        api().post("/api/auth/token/", {"username": "therapist", "password": "wrong"},
                   format="json", REMOTE_ADDR=f"198.51.100.{i}")
    # The page and the API share the count: the fourth try, from a fourth address, waits.
    page = client.post("/accounts/login/", {"username": "Therapist", "password": RIGHT},
                       REMOTE_ADDR="198.51.100.50")
    assert page.status_code == 429 and int(page["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_login_page_is_limited_per_address(client, therapist, three_a_minute):
    for i in range(3):
        client.post("/accounts/login/", {"username": f"nobody{i}", "password": "x"},
                    REMOTE_ADDR="198.51.100.7")
    assert client.post("/accounts/login/", {"username": "therapist", "password": RIGHT},
                       REMOTE_ADDR="198.51.100.7").status_code == 429
    # Showing the form is never limited.
    assert client.get("/accounts/login/", REMOTE_ADDR="198.51.100.7").status_code == 200


@pytest.mark.django_db
def test_an_anonymous_api_caller_is_known_by_the_peer_not_the_header(api, settings):
    from rest_framework.request import Request

    from clinic.api.throttles import WriteRateThrottle

    settings.TRUSTED_PROXIES = []
    a = RequestFactory().post("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.1.1.1")
    b = RequestFactory().post("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="2.2.2.2")
    throttle = WriteRateThrottle()
    assert throttle.get_ident(Request(a)) == throttle.get_ident(Request(b)) == "198.51.100.7"
