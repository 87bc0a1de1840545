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
