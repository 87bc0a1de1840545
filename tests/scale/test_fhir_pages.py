"""A plan with many sessions is exported as a chain of FHIR bundles (Bundle.link "next")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sessions.services import session_log
from tests.factories import make_plan

pytestmark = pytest.mark.django_db


def test_the_export_pages_its_sessions_and_each_bundle_stands_alone(api, therapist, chiro,
                                                                     monkeypatch):
    monkeypatch.setattr("fhir_export.bundle.SESSIONS_PER_BUNDLE", 3)
    plan = make_plan(prescriber=chiro, sessions_authorized=20, sessions_per_week=None,
                     valid_from=timezone.localdate() - dt.timedelta(days=10))
    now = timezone.now()
    logged = [session_log(plan=plan, therapist=therapist, duration_minutes=30,
                          regions=["cervical"], started_at=now - dt.timedelta(hours=h)).pk
              for h in range(7, 0, -1)]
    client, url, procedures, bundles = api(therapist), f"/api/plans/{plan.pk}/fhir/", [], 0
    while url:
        bundle = client.get(url).json()
        bundles += 1
        full_urls = {e["fullUrl"] for e in bundle["entry"]}
        assert any(e["resource"]["resourceType"] == "CarePlan" for e in bundle["entry"])
        for e in bundle["entry"]:
            resource = e["resource"]
            if resource["resourceType"] == "Procedure":
                procedures.append(int(resource["identifier"][0]["value"].split(":")[-1])
                                  if ":" in resource["identifier"][0]["value"]
                                  else int(resource["identifier"][0]["value"]))
                assert resource["subject"]["reference"] in full_urls  # resolves in the bundle
        links = {link["relation"]: link["url"] for link in bundle["link"]}
        url = links.get("next")
    assert bundles == 3
    assert procedures == logged  # every session once, oldest first


@pytest.mark.parametrize("after", ["x", "0", "99999999", "1" * 30])
def test_a_bad_after_is_a_400_naming_it(api, therapist, plan, after):
    response = api(therapist).get(f"/api/plans/{plan.pk}/fhir/?after={after}")
    assert response.status_code == 400
    assert "after" in str(response.json())
