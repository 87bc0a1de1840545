"""Page forms for consult tickets. They check the shape of the input; what a ticket may ask
for, and who decides it, is referrals.services'."""

from __future__ import annotations

from django import forms

from clinic.regions import REGION_CHOICES
from plans.forms import DateInput, TechniquesField
from plans.validation import MAX_SESSION_MINUTES, MAX_SESSIONS_AUTHORIZED


class TicketForm(forms.Form):
    client_request = forms.CharField(
        label="What the client asks for, in their words", max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write down what the client asked for."})
    add_regions = forms.MultipleChoiceField(label="Regions to add", choices=REGION_CHOICES,
                                            required=False)
    session_minutes = forms.IntegerField(label="Longer sessions (minutes)", min_value=1,
                                         max_value=MAX_SESSION_MINUTES, required=False)
    extra_sessions = forms.IntegerField(label="More sessions", min_value=1,
                                        max_value=MAX_SESSIONS_AUTHORIZED, required=False)
    valid_until = forms.DateField(label="Valid until a later day", required=False,
                                  widget=DateInput)
    techniques = TechniquesField(label="Techniques to add", required=False, max_length=1000)
    note = forms.CharField(label="Your note for the chiropractor", required=False,
                           max_length=10_000, widget=forms.Textarea(attrs={"rows": 2}))


class DeclineForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=2000,
                             error_messages={"required": "Give the reason the therapist can "
                                                         "pass on to the client."})


class ApproveForm(forms.Form):
    note = forms.CharField(label="Note", required=False, max_length=10_000)


class ReassignForm(forms.Form):
    assigned_to = forms.IntegerField(label="Chiropractor")
