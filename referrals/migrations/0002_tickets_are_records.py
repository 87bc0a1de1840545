"""Consult tickets are clinical records: never deleted; once decided, never changed.

While a ticket is open only its assignment and its decision may be written (by
referrals.services); what the therapist raised (plan, client's words, requested change) is
fixed from the start.
"""

from django.db import migrations

from clinic.db import refuse

FROZEN_SQL = """
CREATE OR REPLACE FUNCTION referrals_ticket_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.status <> 'open' THEN
        RAISE EXCEPTION 'UPDATE on % is not allowed: ticket % is % and decided tickets are records',
            TG_TABLE_NAME, OLD.id, OLD.status USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (NEW.plan_id, NEW.raised_on_version_id, NEW.raised_by_id, NEW.raised_at,
        NEW.client_request, NEW.add_regions, NEW.session_minutes, NEW.extra_sessions,
        NEW.valid_until, NEW.techniques, NEW.note, NEW.session_id, NEW.due_at)
       IS DISTINCT FROM
       (OLD.plan_id, OLD.raised_on_version_id, OLD.raised_by_id, OLD.raised_at,
        OLD.client_request, OLD.add_regions, OLD.session_minutes, OLD.extra_sessions,
        OLD.valid_until, OLD.techniques, OLD.note, OLD.session_id, OLD.due_at) THEN
        RAISE EXCEPTION 'UPDATE on % is not allowed: what ticket % asks for is fixed when raised',
            TG_TABLE_NAME, OLD.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER referrals_consultticket_frozen BEFORE UPDATE ON referrals_consultticket
    FOR EACH ROW EXECUTE FUNCTION referrals_ticket_frozen();
"""

UNFROZEN_SQL = """
DROP TRIGGER IF EXISTS referrals_consultticket_frozen ON referrals_consultticket;
DROP FUNCTION IF EXISTS referrals_ticket_frozen();
"""


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial"), ("clinic", "0002_refuse_changes")]

    operations = [
        refuse("referrals_consultticket", "DELETE"),
        migrations.RunSQL(sql=FROZEN_SQL, reverse_sql=UNFROZEN_SQL),
    ]
