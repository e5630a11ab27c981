"""The work item keys an edited pull request stopped naming, kept until the derivation has
recomputed their delivery events (analytics.streammap.store)."""

import django.contrib.postgres.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0010_indexes_where_read'),
    ]

    operations = [
        migrations.AddField(
            model_name='pullrequest',
            name='work_item_keys_dropped',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=60), blank=True, default=list, size=None),
        ),
    ]
