from __future__ import annotations

import datetime as dt

from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

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
        if value > dt.date.today():
            raise serializers.ValidationError("Date of birth cannot be in the future.")
        if value.year < 1900:
            raise serializers.ValidationError("Date of birth is before 1900.")
        return value


class SignInSerializer(AuthTokenSerializer):
    """The token request's username and password, bounded like the login form's (a password
    is hashed once per attempt: a megabyte of it is work nobody needs)."""

    username = serializers.CharField(label="Username", max_length=150, write_only=True)
    password = serializers.CharField(label="Password", max_length=4096, write_only=True,
                                     style={"input_type": "password"}, trim_whitespace=False)
