from django.db import migrations

from clinic.db import refuse


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial"), ("clinic", "0002_refuse_changes")]

    operations = [
        refuse("plans_planversion", "UPDATE", "DELETE"),
        refuse("plans_planstatuschange", "UPDATE", "DELETE"),
        refuse("plans_treatmentplan", "DELETE"),
    ]
