# The unique slug constraint now comes from vsm.tenancy.scoping.NamedEntity, named after the class.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('environments', '0002_requests_record_tokens'),
        ('tenancy', '0002_invitation'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='environmentgroup',
            name='envgroup_unique_slug',
        ),
        migrations.AddConstraint(
            model_name='environmentgroup',
            constraint=models.UniqueConstraint(fields=('organization', 'slug'), name='environmentgroup_unique_slug'),
        ),
    ]
