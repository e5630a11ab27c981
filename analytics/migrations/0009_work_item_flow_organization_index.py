"""Drop the flow row index on the organization alone: workitemflow_done and
workitemflow_load_start lead with it (see integrations 0008)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0008_work_item_flow_narrower_triggers'),
        ('tenancy', '0002_invitation'),
    ]

    operations = [
        migrations.AlterField(
            model_name='workitemflow',
            name='organization',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.organization'),
        ),
    ]
