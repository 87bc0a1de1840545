"""Reads of clinic records: the patients a person may see, and finding a patient at the front
desk (one search for the page and the API alike)."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import F, Func, Q, QuerySet, Value
from django.db.models.functions import Concat

from clinic.models import Patient, User

SEARCH_MAX_CHARS = 100
SEARCH_MAX_WORDS = 5
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PHONE = re.compile(r"\+?[\d\s().-]{3,}")


def patients_of_clinic(user: User) -> QuerySet[Patient]:
    """Patients of the user's own clinic (nobody sees another clinic's)."""
    return Patient.objects.filter(clinic_id=user.clinic_id)


def _digits(expression):
    """The digits of a text column, as PostgreSQL computes them (phones are typed any way)."""
    return Func(expression, Value(r"[^0-9]"), Value(""), Value("g"), function="regexp_replace")


def patients_search(clinic_id: int | None, q: str) -> QuerySet[Patient]:
    """Patients of the clinic matching ``q``: a date of birth (``YYYY-MM-DD``), a phone
    number (its digits, however it was typed), or every word of it in the first or last name
    (any case). Only the first ``SEARCH_MAX_WORDS`` words of the first ``SEARCH_MAX_CHARS``
    characters count; an empty ``q`` matches every patient.
    """
    qs = Patient.objects.filter(clinic_id=clinic_id)
    q = q[:SEARCH_MAX_CHARS].strip()
    if _DATE.fullmatch(q):
        try:
            return qs.filter(date_of_birth=dt.date.fromisoformat(q))
        except ValueError:
            return qs.none()
    digits = re.sub(r"\D", "", q)
    if _PHONE.fullmatch(q) and len(digits) >= 3:
        return qs.annotate(phone_digits=_digits(F("phone"))).filter(
            phone_digits__contains=digits)
    words = q.split()[:SEARCH_MAX_WORDS]
    for word in words:
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    if words and min(len(word) for word in words) >= 3:
        # The same order as the model's, through expressions no b-tree serves: otherwise
        # PostgreSQL may walk the clinic's whole (clinic, last_name, first_name) index in
        # that order, filtering every patient, instead of reading the few matches from the
        # trigram indexes and sorting them (11-90 ms against 0.3 ms on 20,000 patients;
        # docs/SCALING.md). A trigram index needs 3 characters: a shorter word matches many
        # patients, and walking the index in order finds a page of them soonest.
        qs = qs.order_by(Concat("last_name", Value("")), Concat("first_name", Value("")), "id")
    return qs


def patients_matching(user: User, q: str) -> QuerySet[Patient]:
    """The patient search of the user's own clinic (``patients_search``)."""
    return patients_search(user.clinic_id, q)


def likely_duplicates(clinic_id: int, *, first_name: str, last_name: str,
                      date_of_birth: dt.date, exclude: int | None = None) -> QuerySet[Patient]:
    """Patients of the clinic with the same name (any case) and date of birth."""
    qs = Patient.objects.filter(clinic_id=clinic_id, first_name__iexact=first_name.strip(),
                                last_name__iexact=last_name.strip(),
                                date_of_birth=date_of_birth)
    return qs.exclude(pk=exclude) if exclude else qs
