"""Appointments in the plan's FHIR bundle, validated like the rest of the export."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from appointments.services import (
    appointment_arrive,
    appointment_book,
    appointment_cancel,
    appointment_log_session,
    appointment_no_show,
)
from tests.api.test_fhir import (
    by_url,
    check_bundle,
    export,
    resources,
    validate_with_fhir_resources,
)
from tests.appointments.helpers import next_monday

pytestmark = pytest.mark.django_db


def test_each_state_is_an_appointment_resource_based_on_the_prescription(
        api, therapist, therapist2, plan):
    now = timezone.now()
    monday = next_monday(plan.clinic)
    booked = appointment_book(plan=plan, by=therapist, starts_at=monday, minutes=30)
    arrived = appointment_book(plan=plan, by=therapist2, starts_at=now, minutes=30, now=now)
    appointment_arrive(appointment=arrived, by=therapist2)
    fulfilled = appointment_book(plan=plan, by=therapist, starts_at=now, minutes=25, now=now)
    appointment_log_session(appointment=fulfilled, plan=plan, therapist=therapist,
                            started_at=now, duration_minutes=25, regions=["cervical"])
    cancelled = appointment_book(plan=plan, by=therapist, minutes=30,
                                 starts_at=monday + dt.timedelta(weeks=1))
    appointment_cancel(appointment=cancelled, by=therapist, reason="Client on holiday")
    missed = appointment_book(plan=plan, by=therapist2, minutes=30,
                              starts_at=monday + dt.timedelta(weeks=2))
    appointment_no_show(appointment=missed, by=therapist2,
                        now=missed.starts_at + dt.timedelta(minutes=15))

    bundle = export(api, therapist, plan)
    validate_with_fhir_resources(bundle)
    check_bundle(bundle)
    found = {r["identifier"][0]["value"]: r for r in resources(bundle, "Appointment")}
    assert {k: r["status"] for k, r in found.items()} == {
        str(booked.pk): "booked", str(arrived.pk): "arrived", str(fulfilled.pk): "fulfilled",
        str(cancelled.pk): "cancelled", str(missed.pk): "noshow"}
    first = found[str(booked.pk)]
    assert first["minutesDuration"] == 30
    assert dt.datetime.fromisoformat(first["start"]) == monday
    index = by_url(bundle)
    assert index[first["basedOn"][0]["reference"]]["resourceType"] == "ServiceRequest"
    actors = [index[p["actor"]["reference"]]["resourceType"] for p in first["participant"]]
    assert actors == ["Patient", "Practitioner"]
    assert found[str(cancelled.pk)]["cancelationReason"] == {"text": "Client on holiday"}
