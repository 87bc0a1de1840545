"""The plan row carries its version's authorised total (``sessions_authorized``), copied by
PostgreSQL whenever ``current_version_id`` is written, so that "nearly used up"
(``sessions_authorized - sessions_used <= 1``) is a range of one index over the clinic's
active plans instead of a join of every plan in force with its version (issue 10:
"dashboards from indexed columns").

A trigger, not the services: the version pointer is written by plan_create and plan_amend,
and by bulk loads (seed_scale) and anyone in psql; the copy can never disagree with the
version it points at. It fires on writes to current_version_id or sessions_authorized only,
not on the usage counter's UPDATE of every session log.
"""

import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models


COPY_FROM_VERSION = """
CREATE FUNCTION plankeeper_plan_authorized() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.sessions_authorized := COALESCE(
        (SELECT sessions_authorized FROM plans_planversion WHERE id = NEW.current_version_id),
        0);
    RETURN NEW;
END $$;
CREATE TRIGGER plankeeper_plan_authorized
    BEFORE INSERT OR UPDATE OF current_version_id, sessions_authorized ON plans_treatmentplan
    FOR EACH ROW EXECUTE FUNCTION plankeeper_plan_authorized();
"""
DROP_COPY = """
DROP TRIGGER plankeeper_plan_authorized ON plans_treatmentplan;
DROP FUNCTION plankeeper_plan_authorized();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0005_patient_trigram_search'),
        ('plans', '0005_version_clinic_and_list_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='treatmentplan',
            name='sessions_authorized',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunSQL(COPY_FROM_VERSION, DROP_COPY),
        migrations.RunSQL(
            "UPDATE plans_treatmentplan p SET sessions_authorized = v.sessions_authorized "
            "FROM plans_planversion v WHERE v.id = p.current_version_id;",
            migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name='treatmentplan',
            index=models.Index(models.F('clinic'), django.db.models.expressions.CombinedExpression(models.F('sessions_authorized'), '-', models.F('sessions_used')), condition=models.Q(('status', 'active')), name='plan_active_left_idx'),
        ),
    ]
