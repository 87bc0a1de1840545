from django.db import migrations

from clinic.db import FUNCTION_SQL, refuse


class Migration(migrations.Migration):
    dependencies = [("clinic", "0001_initial")]

    operations = [
        migrations.RunSQL(FUNCTION_SQL, "DROP FUNCTION IF EXISTS plankeeper_refuse_change();"),
        refuse("clinic_patient", "DELETE"),
    ]
