from django.core.management.base import BaseCommand

from vsm.demo.seed import demo_summary, seed_demo


class Command(BaseCommand):
    help = "Load the deterministic demo organization (does nothing if it already exists)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, seed, **options):
        result = seed_demo(seed=seed)
        verb = "Created" if result.created else "Kept the existing"
        self.stdout.write(f"{verb} demo organization '{result.organization.slug}'.")
        self.stdout.write(demo_summary())
