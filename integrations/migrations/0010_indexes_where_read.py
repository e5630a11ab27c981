"""Fewer index writes per ingested row: the organization, service and environment of deployments and
commits (and a link's deployment) are found through composite indexes that lead with them; a
record's connection through its unique key; the optional references of deployments, commits and
work items are indexed only where set (vsm.indexes). The new indexes are built first, without
blocking writes, then the old ones go."""

import django.db.models.deletion
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ('catalog', '0001_initial'),
        ('environments', '0003_environmentgroup_unique_slug_from_named_entity'),
        ('integrations', '0009_incident_open_attributed'),
        ('releases', '0002_rules_version'),
        ('tenancy', '0002_invitation'),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='commit',
            index=models.Index(condition=models.Q(('first_production_deployment__isnull', False)), fields=['first_production_deployment'], name='commit_first_production'),
        ),
        AddIndexConcurrently(
            model_name='deployment',
            index=models.Index(condition=models.Q(('rollback_of__isnull', False)), fields=['rollback_of'], name='deployment_rollback_of'),
        ),
        AddIndexConcurrently(
            model_name='deployment',
            index=models.Index(condition=models.Q(('release__isnull', False)), fields=['release'], name='deployment_release'),
        ),
        AddIndexConcurrently(
            model_name='deployment',
            index=models.Index(condition=models.Q(('pipeline_run__isnull', False)), fields=['pipeline_run'], name='deployment_pipeline_run'),
        ),
        AddIndexConcurrently(
            model_name='deployment',
            index=models.Index(condition=models.Q(('change_request__isnull', False)), fields=['change_request'], name='deployment_change_request'),
        ),
        AddIndexConcurrently(
            model_name='workitem',
            index=models.Index(condition=models.Q(('service__isnull', False)), fields=['service'], name='workitem_service'),
        ),
        AddIndexConcurrently(
            model_name='workitem',
            index=models.Index(condition=models.Q(('value_stream__isnull', False)), fields=['value_stream'], name='workitem_value_stream'),
        ),
        migrations.AlterField(
            model_name='changerequest',
            name='connection',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='integrations.connection'),
        ),
        migrations.AlterField(
            model_name='commit',
            name='connection',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='integrations.connection'),
        ),
        migrations.AlterField(
            model_name='commit',
            name='first_production_deployment',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='first_production_commits', to='integrations.deployment'),
        ),
        migrations.AlterField(
            model_name='commit',
            name='organization',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.organization'),
        ),
        migrations.AlterField(
            model_name='commit',
            name='service',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='commits', to='catalog.service'),
        ),
        migrations.AlterField(
            model_name='deployment',
            name='change_request',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='deployments', to='integrations.changerequest'),
        ),
        migrations.AlterField(
            model_name='deployment',
            name='connection',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='integrations.connection'),
        ),
        migrations.AlterField(
            model_name='deployment',
            name='environment',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='deployments', to='environments.environment'),
        ),
        migrations.AlterField(
            model_name='deployment',
            name='organization',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.organization'),
        ),
        migrations.AlterField(
            model_name='deployment',
            name='pipeline_run',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='deployments', to='integrations.pipelinerun'),
        ),
        migrations.AlterField(
            model_name='deployment',
            name='release',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='deployments', to='releases.release'),
        ),
        migrations.AlterField(
            model_name='deployment',
            name='rollback_of',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='rolled_back_by', to='integrations.deployment'),
        ),
        migrations.AlterField(
            model_name='deployment',
            name='service',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='deployments', to='catalog.service'),
        ),
        migrations.AlterField(
            model_name='deploymentcommit',
            name='deployment',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='deployment_commits', to='integrations.deployment'),
        ),
        migrations.AlterField(
            model_name='incident',
            name='connection',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='integrations.connection'),
        ),
        migrations.AlterField(
            model_name='pipelinejob',
            name='connection',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='integrations.connection'),
        ),
        migrations.AlterField(
            model_name='pipelinerun',
            name='connection',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='integrations.connection'),
        ),
        migrations.AlterField(
            model_name='pullrequest',
            name='connection',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='integrations.connection'),
        ),
        migrations.AlterField(
            model_name='workitem',
            name='connection',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='integrations.connection'),
        ),
        migrations.AlterField(
            model_name='workitem',
            name='service',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='work_items', to='catalog.service'),
        ),
        migrations.AlterField(
            model_name='workitem',
            name='value_stream',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='work_items', to='catalog.valuestream'),
        ),
    ]
