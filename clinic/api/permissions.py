"""Who may call what (docs/design.md "Roles"). A wrong role is a 403 before any plan rule runs."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from clinic.models import Role


class _HasRole(BasePermission):
    role: str = ""
    message = "Your role may not do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.clinic_id and user.role == self.role)


class IsTherapist(_HasRole):
    role = Role.THERAPIST
    message = "Only a massage therapist may do this."


class IsChiropractor(_HasRole):
    role = Role.CHIROPRACTOR
    message = "Only a chiropractor may do this."


class IsClinicAdmin(_HasRole):
    role = Role.ADMIN
    message = "Only a clinic admin may do this."


class IsClinicStaff(BasePermission):
    """Any signed-in person who works at a clinic (every role reads its own clinic's records)."""

    message = "You do not belong to a clinic."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.clinic_id and user.role)


class IsFrontDesk(BasePermission):
    """Therapists and clinic admins: register and edit patients, book and run appointments."""

    message = "Only a massage therapist or a clinic admin may do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.clinic_id
                    and user.role in (Role.THERAPIST, Role.ADMIN))
