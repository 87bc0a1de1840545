"""The audit chain's lock takes any clinic id PostgreSQL can hold."""

from __future__ import annotations

import pytest

from clinic.audit.models import AuditEntry
from clinic.audit.services import audit_record, verify_chain
from clinic.models import Clinic

pytestmark = pytest.mark.django_db


def test_a_clinic_id_past_two_to_the_31_still_gets_its_trail():
    big = Clinic.objects.create(pk=2**31 + 7, name="Far Clinic")
    audit_record(action="read", clinic_id=big.pk, object_type="patient", object_id=1)
    audit_record(action="read", clinic_id=big.pk, object_type="patient", object_id=2)
    entries = list(AuditEntry.objects.filter(clinic_id=big.pk).order_by("id"))
    assert len(entries) == 2 and entries[1].prev_hash == entries[0].hash
    summary = verify_chain(clinic_id=big.pk)
    assert summary.problem is None and summary.entries == 2
