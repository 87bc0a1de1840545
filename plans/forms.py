"""Forms a chiropractor uses to write and amend a plan. They check the shape of the input;
the prescription rules are plans.services' (plan_create, plan_amend)."""

from __future__ import annotations

from django import forms

from clinic.dates import DATE_HINT, ClinicDateField
from clinic.form_wording import PlainErrorsMixin
from clinic.regions import REGION_CHOICES, REGIONS
from plans.validation import (
    MAX_SESSION_MINUTES,
    MAX_SESSIONS_AUTHORIZED,
    MAX_SESSIONS_PER_WEEK,
    MAX_TECHNIQUE_LENGTH,
    MAX_TECHNIQUES,
)


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


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        return value.isoformat() if hasattr(value, "isoformat") else value


SCOPE_TREAT, SCOPE_AVOID = "treat", "avoid"


def scope_rows(regions, avoid) -> list[dict]:
    """The plan form's region grid: one row per body part, left and right side by side, each
    cell one control (treat / avoid / neither) with its current value."""
    regions, avoid = set(regions or []), set(avoid or [])
    rows: list[dict] = []
    by_stem: dict[str, dict] = {}
    for code, region in REGIONS.items():
        stem, _, side = code.rpartition("_")
        value = SCOPE_AVOID if code in avoid else SCOPE_TREAT if code in regions else ""
        cell = {"code": code, "label": region.label, "value": value}
        if side in ("left", "right"):
            row = by_stem.get(stem)
            if row is None:
                name = region.label.split(" ", 1)[1]
                row = by_stem[stem] = {"name": name[:1].upper() + name[1:], "cells": {}}
                rows.append(row)
            row["cells"][side] = cell
        else:
            rows.append({"name": region.label, "cells": {"middle": cell}})
    return rows


def _from_scope_controls(data):
    """The region grid posts ``scope-<code>`` = treat | avoid | "" per region; turn it into the
    ``regions`` and ``avoid_regions`` lists the form (and the API) take. Posts that send the
    lists themselves are left alone."""
    if data is None or not any(key.startswith("scope-") for key in data):
        return data
    data = data.copy()
    chosen = {code: data.get(f"scope-{code}", "") for code in REGIONS}
    data.setlist("regions", [c for c, v in chosen.items() if v == SCOPE_TREAT])
    data.setlist("avoid_regions", [c for c, v in chosen.items() if v == SCOPE_AVOID])
    return data


class PlanForm(PlainErrorsMixin, forms.Form):
    def __init__(self, data=None, *args, **kwargs):
        super().__init__(_from_scope_controls(data), *args, **kwargs)

    regions = forms.MultipleChoiceField(
        label="Regions to treat", choices=REGION_CHOICES,
        error_messages={"required": "Set at least one region to treat."})
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
    valid_from = ClinicDateField(label="Valid from", help_text=DATE_HINT)
    valid_until = ClinicDateField(label="Valid until", help_text=DATE_HINT)
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
