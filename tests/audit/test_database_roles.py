"""The app's database role cannot rewrite the trail (issue 13): it may only INSERT and SELECT
the audit table; UPDATE, DELETE, TRUNCATE and trigger changes fail with a permission error,
not only by trigger. TRUNCATE is refused by a trigger too, even for the owner."""

from __future__ import annotations

import contextlib
from urllib.parse import quote

import psycopg2.errors
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from clinic.audit.models import AuditEntry
from clinic.audit.services import audit_record
from clinic.db_roles import grant_app_role
from tests.factories import ClinicFactory, PatientFactory


def _ensure_role(name: str) -> None:
    """A login role for the test (roles are cluster-wide: other test runs may share it)."""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            DO $$ BEGIN
                CREATE ROLE {name} LOGIN PASSWORD 'app-role-test-only';
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END $$;""")


@contextlib.contextmanager
def connected_as(role: str):
    """Django's own connection, reconnected as ``role`` (the app as it runs in production)."""
    saved = connection.settings_dict["USER"]
    connection.close()
    connection.settings_dict["USER"] = role
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == role
        yield
    finally:
        connection.close()
        connection.settings_dict["USER"] = saved


def _refused(statement: str, params=()) -> BaseException:
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(statement, params)
    return caught.value.__cause__


@pytest.mark.django_db(transaction=True)
def test_the_apps_role_may_append_and_read_the_trail_but_never_rewrite_it():
    _ensure_role("plankeeper_test_app")
    grant_app_role(connection, "plankeeper_test_app")
    clinic = ClinicFactory()
    with connected_as("plankeeper_test_app"):
        # What the app does all day still works: ordinary writes, an entry appended, read.
        PatientFactory(clinic=clinic)
        entry = audit_record(action="read", clinic_id=clinic.pk, object_type="plan",
                             object_id=1, status_code=200)
        assert AuditEntry.objects.filter(pk=entry.pk).exists()
        for statement in (
                "UPDATE audit_auditentry SET actor_username = 'someone-else' WHERE id = %s",
                "DELETE FROM audit_auditentry WHERE id = %s"):
            cause = _refused(statement, [entry.pk])
            assert isinstance(cause, psycopg2.errors.InsufficientPrivilege), statement
        assert isinstance(_refused("TRUNCATE audit_auditentry"),
                          psycopg2.errors.InsufficientPrivilege)
        for change in ("DISABLE TRIGGER USER",
                       "DISABLE TRIGGER audit_auditentry_refuse_update_delete"):
            cause = _refused(f"ALTER TABLE audit_auditentry {change}")
            assert isinstance(cause, psycopg2.errors.InsufficientPrivilege), change
        assert isinstance(_refused("DROP TRIGGER audit_auditentry_refuse_truncate "
                                   "ON audit_auditentry"),
                          psycopg2.errors.InsufficientPrivilege)
    assert AuditEntry.objects.get(pk=entry.pk).actor_username == ""


@pytest.mark.django_db(transaction=True)
def test_migrate_as_the_owner_grants_the_runtime_role_its_privileges():
    _ensure_role("plankeeper_test_app2")
    db = connection.settings_dict
    # The host may be the embedded server's socket folder: percent-encoded, as a URL needs it.
    host = quote(db["HOST"], safe="")
    owner_url = f"postgres://{db['USER']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"
    with connected_as("plankeeper_test_app2"), override_settings(MIGRATE_DATABASE_URL=owner_url):
        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == "plankeeper_test_app2"  # back as the app after
            cursor.execute("""
                SELECT p, has_table_privilege('plankeeper_test_app2', 'audit_auditentry', p)
                FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',
                                  'TRIGGER']) AS p""")
            audit = dict(cursor.fetchall())
            cursor.execute("SELECT has_table_privilege('plankeeper_test_app2', "
                           "'clinic_patient', 'UPDATE')")
            patients_writable = cursor.fetchone()[0]
    assert audit == {"SELECT": True, "INSERT": True, "UPDATE": False, "DELETE": False,
                     "TRUNCATE": False, "TRIGGER": False}
    assert patients_writable


def test_truncate_is_refused_by_a_trigger_even_for_the_owner(db):
    entry = audit_record(action="read", clinic_id=ClinicFactory().pk, status_code=200)
    with connection.cursor() as cursor:
        # Off on the test database only (the runner empties tables by TRUNCATE); production's
        # migration leaves it on. Rolled back with the test. (Deferred foreign-key checks
        # first: ALTER TABLE refuses pending trigger events.)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE audit_auditentry "
                       "ENABLE TRIGGER audit_auditentry_refuse_truncate")
    with pytest.raises(DatabaseError, match="TRUNCATE on audit_auditentry is not allowed"), \
            transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditentry CASCADE")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
