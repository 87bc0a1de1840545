"""The README's demo command runs, and runs again: ``seed_demo`` is safe to repeat (it resets
the demo passwords and adds nothing twice). The browser tests also seed with it, but they skip
without chromium, so this is the test that keeps the command runnable everywhere."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from clinic.models import Clinic, Patient, User
from plans.models import TreatmentPlan

pytestmark = pytest.mark.django_db


def rows() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (Clinic, User, Patient, TreatmentPlan)}


def test_seed_demo_runs_twice_without_duplicating_and_resets_the_passwords():
    call_command("seed_demo", password="first-demo-pass", stdout=StringIO())
    first = rows()
    assert first == {"Clinic": 2, "User": 7, "Patient": 1, "TreatmentPlan": 1}
    out = StringIO()
    call_command("seed_demo", password="second-demo-pass", stdout=out)
    assert rows() == first
    assert "Demo data ready." in out.getvalue()
    chiro = User.objects.get(username="chiro")
    assert chiro.check_password("second-demo-pass")
    [plan] = TreatmentPlan.objects.all()
    assert (plan.prescriber, plan.patient.first_name, plan.status) == (chiro, "Casey", "active")
