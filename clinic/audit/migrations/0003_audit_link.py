from django.db import migrations

# The link a new entry hangs from, in one call: takes the chain's transaction-level advisory
# lock (as plankeeper_audit_head does), then reads the head with a fresh snapshot (a VOLATILE
# plpgsql function: each statement sees what the previous lock holder committed) and the time,
# so entry times rise along the chain. ``at_text`` is ``at`` written exactly as
# clinic.audit.services hashes it (ISO 8601 in UTC, microseconds, "+00:00"): audit_record
# hashes in the same INSERT, and audit_verify recomputes that hash in Python.
LINK_SQL = """
CREATE OR REPLACE FUNCTION plankeeper_audit_link(chain_clinic bigint)
RETURNS TABLE (prev text, at timestamptz, at_text text) AS $$
BEGIN
    prev := plankeeper_audit_head(chain_clinic);
    at := clock_timestamp();
    at_text := to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00';
    RETURN NEXT;
END;
$$ LANGUAGE plpgsql VOLATILE;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [
        migrations.RunSQL(LINK_SQL, "DROP FUNCTION IF EXISTS plankeeper_audit_link(bigint);"),
    ]
