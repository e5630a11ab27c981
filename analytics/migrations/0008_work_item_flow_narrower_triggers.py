"""The flow triggers refresh only the items a statement can have moved (analytics.flow.store):
an update that leaves the flow inputs as they were, or a history entry that neither starts nor
ends work, no longer recomputes the item. The stored rows do not change."""

from django.db import migrations

from analytics.flow.store import INSTALL, UNINSTALL


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0007_work_key_delivery_fill'),
    ]

    operations = [
        # Going back keeps these triggers: they store the same rows as the wider ones did.
        migrations.RunSQL(UNINSTALL + INSTALL, migrations.RunSQL.noop),
    ]
