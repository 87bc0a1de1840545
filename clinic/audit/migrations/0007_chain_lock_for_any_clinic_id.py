"""The chain lock works for every clinic id.

0002 took ``pg_advisory_xact_lock(1096107081, clinic_id::integer)``: the two-key form holds
32-bit keys only, so a clinic id past 2^31 raised "integer out of range" and no entry could be
written. The one-key (bigint) form takes a hash of the chain's name instead. Two chains whose
names hash alike would only wait for each other: each chain's order stays right.
"""

from django.db import migrations

HEAD_SQL = """
CREATE OR REPLACE FUNCTION plankeeper_audit_head(chain_clinic bigint) RETURNS text AS $$
DECLARE
    head text;
BEGIN
    PERFORM pg_advisory_xact_lock(
        hashtextextended('plankeeper-audit-chain:' || COALESCE(chain_clinic::text, ''), 0));
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

OLD_HEAD_SQL = HEAD_SQL.replace(
    "hashtextextended('plankeeper-audit-chain:' || COALESCE(chain_clinic::text, ''), 0)",
    "1096107081, COALESCE(chain_clinic, 0)::integer")


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_password_change_and_listed_patients")]

    operations = [migrations.RunSQL(HEAD_SQL, OLD_HEAD_SQL)]
