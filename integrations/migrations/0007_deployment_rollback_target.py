from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0006_deployment_service_sha'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='deployment',
            index=models.Index(condition=models.Q(('rollback_of_external_id', ''), _negated=True), fields=['organization', 'rollback_of_external_id'], name='deployment_rollback_target'),
        ),
    ]
