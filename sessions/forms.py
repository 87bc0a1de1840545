"""The log-session form of the plan card. It checks the shape of the input only; whether the
plan allows the session is decided by sessions.services.session_log (the one scope rule)."""

from __future__ import annotations

from django import forms

from clinic.regions import REGION_CHOICES
from plans.validation import MAX_SESSION_MINUTES, MAX_TECHNIQUE_LENGTH, MAX_TECHNIQUES

TEXT_LIMIT = 10_000
LOCAL_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def split_techniques(value: str) -> list[str]:
    """"Swedish, trigger point" -> ["Swedish", "trigger point"] (blank parts dropped)."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class TechniquesField(forms.CharField):
    """Technique names typed as one comma-separated line: at most ``MAX_TECHNIQUES`` names."""

    def clean(self, value):
        names = split_techniques(super().clean(value))
        if len(names) > MAX_TECHNIQUES:
            raise forms.ValidationError(f"Name at most {MAX_TECHNIQUES} techniques.")
        for name in names:
            if len(name) > MAX_TECHNIQUE_LENGTH:
                raise forms.ValidationError(
                    f"A technique name has at most {MAX_TECHNIQUE_LENGTH} characters.")
        return names


class SessionLogForm(forms.Form):
    # A naive local time, read in the clinic's zone (clinic.web activates it for the view).
    started_at = forms.DateTimeField(label="Started at", input_formats=LOCAL_INPUT_FORMATS)
    duration_minutes = forms.IntegerField(label="Minutes", min_value=1,
                                          max_value=MAX_SESSION_MINUTES)
    regions = forms.MultipleChoiceField(label="Regions worked", choices=REGION_CHOICES,
                                        error_messages={"required": "Tick at least one region."})
    techniques = TechniquesField(label="Techniques", required=False, max_length=1000)
    notes = forms.CharField(label="Notes", required=False, max_length=TEXT_LIMIT)
