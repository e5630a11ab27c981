"""The audit trail indexed the way it is read (within an organization: newest first, by action prefix, by
object) and nothing more: every write of the platform adds an event, and each index cost it a write.
The new indexes are built first, without blocking writes, then the single-column ones go."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ('audit', '0001_initial'),
        ('tenancy', '0002_invitation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='auditevent',
            index=models.Index(fields=['organization', '-occurred_at', '-id'], name='auditevent_newest'),
        ),
        AddIndexConcurrently(
            model_name='auditevent',
            index=models.Index(fields=['organization', 'action'], name='auditevent_action', opclasses=['int8_ops', 'varchar_pattern_ops']),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(help_text='e.g. service.created', max_length=80),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='actor_token',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='tenancy.apitoken'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='actor_user',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='object_type',
            field=models.CharField(max_length=80),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='occurred_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='organization',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.organization'),
        ),
    ]
