from django.db import migrations

from clinic.db import refuse


class Migration(migrations.Migration):
    dependencies = [("therapy_sessions", "0001_initial"), ("clinic", "0002_refuse_changes")]

    operations = [
        refuse("therapy_sessions_therapysession", "UPDATE", "DELETE"),
        refuse("therapy_sessions_sessionvoid", "UPDATE", "DELETE"),
        refuse("therapy_sessions_sessionaddendum", "UPDATE", "DELETE"),
    ]
