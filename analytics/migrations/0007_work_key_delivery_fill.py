"""The stored delivery events of the work item keys named so far (analytics.streammap.store).
Apart from 0006 for the reason 0004 is apart from 0003: Django adds 0006's foreign keys at the
end of that migration, outside any tenant context."""

from django.db import migrations

from analytics.streammap.store import work_key_deliveries_refresh
from vsm.tenancy.migration_fill import fill_each_organization


def fill_existing(apps, schema_editor):
    fill_each_organization(apps, schema_editor,
                           lambda cursor: work_key_deliveries_refresh(service_id=None, since=None, cursor=cursor))


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0006_work_key_delivery'),
        ('integrations', '0007_deployment_rollback_target'),
    ]

    operations = [
        migrations.RunPython(fill_existing, migrations.RunPython.noop),
    ]
