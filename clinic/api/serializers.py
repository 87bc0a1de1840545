from __future__ import annotations

import datetime as dt

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


class PatientSerializer(serializers.ModelSerializer):
    first_name = serializers.CharField(max_length=100, trim_whitespace=True)
    last_name = serializers.CharField(max_length=100, trim_whitespace=True)

    class Meta:
        model = Patient
        fields = ["id", "first_name", "last_name", "date_of_birth", "created_at"]
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
