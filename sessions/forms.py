"""The log-session form of the plan card. It checks the shape of the input only; whether the
plan allows the session is decided by sessions.services.session_log (the one scope rule)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from clinic.dates import ClinicDateTimeField
from clinic.form_wording import PlainErrorsMixin
from clinic.regions import REGION_CHOICES
from plans.forms import TechniquesField
from plans.validation import MAX_SESSION_MINUTES
from sessions.selectors import last_session_regions

TEXT_LIMIT = 10_000
LOCAL_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class WallClockField(ClinicDateTimeField):
    """A date and time as typed at the front desk ("2 Nov 2026 14:30", or ISO), left without
    a zone.

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
        typed = " ".join(str(value).split())
        for format in self.input_formats:
            try:
                return self.strptime(typed, format)
            except (ValueError, TypeError):
                continue
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


# The form's fields that are the session's own (what session_log takes).
SESSION_FIELDS = ("started_at", "duration_minutes", "regions", "techniques", "notes",
                  "subjective", "objective", "assessment", "plan_notes")


class SessionLogForm(PlainErrorsMixin, forms.Form):
    # A naive local time, read in the plan's clinic zone by session_log.
    started_at = WallClockField(label="Started at")
    duration_minutes = forms.IntegerField(label="Minutes", min_value=1,
                                          max_value=MAX_SESSION_MINUTES)
    regions = forms.MultipleChoiceField(label="Regions worked", choices=REGION_CHOICES,
                                        error_messages={"required": "Tick at least one region."})
    techniques = TechniquesField(label="Techniques", required=False, max_length=1000)
    notes = forms.CharField(label="Notes", required=False, max_length=TEXT_LIMIT)
    # SOAP notes (DOMAIN.md glossary); all optional, as the API's.
    subjective = forms.CharField(label="Subjective", required=False, max_length=TEXT_LIMIT)
    objective = forms.CharField(label="Objective", required=False, max_length=TEXT_LIMIT)
    assessment = forms.CharField(label="Assessment", required=False, max_length=TEXT_LIMIT)
    plan_notes = forms.CharField(label="Plan", required=False, max_length=TEXT_LIMIT)

    def session_fields(self) -> dict:
        """The cleaned values as ``session_log`` takes them (the session's own fields)."""
        return {name: self.cleaned_data[name] for name in SESSION_FIELDS}


class AddendumForm(PlainErrorsMixin, forms.Form):
    text = forms.CharField(label="Addendum", max_length=TEXT_LIMIT,
                           error_messages={"required": "Write the addendum first."})


class VoidForm(PlainErrorsMixin, forms.Form):
    reason = forms.CharField(label="Why is this session void?", max_length=2000,
                             error_messages={"required": "Say why the session is voided."})


def blank_log_form(plan, *, initial: dict | None = None) -> SessionLogForm:
    """A new log form, and the one place its initial values are decided: now (the plan's
    clinic time), the prescribed minutes, and the regions of the plan's last session that the
    plan still covers (never simply every plan region: a therapist who worked only the neck
    would record five). ``initial`` (e.g. from an appointment) overrides any of these."""
    version = plan.current_version
    # Wall-clock time in the plan's clinic, as the field reads it back (WallClockField).
    now = (timezone.localtime(timezone=plan.clinic.tz)
           .replace(second=0, microsecond=0, tzinfo=None))
    values = {"started_at": now, "duration_minutes": version.session_minutes, "regions": []}
    last = last_session_regions(plan)
    if last:
        values["regions"] = [c for c in last if c in version.regions
                             and c not in version.avoid_regions]
    values.update(initial or {})
    form = SessionLogForm(initial=values)
    if initial and "regions" in initial:
        form.regions_caption = "Ticked as booked; change what differs today."
    elif values["regions"]:
        form.regions_caption = "Ticked as in the last session; change what differs today."
    else:
        form.regions_caption = "Tick the regions you worked, here or on the map."
    return form
