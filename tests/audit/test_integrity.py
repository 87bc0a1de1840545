"""Nobody can rewrite the audit trail unnoticed: PostgreSQL refuses UPDATE and DELETE, and a
row changed behind its back breaks the clinic's hash chain, which audit_verify reports."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from clinic.audit.models import AuditEntry
from clinic.audit.services import GENESIS, audit_record, verify_chain
from tests.factories import ClinicFactory


def _entries(clinic, n=3):
    return [audit_record(action="read", clinic_id=clinic.id, object_type="plan", object_id=i,
                         patient_id=100 + i, ip="192.0.2.7", request_id=f"r{i}",
                         status_code=200, method="GET", path=f"/api/plans/{i}/")
            for i in range(1, n + 1)]


def _tamper(sql, params):
    """Change the table the way an attacker with the database owner's rights would."""
    with connection.cursor() as cursor:
        # Run the deferred foreign-key checks now: ALTER TABLE refuses pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_each_clinics_entries_link_into_one_chain(db):
    clinic, other = ClinicFactory(), ClinicFactory()
    first, second = _entries(clinic, 2)
    theirs = _entries(other, 1)[0]
    assert first.prev_hash == GENESIS and second.prev_hash == first.hash
    assert theirs.prev_hash == GENESIS  # another clinic, another chain
    assert verify_chain(clinic_id=clinic.id).problem is None


def test_postgres_refuses_to_update_an_entry(db):
    entry = _entries(ClinicFactory(), 1)[0]
    with pytest.raises(DatabaseError, match="not allowed"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET outcome = 'success', patient_id = 1 "
                       "WHERE id = %s", [entry.id])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(id=entry.id).update(actor_username="someone-else")
    assert AuditEntry.objects.get(id=entry.id).patient_id == 101


def test_postgres_refuses_to_delete_an_entry(db):
    entry = _entries(ClinicFactory(), 1)[0]
    with pytest.raises(DatabaseError, match="not allowed"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.id])
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.delete()
    assert AuditEntry.objects.filter(id=entry.id).exists()


def test_audit_verify_passes_an_untouched_trail(db):
    _entries(ClinicFactory(), 3)
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "chain intact" in out.getvalue()


def test_audit_verify_reports_an_altered_entry(db):
    clinic = ClinicFactory()
    _first, second, _third = _entries(clinic, 3)
    _tamper("UPDATE audit_auditentry SET patient_id = 999 WHERE id = %s", [second.id])
    with pytest.raises(CommandError, match=f"entry #{second.id} was altered"):
        call_command("audit_verify", "--clinic", str(clinic.id), stdout=StringIO(),
                     stderr=StringIO())


def test_audit_verify_reports_a_removed_entry(db):
    clinic = ClinicFactory()
    _first, second, third = _entries(clinic, 3)
    _tamper("DELETE FROM audit_auditentry WHERE id = %s", [second.id])
    with pytest.raises(CommandError, match=f"entry #{third.id} does not link"):
        call_command("audit_verify", stdout=StringIO(), stderr=StringIO())


def test_audit_verify_reports_an_entry_rewritten_with_a_fresh_hash_of_its_own(db):
    """Recomputing the altered row's own hash is not enough: the next link breaks."""
    from clinic.audit.services import entry_hash

    clinic = ClinicFactory()
    _first, second, third = _entries(clinic, 3)
    second.outcome = "denied"
    _tamper("UPDATE audit_auditentry SET outcome = 'denied', hash = %s WHERE id = %s",
            [entry_hash(second), second.id])
    problem = verify_chain(clinic_id=clinic.id).problem
    assert problem is not None and problem.entry_id == third.id


def test_audit_verify_checks_the_entries_the_middleware_writes(api, therapist, plan):
    for _ in range(3):
        api(therapist).get(f"/api/plans/{plan.id}/", REMOTE_ADDR="2001:0db8:0000::0001")
    call_command("audit_verify", "--clinic", str(therapist.clinic_id), stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_the_chain_a_single_line():
    """Eight threads, each on its own connection, append to one clinic at the same moment."""
    clinic = ClinicFactory()
    start = threading.Barrier(8)
    errors = []

    def write():
        try:
            start.wait()
            for i in range(5):
                audit_record(action="read", clinic_id=clinic.id, object_type="plan",
                             object_id=i)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    prevs = list(AuditEntry.objects.filter(clinic=clinic).values_list("prev_hash", flat=True))
    assert len(prevs) == 40 and len(set(prevs)) == 40  # nobody shares a predecessor
    summary = verify_chain(clinic_id=clinic.id)
    assert summary.problem is None and summary.entries == 40
    # The time is taken under the chain lock: it rises along the chain, never back.
    times = list(AuditEntry.objects.filter(clinic=clinic).order_by("id").values_list("at",
                                                                                      flat=True))
    assert times == sorted(times)


def test_an_entry_with_unicode_detail_and_an_ipv6_address_verifies(db):
    clinic = ClinicFactory()
    for detail in ({"username": "Zoë Ødegård", "why": "naïve ☃"}, {}, {"b": [1, None], "a": 2}):
        audit_record(action="login_failed", clinic_id=clinic.id, actor_username="zoë",
                     ip="2001:db8::1", request_id="r-ü", path="/accounts/login/", detail=detail)
    audit_record(action="read", clinic_id=None, object_type="plan", object_id=7)
    for chain in (clinic.id, None):
        summary = verify_chain(clinic_id=chain)
        assert summary.problem is None, summary.problem


def test_the_nightly_check_logs_a_broken_chain_as_an_error(db, caplog, settings):
    from clinic.audit.tasks import verify_audit_chains

    clinic, untouched = ClinicFactory(), ClinicFactory()
    _first, second, _third = _entries(clinic, 3)
    _entries(untouched, 2)
    assert "clinic.audit.tasks.verify_audit_chains" in [
        e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert verify_audit_chains.apply().get() == 0
    _tamper("UPDATE audit_auditentry SET actor_username = 'nobody' WHERE id = %s", [second.id])
    caplog.clear()
    assert verify_audit_chains.apply().get() == 1
    [alarm] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert f"clinic {clinic.id}" in alarm.getMessage()
    assert f"entry #{second.id} was altered" in alarm.getMessage()
