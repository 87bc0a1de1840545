"""The outbox and in-app notifications move here from the referrals app, tables and data
untouched: this migration only tells Django's model state that this app now holds them (the
tables keep their names, ``db_table``), after referrals 0003 let go of them."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('plans', '0002_refuse_changes'),
        ('referrals', '0003_notifications_move_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Outbox',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('ticket_raised', 'Ticket raised'), ('ticket_decided', 'Ticket decided'), ('ticket_withdrawn', 'Ticket withdrawn'), ('ticket_reassigned', 'Ticket reassigned'), ('ticket_reminder', 'Ticket reminder'), ('ticket_overdue', 'Ticket overdue'), ('plan_nearly_used_up', 'Plan nearly used up'), ('plan_ending', 'Plan ending soon')], max_length=32)),
                        ('dedupe_key', models.CharField(max_length=200, unique=True)),
                        ('subject', models.CharField(max_length=200)),
                        ('message', models.TextField()),
                        ('email_body', models.TextField()),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('sent', 'Sent')], default='pending', max_length=16)),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('last_error', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('plan', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plans.treatmentplan')),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('ticket', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='outbox', to='referrals.consultticket')),
                    ],
                    options={
                        'db_table': 'referrals_outbox',
                        'verbose_name_plural': 'outbox',
                        'ordering': ['created_at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('ticket_raised', 'Ticket raised'), ('ticket_decided', 'Ticket decided'), ('ticket_withdrawn', 'Ticket withdrawn'), ('ticket_reassigned', 'Ticket reassigned'), ('ticket_reminder', 'Ticket reminder'), ('ticket_overdue', 'Ticket overdue'), ('plan_nearly_used_up', 'Plan nearly used up'), ('plan_ending', 'Plan ending soon')], max_length=32)),
                        ('message', models.TextField()),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('read_at', models.DateTimeField(blank=True, null=True)),
                        ('plan', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plans.treatmentplan')),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                        ('ticket', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='notifications', to='referrals.consultticket')),
                        ('outbox', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='notification', to='notifications.outbox')),
                    ],
                    options={
                        'db_table': 'referrals_notification',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='outbox',
                    index=models.Index(fields=['status', 'next_attempt_at'], name='referrals_o_status_e71622_idx'),
                ),
                migrations.AddIndex(
                    model_name='notification',
                    index=models.Index(fields=['recipient', '-created_at'], name='referrals_n_recipie_b3e1fa_idx'),
                ),
            ],
        ),
    ]
