from django.db import migrations

from clinic.db import refuse

# Reads the chain head of one clinic (NULL: the clinic-less chain) after taking that chain's
# transaction-level advisory lock, so concurrent writers append one after the other. A
# VOLATILE plpgsql function gives its SELECT a fresh snapshot, taken after the lock is held,
# so it sees the entry the previous lock holder committed (READ COMMITTED, Django's default).
HEAD_SQL = """
CREATE OR REPLACE FUNCTION plankeeper_audit_head(chain_clinic bigint) RETURNS text AS $$
DECLARE
    head text;
BEGIN
    PERFORM pg_advisory_xact_lock(1096107081, COALESCE(chain_clinic, 0)::integer);
    IF chain_clinic IS NULL THEN
        SELECT hash INTO head FROM audit_auditentry
            WHERE clinic_id IS NULL ORDER BY id DESC LIMIT 1;
    ELSE
        SELECT hash INTO head FROM audit_auditentry
            WHERE clinic_id = chain_clinic ORDER BY id DESC LIMIT 1;
    END IF;
    RETURN COALESCE(head, repeat('0', 64));
END;
$$ LANGUAGE plpgsql VOLATILE;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("clinic", "0002_refuse_changes"),  # plankeeper_refuse_change()
    ]

    operations = [
        migrations.RunSQL(HEAD_SQL, "DROP FUNCTION IF EXISTS plankeeper_audit_head(bigint);"),
        refuse("audit_auditentry", "UPDATE", "DELETE"),
    ]
