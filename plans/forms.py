"""Forms a chiropractor uses to write and amend a plan. They check the shape of the input;
the prescription rules are plans.services' (plan_create, plan_amend)."""

from __future__ import annotations

from django import forms

from clinic.regions import REGION_CHOICES
from plans.validation import (
    MAX_SESSION_MINUTES,
    MAX_SESSIONS_AUTHORIZED,
    MAX_SESSIONS_PER_WEEK,
    MAX_TECHNIQUE_LENGTH,
)


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


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        return value.isoformat() if hasattr(value, "isoformat") else value


class PlanForm(forms.Form):
    regions = forms.MultipleChoiceField(label="Regions to treat", choices=REGION_CHOICES,
                                        error_messages={"required": "Tick at least one region."})
    avoid_regions = forms.MultipleChoiceField(label="Regions to avoid", choices=REGION_CHOICES,
                                              required=False,
                                              widget=forms.CheckboxSelectMultiple)
    session_minutes = forms.IntegerField(label="Minutes a session", min_value=1,
                                         max_value=MAX_SESSION_MINUTES)
    sessions_authorized = forms.IntegerField(label="Sessions authorised", min_value=1,
                                             max_value=MAX_SESSIONS_AUTHORIZED)
    sessions_per_week = forms.IntegerField(label="At most a week", min_value=1,
                                           max_value=MAX_SESSIONS_PER_WEEK, required=False,
                                           help_text="Leave empty for no weekly limit.")
    valid_from = forms.DateField(label="Valid from", widget=DateInput)
    valid_until = forms.DateField(label="Valid until", widget=DateInput)
    techniques = TechniquesField(label="Techniques", required=False, max_length=1000,
                                 help_text="Comma-separated; empty allows any technique.")
    diagnosis = forms.CharField(label="Diagnosis (ICD-10)", required=False, max_length=500)
    notes = forms.CharField(label="Notes for the therapists", required=False, max_length=10_000,
                            widget=forms.Textarea(attrs={"rows": 3}))
    goals = forms.CharField(label="Goals", required=False, max_length=2_000,
                            widget=forms.Textarea(attrs={"rows": 2}),
                            help_text="What this plan aims for.")
    client_summary = forms.CharField(
        label="For the client", required=False, max_length=1_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="In plain words, why the plan is what it is for now. The therapist reads it "
                  "to the client when a request is outside the plan, and it is printed on the "
                  "client's summary.")

    def terms(self) -> dict:
        """The cleaned prescription terms, named as plans.services expects them."""
        return {name: self.cleaned_data[name] for name in (
            "regions", "avoid_regions", "session_minutes", "sessions_authorized",
            "sessions_per_week", "valid_from", "valid_until", "techniques", "diagnosis", "notes",
            "goals", "client_summary")}


class PlanAmendForm(PlanForm):
    reason = forms.CharField(label="Reason for the change", max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Signed with the new version; the therapists see it.")
    # The version the form was drawn from: the whole prescription on screen is that version's,
    # so signing it over a newer one would undo the newer one (plans.services.plan_amend).
    based_on_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1,
                                          max_value=2**31 - 1, required=False)
