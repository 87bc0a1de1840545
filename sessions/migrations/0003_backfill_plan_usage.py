"""Fill the plan rows' usage columns (plans 0003) from the sessions already logged."""

from django.db import migrations

BACKFILL = """
UPDATE plans_treatmentplan p
   SET sessions_used = u.used, last_session_at = u.last_at
  FROM (SELECT s.plan_id, COUNT(*) AS used, MAX(s.started_at) AS last_at
          FROM therapy_sessions_therapysession s
         WHERE NOT EXISTS (SELECT 1 FROM therapy_sessions_sessionvoid v
                            WHERE v.session_id = s.id)
         GROUP BY s.plan_id) u
 WHERE u.plan_id = p.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("therapy_sessions", "0002_refuse_changes"),
        ("plans", "0003_plan_usage_on_row"),
    ]

    operations = [migrations.RunSQL(BACKFILL, migrations.RunSQL.noop)]
