"""Forms of the appointment pages. They check shape only; the plan's rule is applied by
appointments.services.appointment_book."""

from __future__ import annotations

from django import forms

from plans.validation import MAX_SESSION_MINUTES
from sessions.forms import LOCAL_INPUT_FORMATS


class BookingForm(forms.Form):
    # A naive local time, read in the clinic's zone (clinic.web activates it for the view).
    starts_at = forms.DateTimeField(label="Starts at", input_formats=LOCAL_INPUT_FORMATS)
    minutes = forms.IntegerField(label="Minutes", min_value=1, max_value=MAX_SESSION_MINUTES)
    therapist = forms.IntegerField(label="Therapist", required=False, min_value=1,
                                   max_value=2**63 - 1)


class CancelForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=2000)
