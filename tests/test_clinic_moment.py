"""Reading a time the way the clinic means it: one function for sessions and bookings."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from clinic.dates import clinic_moment

NEW_YORK = ZoneInfo("America/New_York")


def test_a_time_without_offset_is_the_clinics_wall_clock():
    read = clinic_moment(dt.datetime(2026, 12, 1, 10, 0), NEW_YORK, field="started_at")
    assert read == dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)


def test_a_time_with_an_offset_is_that_moment():
    sent = dt.datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Pacific/Auckland"))
    assert clinic_moment(sent, NEW_YORK, field="started_at") == sent


def test_the_repeated_autumn_hour_is_read_as_its_first_pass():
    read = clinic_moment(dt.datetime(2026, 11, 1, 1, 40), NEW_YORK, field="started_at")
    assert read == dt.datetime(2026, 11, 1, 5, 40, tzinfo=dt.UTC)  # 01:40 EDT, not EST


@pytest.mark.parametrize("value", ["10:00", None, dt.date(2026, 12, 1)])
def test_anything_but_a_date_and_time_is_refused_on_the_field(value):
    with pytest.raises(ValidationError) as refused:
        clinic_moment(value, NEW_YORK, field="starts_at")
    assert list(refused.value.message_dict) == ["starts_at"]


def test_a_moment_no_calendar_holds_is_refused_on_the_field():
    with pytest.raises(ValidationError) as refused:
        clinic_moment(dt.datetime.max, ZoneInfo("Pacific/Pago_Pago"), field="started_at")
    assert list(refused.value.message_dict) == ["started_at"]
