"""The log-session form of the plan card. It checks the shape of the input only; whether the
plan allows the session is decided by sessions.services.session_log (the one scope rule)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from clinic.regions import REGION_CHOICES
from plans.forms import TechniquesField
from plans.validation import MAX_SESSION_MINUTES

TEXT_LIMIT = 10_000
LOCAL_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class WallClockField(forms.DateTimeField):
    """A date and time as typed at the front desk, left without a zone.

    Django's own field would read it in the active zone and refuse a time that occurs twice
    (clocks going back); instead session_log reads it in the plan's clinic zone, exactly as it
    reads the API's ``started_at`` without an offset: one reading of a local time for both
    (docs/domain.md "Local times").
    """

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value
        for format in self.input_formats:
            try:
                return self.strptime(value.strip(), format)
            except (ValueError, TypeError):
                continue
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class SessionLogForm(forms.Form):
    started_at = WallClockField(label="Started at", input_formats=LOCAL_INPUT_FORMATS)
    duration_minutes = forms.IntegerField(label="Minutes", min_value=1,
                                          max_value=MAX_SESSION_MINUTES)
    regions = forms.MultipleChoiceField(label="Regions worked", choices=REGION_CHOICES,
                                        error_messages={"required": "Tick at least one region."})
    techniques = TechniquesField(label="Techniques", required=False, max_length=1000)
    notes = forms.CharField(label="Notes", required=False, max_length=TEXT_LIMIT)


def blank_log_form(plan) -> SessionLogForm:
    """A new form: now (clinic time), the prescribed minutes, the plan's regions ticked."""
    version = plan.current_version
    now = timezone.localtime(timezone=plan.clinic.tz).replace(second=0, microsecond=0)
    return SessionLogForm(initial={
        "started_at": now.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": version.session_minutes,
        "regions": list(version.regions),
    })
