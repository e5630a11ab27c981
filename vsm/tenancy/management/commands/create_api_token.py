from django.core.management.base import BaseCommand, CommandError

from vsm.errors import DomainError
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role
from vsm.tenancy.selectors import organization_get
from vsm.tenancy.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for CI. Prints only the token on stdout, so scripts can capture it."

    def add_arguments(self, parser):
        parser.add_argument("org_slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--role", default=Role.ENGINEER, choices=Role.values)

    def handle(self, *args, org_slug, name, role, **options):
        org = organization_get(slug=org_slug)
        if org is None:
            raise CommandError(f"No organization '{org_slug}'.")
        with tenant_context(org):
            try:
                _token, secret = api_token_create(name=name, role=role, expires_at=None,
                                                  actor=Actor.for_system("create_api_token"))
            except DomainError as error:
                raise CommandError(error.message) from error
        self.stdout.write(secret)
