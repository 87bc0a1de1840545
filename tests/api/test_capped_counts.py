"""Page-numbered lists never count a clinic's whole history (issue 10): ``count`` is exact up
to the cap (or the end of the page asked for) and ``count_capped`` says when there are more;
every row is still reachable by following ``next``."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.api import pagination
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def eight_patients(clinic):
    return {PatientFactory(clinic=clinic).pk for _ in range(8)}


def test_under_the_cap_the_count_is_exact(api, therapist, eight_patients):
    body = api(therapist).get("/api/patients/?page_size=3").json()
    assert body["count"] == 8 and body["count_capped"] is False


def test_over_the_cap_the_count_stops_and_says_so(api, therapist, eight_patients, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    client = api(therapist)
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/patients/?page_size=2").json()
    assert body["count"] == 5 and body["count_capped"] is True
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert counts and all("LIMIT 6" in sql for sql in counts)  # five, and one more

    seen, pages, url = [], 0, "/api/patients/?page_size=2"
    while url:
        body = client.get(url).json()
        seen += [p["id"] for p in body["results"]]
        url, pages = body["next"], pages + 1
    assert sorted(seen) == sorted(eight_patients) and pages == 4  # no gap, no duplicate
    # Past the cap the count reaches the end of the page asked for: the last page is exact.
    last = client.get("/api/patients/?page_size=2&page=4").json()
    assert last["count"] == 8 and last["count_capped"] is False and last["next"] is None


def test_a_page_past_the_end_is_still_a_404(api, therapist, eight_patients):
    assert api(therapist).get("/api/patients/?page_size=2&page=9").status_code == 404
