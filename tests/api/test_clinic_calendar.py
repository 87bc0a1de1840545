"""A patient's date of birth is checked against today on the clinic's calendar, not the
server's: the two differ for hours every day once the clinic is away from UTC."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from clinic.models import Patient

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def post_patient(api, admin, born: dt.date):
    body = {"first_name": "New", "last_name": "Born", "date_of_birth": born.isoformat()}
    return api(admin).post("/api/patients/", body, format="json")


@pytest.mark.parametrize(("zone", "local_now"), [
    ("America/New_York", dt.datetime(2026, 12, 6, 23, 50)),  # Sunday night; Monday in UTC
    ("Pacific/Auckland", dt.datetime(2026, 12, 7, 8, 0)),  # Monday morning; Sunday in UTC
])
def test_born_today_on_the_clinics_calendar_is_accepted_and_tomorrow_refused(
        api, clinic, clinic_admin, time_machine, zone, local_now):
    clinic.timezone = zone
    clinic.save()
    clinic_admin.refresh_from_db()
    # In UTC: time-machine given a ZoneInfo would also move the process's zone, and the
    # server runs in UTC (settings.TIME_ZONE).
    time_machine.move_to(local_now.replace(tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC))
    today = local_now.date()

    tomorrow = post_patient(api, clinic_admin, today + dt.timedelta(days=1))
    assert tomorrow.status_code == 400, tomorrow.content
    assert "date_of_birth" in tomorrow.json()["errors"]
    born_today = post_patient(api, clinic_admin, today)
    assert born_today.status_code == 201, born_today.content
    assert Patient.objects.get(last_name="Born").date_of_birth == today
