"""The patient form of the front desk (register and edit), with the API's own checks."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from clinic.api.serializers import PHONE
from clinic.models import Patient


class PatientForm(forms.ModelForm):
    phone = forms.CharField(max_length=40, required=False, validators=[PHONE])
    emergency_contact_phone = forms.CharField(max_length=40, required=False,
                                              validators=[PHONE])
    # Shown only when a likely duplicate was found: register anyway, knowingly.
    confirm_new = forms.BooleanField(required=False,
                                     label="This is a different person: register anyway")

    class Meta:
        model = Patient
        fields = ["first_name", "last_name", "date_of_birth", "phone", "email",
                  "emergency_contact_name", "emergency_contact_phone", "alerts",
                  "reminders_by_email"]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"})}
        labels = {"alerts": "Alerts (shown on every page of this patient)",
                  "reminders_by_email": "The client agrees to an e-mail reminder the day "
                                        "before each appointment"}
        help_texts = {"alerts": "A short text, e.g. “latex allergy”."}

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value > timezone.localdate():
            raise forms.ValidationError("Date of birth cannot be in the future.")
        if value.year < 1900:
            raise forms.ValidationError("Date of birth is before 1900.")
        return value

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
