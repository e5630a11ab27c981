"""The flow and map triggers step aside while a batch defers the work item rows to its end
(integrations.item_rows): ingest writes a page's items, their history and their flow start, then
refreshes the items it wrote once instead of once per statement. The stored rows do not change."""

from django.db import migrations

from analytics.flow import store as flow
from analytics.streammap import items as map_rows


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0012_dora_change'),
    ]

    operations = [
        # Going back keeps these triggers: without the setting they do what the earlier ones did.
        migrations.RunSQL(map_rows.UNINSTALL + flow.UNINSTALL + flow.INSTALL + map_rows.INSTALL,
                          migrations.RunSQL.noop),
    ]
