# Split from scale's referrals 0003_ticket_notification_clinic when the Notification model
# moved to this app (its table is still referrals_notification).

import django.db.models.deletion
from django.db import migrations, models

from clinic.db import clinic_from_parent


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0005_patient_trigram_search'),
        ('notifications', '0003_notification_unread_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='clinic',
            field=models.ForeignKey(db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='clinic.clinic'),
        ),
        *clinic_from_parent('referrals_notification', parent='clinic_user', column='recipient_id',
                            refuse_triggers=()),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(fields=['recipient', '-created_at', '-id'], name='notification_list_idx'),
        ),
    ]
