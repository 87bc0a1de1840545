"""The plan row's usage (``sessions_used``, ``last_session_at``) is kept by PostgreSQL itself.

A session INSERT counts it on its plan; a void INSERT uncounts its session and recomputes the
plan's last session. Rows of both tables are never updated or deleted (0002), so these two
inserts are the only changes to count. Why triggers rather than an UPDATE from Python: the
UPDATE was a round trip of its own on the busiest write, measured at 0.6 ms (min) to 1.4 ms
(median) of a ~6 ms session log (scripts/benchmark.py), and a trigger also keeps the counter
exact for every other way rows arrive (bulk loads, a psql session). The writers still hold the
plan's row lock (sessions.services), which is what serialises concurrent logs and voids.
"""

from django.db import migrations

FUNCTIONS = """
CREATE FUNCTION plankeeper_count_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE plans_treatmentplan
       SET sessions_used = sessions_used + 1,
           last_session_at = GREATEST(last_session_at, NEW.started_at)  -- NULLs are ignored
     WHERE id = NEW.plan_id;
    RETURN NULL;
END $$;

CREATE FUNCTION plankeeper_uncount_voided_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE plans_treatmentplan p
       SET sessions_used = p.sessions_used - 1,
           last_session_at = (
               SELECT MAX(s.started_at) FROM therapy_sessions_therapysession s
                WHERE s.plan_id = p.id
                  AND NOT EXISTS (SELECT 1 FROM therapy_sessions_sessionvoid v
                                   WHERE v.session_id = s.id))
     WHERE p.id = (SELECT plan_id FROM therapy_sessions_therapysession WHERE id = NEW.session_id);
    RETURN NULL;
END $$;

CREATE TRIGGER plankeeper_count_session AFTER INSERT ON therapy_sessions_therapysession
    FOR EACH ROW EXECUTE FUNCTION plankeeper_count_session();
CREATE TRIGGER plankeeper_uncount_voided_session AFTER INSERT ON therapy_sessions_sessionvoid
    FOR EACH ROW EXECUTE FUNCTION plankeeper_uncount_voided_session();
"""

DROP = """
DROP TRIGGER plankeeper_count_session ON therapy_sessions_therapysession;
DROP TRIGGER plankeeper_uncount_voided_session ON therapy_sessions_sessionvoid;
DROP FUNCTION plankeeper_count_session();
DROP FUNCTION plankeeper_uncount_voided_session();
"""


class Migration(migrations.Migration):
    dependencies = [("therapy_sessions", "0003_backfill_plan_usage")]

    operations = [migrations.RunSQL(FUNCTIONS, DROP)]
