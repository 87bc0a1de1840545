"""Reads of clinic records: finding a patient at the front desk."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import F, Func, Q, QuerySet, Value

from clinic.models import Patient

MAX_WORDS = 5
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PHONE = re.compile(r"\+?[\d\s().-]{3,}")


def _digits(expression):
    """The digits of a text column, as PostgreSQL computes them (phones are typed any way)."""
    return Func(expression, Value(r"[^0-9]"), Value(""), Value("g"), function="regexp_replace")


def patients_search(clinic_id: int | None, q: str) -> QuerySet[Patient]:
    """Patients of the clinic matching ``q``: a date of birth (``YYYY-MM-DD``), a phone
    number (its digits, however it was typed), or every word of it in the first or last name.
    """
    qs = Patient.objects.filter(clinic_id=clinic_id)
    q = q.strip()
    if _DATE.fullmatch(q):
        try:
            return qs.filter(date_of_birth=dt.date.fromisoformat(q))
        except ValueError:
            return qs.none()
    digits = re.sub(r"\D", "", q)
    if _PHONE.fullmatch(q) and len(digits) >= 3:
        return qs.annotate(phone_digits=_digits(F("phone"))).filter(
            phone_digits__contains=digits)
    for word in q.split()[:MAX_WORDS]:
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return qs


def likely_duplicates(clinic_id: int, *, first_name: str, last_name: str,
                      date_of_birth: dt.date, exclude: int | None = None) -> QuerySet[Patient]:
    """Patients of the clinic with the same name (any case) and date of birth."""
    qs = Patient.objects.filter(clinic_id=clinic_id, first_name__iexact=first_name.strip(),
                                last_name__iexact=last_name.strip(),
                                date_of_birth=date_of_birth)
    return qs.exclude(pk=exclude) if exclude else qs
