"""Dates and times the clinic's way, in pages and in form inputs alike: "Mon 2 Nov 2026",
"2 Nov 2026 14:30" (day before month, 24-hour clock), whatever the browser's locale.

A native <input type="date"> shows the browser's own format (06/11/2026 in a US browser: the
6th of November or the 11th of June?), so the forms use plain text inputs written and read in
this format; ISO dates (2026-11-02) are accepted too.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

DATE_INPUT_FORMATS = ["%d %b %Y", "%d %B %Y", "%a %d %b %Y", "%A %d %B %Y", "%Y-%m-%d",
                      "%d/%m/%Y"]
_TIMES = ["%H:%M", "%H.%M"]
DATETIME_INPUT_FORMATS = (
    [f"{d} {t}" for d in DATE_INPUT_FORMATS for t in _TIMES]
    + [f"{d}, {t}" for d in DATE_INPUT_FORMATS for t in _TIMES]
    + ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
)
DATE_HINT = "like 2 Nov 2026"
DATETIME_HINT = "like 2 Nov 2026 14:30"


def clinic_moment(value: object, tz: dt.tzinfo, *, field: str) -> dt.datetime:
    """``value`` as an aware moment in UTC. A date and time without a UTC offset is the
    clinic's wall clock ("10:00" at the front desk is 10:00 where the clinic is, not where
    the server is); in a repeated autumn hour it is the first of the two. Anything else, or a
    moment no calendar holds, is a ValidationError naming ``field``. The one way a typed or
    sent time is read, for sessions and bookings alike.
    """
    from django.core.exceptions import ValidationError

    if not isinstance(value, dt.datetime):
        raise ValidationError({field: "A date and time is required."})
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value, tz)
        # In UTC now: comparing a moment near year 1 or 9999 must not overflow later.
        return value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ValidationError({field: "Datetime value out of range."}) from None


def day(value: dt.date | None) -> str:
    """"Mon 2 Nov 2026" (an empty string for no date)."""
    return f"{value:%a} {value.day} {value:%b %Y}" if value else ""


def input_date(value) -> str:
    """A date as a date input shows it: "2 Nov 2026"; text typed by the person stays as typed."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    return "" if value is None else str(value)


def input_datetime(value) -> str:
    """A moment as a date-and-time input shows it, in the active (clinic) zone:
    "2 Nov 2026 14:30"; text typed by the person stays as typed."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return f"{value.day} {value:%b %Y %H:%M}"
    return "" if value is None else str(value)


def _clean_spaces(value):
    return " ".join(value.split()) if isinstance(value, str) else value


class ClinicDateInput(forms.TextInput):
    def format_value(self, value):
        return input_date(value) or None


class ClinicDateField(forms.DateField):
    """A date typed the clinic's way ("2 Nov 2026") or as ISO."""

    widget = ClinicDateInput
    input_formats = DATE_INPUT_FORMATS

    def to_python(self, value):
        return super().to_python(_clean_spaces(value))


class ClinicDateTimeField(forms.DateTimeField):
    """A local date and time typed the clinic's way ("2 Nov 2026 14:30") or as ISO."""

    input_formats = DATETIME_INPUT_FORMATS

    def to_python(self, value):
        return super().to_python(_clean_spaces(value))
