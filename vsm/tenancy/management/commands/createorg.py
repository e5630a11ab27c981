from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from vsm.accounts.models import User
from vsm.errors import DomainError
from vsm.tenancy.actor import Actor
from vsm.tenancy.services import organization_create


class Command(BaseCommand):
    """The first owner becomes a member at once, without an invitation: an operator with shell
    access to the server acts for the organization being founded, and a new organization has
    nobody yet who could send one. Everyone after that joins by invitation."""

    help = "Create an organization, optionally with its first owner (created if the email is new)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--time-zone", default="UTC")
        parser.add_argument("--owner-email")
        parser.add_argument("--owner-password", help="sets the password of a new owner account")

    def handle(self, *args, slug, name, time_zone, owner_email, owner_password, **options):
        actor = Actor.for_system("createorg")
        try:
            with transaction.atomic():
                owner = None
                if owner_email:
                    owner = User.objects.filter(email__iexact=owner_email).first()
                    if owner is None:
                        owner = User.objects.create_user(email=owner_email, password=owner_password)
                org = organization_create(name=name, slug=slug, time_zone=time_zone, owner=owner, actor=actor)
        except DomainError as error:
            raise CommandError(error.message) from error
        except ValidationError as error:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from error
        self.stdout.write(f"Created organization {org.slug} ({org.name}, {org.time_zone})"
                          + (f" owned by {owner.email}" if owner else ""))
