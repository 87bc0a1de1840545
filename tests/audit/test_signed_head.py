"""A rewrite of the trail by someone with database access alone is detected (issue 13): the
chain's hashes use no key, so such a person can rebuild a consistent chain, but not the head
signed with AUDIT_HMAC_KEY and kept outside the database (`audit_verify --head FILE`)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from clinic.audit.models import AuditEntry
from clinic.audit.services import GENESIS, entry_hash, verify_chain
from tests.audit.test_integrity import _entries, _tamper
from tests.factories import ClinicFactory


def _export(tmp_path):
    target = tmp_path / "head.json"
    call_command("audit_verify", export_head=str(target), stdout=StringIO())
    return target


def _verify(head):
    out, err = StringIO(), StringIO()
    call_command("audit_verify", head=str(head), stdout=out, stderr=err)
    return out.getvalue()


def _rebuild_chain(clinic_id):
    """What an attacker with write access does after editing a row: recompute every hash
    (SHA-256, no key needed) so the chain alone looks intact."""
    prev = GENESIS
    for entry in AuditEntry.objects.filter(clinic_id=clinic_id).order_by("id"):
        entry.prev_hash = prev
        entry.hash = entry_hash(entry)
        _tamper("UPDATE audit_auditentry SET prev_hash = %s, hash = %s WHERE id = %s",
                [entry.prev_hash, entry.hash, entry.pk])
        prev = entry.hash


def test_an_untouched_trail_verifies_against_its_exported_head(db, tmp_path):
    clinic = ClinicFactory()
    _entries(clinic, 3)
    head = _export(tmp_path)
    document = json.loads(head.read_text())
    [chain] = [c for c in document["chains"] if c["clinic"] == clinic.pk]
    assert chain["entries"] == 3 and len(document["signature"]) == 64
    _entries(clinic, 2)  # later entries are fine: the head pins what was there
    assert "is still in the trail" in _verify(head)


def test_a_rewritten_and_rehashed_trail_is_caught_by_the_signed_head(db, tmp_path):
    clinic = ClinicFactory()
    entries = _entries(clinic, 3)
    head = _export(tmp_path)
    _tamper("UPDATE audit_auditentry SET patient_id = 999 WHERE id = %s", [entries[0].pk])
    _rebuild_chain(clinic.pk)
    assert verify_chain(clinic_id=clinic.pk).problem is None  # the chain alone is fooled
    with pytest.raises(CommandError, match="rewritten"):
        _verify(head)


def test_the_newest_entries_removed_are_caught_by_the_signed_head(db, tmp_path):
    clinic = ClinicFactory()
    entries = _entries(clinic, 3)
    head = _export(tmp_path)
    _tamper("DELETE FROM audit_auditentry WHERE id = %s", [entries[-1].pk])
    assert verify_chain(clinic_id=clinic.pk).problem is None  # a shorter chain still links
    with pytest.raises(CommandError, match="is gone"):
        _verify(head)


def test_a_head_file_edited_to_match_a_rewrite_does_not_verify(db, tmp_path):
    clinic = ClinicFactory()
    entries = _entries(clinic, 3)
    head = _export(tmp_path)
    _tamper("DELETE FROM audit_auditentry WHERE id = %s", [entries[-1].pk])
    document = json.loads(head.read_text())
    for chain in document["chains"]:
        if chain["clinic"] == clinic.pk:
            chain.update(entries=2, last_id=entries[1].pk, head=entries[1].hash)
    head.write_text(json.dumps(document))
    with pytest.raises(CommandError, match="signature does not verify"):
        _verify(head)


def test_a_head_signed_with_another_key_does_not_verify(db, tmp_path):
    _entries(ClinicFactory(), 1)
    with override_settings(AUDIT_HMAC_KEY="the-real-installations-key"):
        head = _export(tmp_path)
        assert "is still in the trail" in _verify(head)
    with override_settings(AUDIT_HMAC_KEY="a-key-someone-guessed"), \
            pytest.raises(CommandError, match="signature does not verify"):
        _verify(head)


def test_the_nightly_check_writes_a_signed_head_when_given_a_folder(db, tmp_path):
    from clinic.audit.tasks import verify_audit_chains

    _entries(ClinicFactory(), 2)
    with override_settings(AUDIT_HEAD_DIR=str(tmp_path / "heads")):
        assert verify_audit_chains() == 0
    [written] = (tmp_path / "heads").iterdir()
    assert "is still in the trail" in _verify(written)
