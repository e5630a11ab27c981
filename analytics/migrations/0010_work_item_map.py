"""The value stream map's stored row per work item (analytics.streammap.items)."""

import django.contrib.postgres.fields
import django.contrib.postgres.fields.ranges
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0009_work_item_flow_organization_index'),
        ('integrations', '0007_deployment_rollback_target'),
        ('tenancy', '0002_invitation'),
    ]

    operations = [
        migrations.CreateModel(
            name='WorkItemMap',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('instants', django.contrib.postgres.fields.ArrayField(base_field=models.DateTimeField(null=True), blank=True, default=list, help_text="each event's instant in the order of analytics.streammap.events, none for the gate", size=None)),
                ('waited', django.contrib.postgres.fields.ArrayField(base_field=models.DecimalField(decimal_places=6, max_digits=20, null=True), blank=True, default=list, help_text='seconds spent waiting before each of those instants', size=None)),
                ('waiting', django.contrib.postgres.fields.ArrayField(base_field=django.contrib.postgres.fields.ranges.DateTimeRangeField(), blank=True, default=list, help_text="status waits and the key's delivery waits, merged", size=None)),
                ('organization', models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.organization')),
                ('work_item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='integrations.workitem')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('organization', 'work_item'), name='workitemmap_one_per_item')],
            },
        ),
    ]
