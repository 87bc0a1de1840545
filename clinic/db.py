"""Database-level guards for clinical records, used by migrations.

The application never updates or deletes clinical rows; these triggers make PostgreSQL refuse
it too, so neither a bug, a shell session nor a raw SQL statement can rewrite history.
(TRUNCATE is not row-level and stays available to the test runner's flush.)
"""

from __future__ import annotations

from django.db import migrations

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION plankeeper_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: clinical records are never edited in place or deleted',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def refuse(table: str, *operations: str) -> migrations.RunSQL:
    """Migration operation: PostgreSQL refuses ``operations`` (UPDATE/DELETE) on ``table``."""
    name = f"{table}_refuse_{'_'.join(op.lower() for op in operations)}"
    return migrations.RunSQL(
        sql=(f"CREATE TRIGGER {name} BEFORE {' OR '.join(operations)} ON {table} "
             f"FOR EACH ROW EXECUTE FUNCTION plankeeper_refuse_change();"),
        reverse_sql=f"DROP TRIGGER IF EXISTS {name} ON {table};",
    )


def clinic_from_parent(table: str, *, parent: str, column: str,
                       refuse_triggers: tuple[str, ...] = ()) -> list:
    """Migration operations for a ``clinic_id`` copied from a parent row (issue 10).

    ``table.clinic_id`` is the clinic of ``parent`` row ``table.<column>``: existing rows are
    filled in (the append-only triggers named in ``refuse_triggers`` are switched off for that
    one UPDATE, inside the migration's transaction, and back on before it commits), and a
    BEFORE INSERT trigger sets it on every new row, whoever inserts it (services, factories,
    raw SQL), so it can never disagree with the parent's clinic.
    """
    function = f"{table}_set_clinic"
    # Table and column names come from migrations, never from input.
    create = f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    SELECT clinic_id INTO NEW.clinic_id FROM {parent} WHERE id = NEW.{column};
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {function} BEFORE INSERT ON {table}
    FOR EACH ROW EXECUTE FUNCTION {function}();
"""  # noqa: S608
    # Immediate FK checks: deferred ones would queue one event per row until COMMIT, and the
    # ALTER TABLE after this (NOT NULL, indexes) refuses to run with events pending.
    fill = ["SET CONSTRAINTS ALL IMMEDIATE;"]
    fill += [f"ALTER TABLE {table} DISABLE TRIGGER {name};" for name in refuse_triggers]
    fill.append(f"UPDATE {table} t SET clinic_id = p.clinic_id FROM {parent} p "  # noqa: S608
                f"WHERE p.id = t.{column};")
    fill += [f"ALTER TABLE {table} ENABLE TRIGGER {name};" for name in refuse_triggers]
    return [
        migrations.RunSQL("\n".join(fill), migrations.RunSQL.noop),
        migrations.RunSQL(create, f"DROP TRIGGER IF EXISTS {function} ON {table}; "
                                  f"DROP FUNCTION IF EXISTS {function}();"),
    ]
