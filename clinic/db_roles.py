"""Two database roles: the one that migrates owns the tables; the one the app runs as may
read and write ordinary tables but only INSERT and SELECT the audit trail.

The owner (``MIGRATE_DATABASE_URL``) creates and alters tables and triggers; ``manage.py
migrate`` connects as it and then grants the runtime role (``DATABASE_URL``'s user) exactly
what the app needs. Not being the owner, the runtime role cannot drop or disable a trigger,
and with no UPDATE, DELETE or TRUNCATE privilege on ``audit_auditentry`` it cannot rewrite the
trail even with a bug, an injected statement or a shell on the app's host.
"""

from __future__ import annotations

from psycopg2 import sql

AUDIT_TABLE = "audit_auditentry"


def grant_app_role(connection, role: str) -> None:
    """Grant ``role`` the runtime privileges on every table the migrations made (run as the
    owner after each migrate, so new tables are covered): data reads and writes everywhere,
    except the audit trail, which it may only read and append to."""
    name = sql.Identifier(role)
    statements = [
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}")
        .format(name),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(name),
        sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(AUDIT_TABLE), name),
        sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(sql.Identifier(AUDIT_TABLE), name),
    ]
    with connection.cursor() as cursor:
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        for statement in statements:
            raw.execute(statement)
