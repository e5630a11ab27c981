"""Print the JSON Schema of the configuration file (kept in docs/config-schema.v1.json)."""

import json

from django.core.management.base import BaseCommand

from orgconfig.spec import json_schema


class Command(BaseCommand):
    help = "Print the JSON Schema of a version 1 configuration file."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(json_schema(), indent=2))
