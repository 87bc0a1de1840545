from __future__ import annotations

import datetime as dt

from django.core.validators import RegexValidator
from django.utils import timezone
from rest_framework import serializers

from clinic.models import Patient, User


class MeSerializer(serializers.ModelSerializer):
    clinic = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "role", "clinic", "first_name", "last_name"]

    def get_clinic(self, user: User) -> dict | None:
        if user.clinic is None:
            return None
        return {"id": user.clinic.id, "name": user.clinic.name, "timezone": user.clinic.timezone}


class StaffRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")

    class Meta:
        model = User
        fields = ["id", "username", "name", "role"]


PHONE = RegexValidator(r"^\+?[0-9 ().-]{3,40}$",
                       "A phone number: digits, spaces, + ( ) - . only.")


class PatientSerializer(serializers.ModelSerializer):
    first_name = serializers.CharField(max_length=100, trim_whitespace=True)
    last_name = serializers.CharField(max_length=100, trim_whitespace=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True,
                                  validators=[PHONE])
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    emergency_contact_name = serializers.CharField(max_length=200, required=False,
                                                   allow_blank=True)
    emergency_contact_phone = serializers.CharField(max_length=40, required=False,
                                                    allow_blank=True, validators=[PHONE])
    alerts = serializers.CharField(
        max_length=200, required=False, allow_blank=True,
        help_text="A short text every page of the patient shows, e.g. an allergy.")
    reminders_by_email = serializers.BooleanField(
        required=False, help_text="The client agreed to an e-mail the day before each "
                                  "appointment.")

    class Meta:
        model = Patient
        fields = ["id", "first_name", "last_name", "date_of_birth", "phone", "email",
                  "emergency_contact_name", "emergency_contact_phone", "alerts",
                  "reminders_by_email", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_date_of_birth(self, value: dt.date) -> dt.date:
        # "Today" on the clinic's calendar, not the server's: a baby born this morning in
        # Auckland is born "tomorrow" in UTC, and New York's evening is already UTC's tomorrow.
        request = self.context.get("request")
        clinic = getattr(getattr(request, "user", None), "clinic", None)
        today = timezone.localdate(timezone=clinic.tz) if clinic else timezone.localdate()
        if value > today:
            raise serializers.ValidationError("Date of birth cannot be in the future.")
        if value.year < 1900:
            raise serializers.ValidationError("Date of birth is before 1900.")
        return value


class PatientCreatedSerializer(PatientSerializer):
    likely_duplicates = serializers.ListField(
        child=serializers.IntegerField(), read_only=True,
        help_text="Other patients of the clinic with the same name and date of birth: "
                  "registered anyway, check that this is not the same person.")

    class Meta(PatientSerializer.Meta):
        fields = [*PatientSerializer.Meta.fields, "likely_duplicates"]
