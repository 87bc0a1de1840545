"""The outbox and in-app notifications move to the notifications app (its 0001_initial takes
them over). Only Django's model state changes: the tables and their rows stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0002_tickets_are_records'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='Notification'),
                migrations.DeleteModel(name='Outbox'),
            ],
        ),
    ]
