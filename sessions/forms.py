"""The log-session form of the plan card. It checks the shape of the input only; whether the
plan allows the session is decided by sessions.services.session_log (the one scope rule)."""

from __future__ import annotations

from django import forms

from clinic.dates import ClinicDateTimeField
from clinic.form_wording import PlainErrorsMixin
from clinic.regions import REGION_CHOICES
from plans.validation import MAX_SESSION_MINUTES, MAX_TECHNIQUE_LENGTH

TEXT_LIMIT = 10_000
LOCAL_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def split_techniques(value: str) -> list[str]:
    """"Swedish, trigger point" -> ["Swedish", "trigger point"] (blank parts dropped)."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class TechniquesField(forms.CharField):
    """Technique names typed as one comma-separated line."""

    def clean(self, value):
        names = split_techniques(super().clean(value))
        for name in names:
            if len(name) > MAX_TECHNIQUE_LENGTH:
                raise forms.ValidationError(
                    f"A technique name has at most {MAX_TECHNIQUE_LENGTH} characters.")
        return names


class SessionLogForm(PlainErrorsMixin, forms.Form):
    # A naive local time, read in the clinic's zone (clinic.web activates it for the view).
    started_at = ClinicDateTimeField(label="Started at")
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


class AddendumForm(PlainErrorsMixin, forms.Form):
    text = forms.CharField(label="Addendum", max_length=TEXT_LIMIT,
                           error_messages={"required": "Write the addendum first."})


class VoidForm(PlainErrorsMixin, forms.Form):
    reason = forms.CharField(label="Why is this session void?", max_length=2000,
                             error_messages={"required": "Say why the session is voided."})
