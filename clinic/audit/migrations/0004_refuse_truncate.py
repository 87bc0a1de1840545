from django.db import migrations

# TRUNCATE empties a table without firing row triggers: refuse it on the trail too, with a
# statement-level trigger (the same function as UPDATE and DELETE). The app's runtime role has
# no TRUNCATE privilege either (clinic.db_roles); this also stops the owner's slip of a hand.
# The test database disables this one trigger, since the test runner empties tables that way
# (tests/conftest.py), and a test shows it working.
SQL = """
CREATE TRIGGER audit_auditentry_refuse_truncate BEFORE TRUNCATE ON audit_auditentry
FOR EACH STATEMENT EXECUTE FUNCTION plankeeper_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_audit_link")]

    operations = [
        migrations.RunSQL(SQL, "DROP TRIGGER IF EXISTS audit_auditentry_refuse_truncate "
                               "ON audit_auditentry;"),
    ]
