"""The name search lists matches in the patients' usual order (last name, first name) whatever
plan PostgreSQL picks for it (a word of 3 characters or more is read from the trigram
indexes and sorted: docs/SCALING.md)."""

from __future__ import annotations

import pytest

from clinic.selectors import patients_matching
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("q", ["ar", "mar", "MAR tin", "ar  ti"])
def test_matches_come_in_last_then_first_name_order(clinic, therapist, api, q):
    for first, last in [("Zoe", "Martin"), ("Ava", "Martin"), ("Tim", "Barton"),
                        ("Mark", "Abel"), ("Ava", "Martinez"), ("Bo", "Zed")]:
        PatientFactory(clinic=clinic, first_name=first, last_name=last)
    words = [w.lower() for w in q.split()]
    wanted = [f"{first} {last}" for last, first in sorted(
        [("Abel", "Mark"), ("Barton", "Tim"), ("Martin", "Ava"), ("Martin", "Zoe"),
         ("Martinez", "Ava"), ("Zed", "Bo")])
        if all(w in first.lower() or w in last.lower() for w in words)]
    assert len(wanted) >= 2
    assert [p.full_name for p in patients_matching(therapist, q)] == wanted
    listed = api(therapist).get("/api/patients/", {"q": q}).json()["results"]
    assert [f"{p['first_name']} {p['last_name']}" for p in listed] == wanted
