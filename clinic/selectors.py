"""Reads of clinic records: the patients a person may see, and the patient search."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from clinic.models import Patient, User

SEARCH_MAX_CHARS = 100
SEARCH_MAX_WORDS = 5


def patients_of_clinic(user: User) -> QuerySet[Patient]:
    """Patients of the user's own clinic (nobody sees another clinic's)."""
    return Patient.objects.filter(clinic_id=user.clinic_id)


def patients_matching(user: User, q: str) -> QuerySet[Patient]:
    """The patient search, for the page and ``GET /api/patients/?q=`` alike: patients of the
    user's clinic whose first or last name contains every word of ``q`` (any case). Only the
    first ``SEARCH_MAX_WORDS`` words of the first ``SEARCH_MAX_CHARS`` characters count; an
    empty ``q`` matches every patient."""
    qs = patients_of_clinic(user)
    for word in q[:SEARCH_MAX_CHARS].split()[:SEARCH_MAX_WORDS]:
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return qs
