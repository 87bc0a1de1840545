"""Idempotency-Key on POST sessions/ and POST tickets/: a front-desk double click or a retry on
flaky Wi-Fi saves once and gets the first answer back."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from clinic.idempotency.models import IdempotencyRecord
from clinic.idempotency.services import idempotency_purge
from notifications.models import Outbox
from referrals.models import ConsultTicket
from sessions.models import TherapySession

pytestmark = pytest.mark.django_db


def session_body(plan, **overrides) -> dict:
    body = {"plan": plan.pk, "started_at": (timezone.now() - dt.timedelta(minutes=40)).isoformat(),
            "duration_minutes": 30, "regions": ["cervical"]}
    body.update(overrides)
    return body


def post(client, path, body, key=None):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post(path, body, format="json", **headers)


# --- sessions -----------------------------------------------------------------------------

def test_a_double_click_logs_one_session_and_both_clicks_get_the_same_answer(api, therapist,
                                                                             plan):
    client = api(therapist)
    body = session_body(plan)
    first = post(client, "/api/sessions/", body, key="click-1")
    second = post(client, "/api/sessions/", body, key="click-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert TherapySession.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_without_a_key_two_posts_are_two_sessions(api, therapist, plan):
    client = api(therapist)
    post(client, "/api/sessions/", session_body(plan))
    post(client, "/api/sessions/", session_body(plan))
    assert TherapySession.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_the_same_key_with_a_different_body_is_refused_and_saves_nothing(api, therapist, plan):
    client = api(therapist)
    assert post(client, "/api/sessions/", session_body(plan), key="k").status_code == 201
    response = post(client, "/api/sessions/", session_body(plan, duration_minutes=20), key="k")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "idempotency_key_reused"
    assert "new key" in body["detail"]
    assert TherapySession.objects.count() == 1


def test_field_order_does_not_make_a_different_request(api, therapist, plan):
    client = api(therapist)
    body = session_body(plan)
    reordered = dict(reversed(list(body.items())))
    assert post(client, "/api/sessions/", body, key="k").status_code == 201
    assert post(client, "/api/sessions/", reordered, key="k").status_code == 201
    assert TherapySession.objects.count() == 1


def test_keys_belong_to_their_user(api, therapist, therapist2, plan):
    body = session_body(plan)
    assert post(api(therapist), "/api/sessions/", body, key="shared").status_code == 201
    response = post(api(therapist2), "/api/sessions/", body, key="shared")
    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")
    assert set(TherapySession.objects.values_list("therapist__username", flat=True)) == {
        "therapist", "therapist2"}


def test_a_refused_session_is_replayed_as_the_same_409_and_nothing_is_saved(api, therapist,
                                                                           plan):
    client = api(therapist)
    body = session_body(plan, regions=["foot_left"])
    first = post(client, "/api/sessions/", body, key="feet")
    again = post(client, "/api/sessions/", body, key="feet")
    assert first.status_code == again.status_code == 409
    assert again.json() == first.json()
    assert first.json()["violations"][0]["code"] == "region_out_of_scope"
    assert not TherapySession.objects.exists()


@pytest.mark.parametrize("key", ["", "   ", "x" * 256, "caf\u00e9", "tab\there"])
def test_a_malformed_key_is_a_400_naming_the_header(api, therapist, plan, key):
    client = api(therapist)
    response = client.post("/api/sessions/", session_body(plan), format="json",
                           HTTP_IDEMPOTENCY_KEY=key.encode().decode("latin-1"))
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert not TherapySession.objects.exists()


def test_a_key_reused_on_another_endpoint_is_refused(api, therapist, plan):
    client = api(therapist)
    assert post(client, "/api/sessions/", session_body(plan), key="k").status_code == 201
    response = post(client, "/api/tickets/", {"plan": plan.pk, "client_request": "feet",
                                              "add_regions": ["foot_left"]}, key="k")
    assert response.status_code == 422
    assert not ConsultTicket.objects.exists()


def test_an_anonymous_retry_is_401_and_claims_no_key(api, plan):
    response = post(api(), "/api/sessions/", session_body(plan), key="k")
    assert response.status_code == 401
    assert not IdempotencyRecord.objects.exists()


def test_a_wrong_role_is_403_and_claims_no_key(api, chiro, plan):
    assert post(api(chiro), "/api/sessions/", session_body(plan), key="k").status_code == 403
    assert not IdempotencyRecord.objects.exists()


def test_a_server_error_is_not_remembered_so_the_retry_runs_again(api, therapist, plan,
                                                                   monkeypatch, settings):
    import sessions.api

    real = sessions.api.session_log
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            real(**kwargs)  # the write happens, then the server fails
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(sessions.api, "session_log", flaky)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(therapist)
    body = session_body(plan)
    assert post(client, "/api/sessions/", body, key="k").status_code == 500
    assert not IdempotencyRecord.objects.exists()
    assert not TherapySession.objects.exists()  # rolled back with the key
    retry = post(client, "/api/sessions/", body, key="k")
    assert retry.status_code == 201
    assert TherapySession.objects.count() == 1


def test_the_schema_documents_the_header_and_the_422(api):
    schema = api().get("/api/schema/?format=json")
    assert schema.status_code == 200
    document = schema.json()
    for path in ("/api/sessions/", "/api/tickets/"):
        operation = document["paths"][path]["post"]
        assert "Idempotency-Key" in [p["name"] for p in operation["parameters"]]
        assert "422" in operation["responses"]


def test_old_keys_can_be_purged(api, therapist, plan):
    post(api(therapist), "/api/sessions/", session_body(plan), key="old")
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(days=2))
    assert idempotency_purge(older_than=dt.timedelta(hours=24)) == 1
    assert not IdempotencyRecord.objects.exists()


def test_the_hourly_purge_forgets_day_old_keys_and_keeps_fresh_ones(api, therapist, plan,
                                                                     settings):
    from clinic.celery import app
    from clinic.idempotency.tasks import purge_idempotency_keys

    client = api(therapist)
    post(client, "/api/sessions/", session_body(plan), key="yesterday")
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    post(client, "/api/sessions/", session_body(plan), key="just-now")
    scheduled = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "clinic.idempotency.tasks.purge_idempotency_keys" in scheduled
    app.loader.import_default_modules()  # what a worker does at start: autodiscover tasks
    assert all(name in app.tasks for name in scheduled)  # every beat entry names a real task
    assert purge_idempotency_keys.apply().get() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["just-now"]


# --- tickets ------------------------------------------------------------------------------

def test_a_retried_ticket_is_raised_once_and_notifies_once(api, therapist, plan):
    client = api(therapist)
    body = {"plan": plan.pk, "client_request": "Can you do my feet?", "add_regions": ["foot_left"]}
    first = post(client, "/api/tickets/", body, key="ticket-1")
    second = post(client, "/api/tickets/", body, key="ticket-1")
    assert first.status_code == second.status_code == 201, first.content
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert ConsultTicket.objects.count() == 1
    assert Outbox.objects.filter(kind="ticket_raised").count() == 1


def test_a_ticket_key_with_another_request_is_refused(api, therapist, plan):
    client = api(therapist)
    body = {"plan": plan.pk, "client_request": "Feet", "add_regions": ["foot_left"]}
    assert post(client, "/api/tickets/", body, key="t").status_code == 201
    body["add_regions"] = ["foot_right"]
    response = post(client, "/api/tickets/", body, key="t")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert ConsultTicket.objects.count() == 1


# --- two requests at the same moment ----------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_key_save_once(therapist, plan, monkeypatch):
    """The second waits on the first (unique index) and then replays its answer."""
    import sessions.api

    real = sessions.api.session_log
    first_is_writing = threading.Event()

    def slow(**kwargs):
        first_is_writing.set()
        session = real(**kwargs)
        threading.Event().wait(1.0)  # hold the transaction open while the second arrives
        return session

    monkeypatch.setattr(sessions.api, "session_log", slow)
    body = session_body(plan)
    results = {}

    def send(name):
        try:
            client = APIClient()
            client.force_authenticate(therapist)
            results[name] = post(client, "/api/sessions/", body, key="same-moment")
        finally:
            connection.close()

    first = threading.Thread(target=send, args=("first",))
    first.start()
    assert first_is_writing.wait(10)
    second = threading.Thread(target=send, args=("second",))
    second.start()
    first.join(20)
    second.join(20)

    assert results["first"].status_code == 201
    assert results["second"].status_code == 201
    assert results["second"].json() == results["first"].json()
    assert results["second"]["Idempotent-Replayed"] == "true"
    assert TherapySession.objects.count() == 1


def test_an_answer_quoting_a_nul_character_is_still_replayed(api, therapist, plan):
    """A 400 quoting the bad value holds a NUL, which PostgreSQL's jsonb cannot store."""
    client = api(therapist)
    body = session_body(plan, regions=["cer\x00"])
    first = post(client, "/api/sessions/", body, key="nul")
    again = post(client, "/api/sessions/", body, key="nul")
    assert first.status_code == again.status_code == 400
    assert "regions" in first.json()["errors"]
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
