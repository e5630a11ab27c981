"""The record of each rewrite of an organization's DORA rollups, whose newest row names the
state the stored reports are kept under (analytics.dora.report_cache)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0011_work_item_map_triggers'),
        ('tenancy', '0002_invitation'),
    ]

    operations = [
        migrations.CreateModel(
            name='DoraChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('organization', models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.organization')),
            ],
            options={
                'indexes': [models.Index(fields=['organization', '-id'], name='dorachange_latest')],
            },
        ),
    ]
