"""Page forms for consult tickets. They check the shape of the input; what a ticket may ask
for, and who decides it, is referrals.services'."""

from __future__ import annotations

from django import forms

from clinic.dates import ClinicDateField
from clinic.form_wording import PlainErrorsMixin
from clinic.regions import REGION_CHOICES
from plans.forms import TechniquesField
from plans.validation import MAX_SESSION_MINUTES, MAX_SESSIONS_AUTHORIZED


class TicketForm(PlainErrorsMixin, forms.Form):
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
    valid_until = ClinicDateField(label="Valid until a later day", required=False)
    techniques = TechniquesField(label="Techniques to add", required=False, max_length=1000)
    note = forms.CharField(label="Your note for the chiropractor", required=False,
                           max_length=10_000, widget=forms.Textarea(attrs={"rows": 2}))


class DeclineForm(PlainErrorsMixin, forms.Form):
    reason = forms.CharField(label="Reason", max_length=2000,
                             error_messages={"required": "Give the reason the therapist can "
                                                         "pass on to the client."})


class ApproveForm(PlainErrorsMixin, forms.Form):
    note = forms.CharField(label="Note", required=False, max_length=10_000)


class ReassignForm(PlainErrorsMixin, forms.Form):
    assigned_to = forms.IntegerField(label="Chiropractor")
