"""Drop the work item indexes a composite index already leads with: the organization alone
(the unique key and workitem_key lead with it) and a transition's work item alone
(transition_unique_external leads with it). Each cost every ingested row a write, and without
table statistics PostgreSQL read a whole organization's items through the first."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0007_deployment_rollback_target'),
        ('tenancy', '0002_invitation'),
    ]

    operations = [
        migrations.AlterField(
            model_name='workitem',
            name='organization',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.organization'),
        ),
        migrations.AlterField(
            model_name='workitemtransition',
            name='work_item',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='transitions', to='integrations.workitem'),
        ),
    ]
