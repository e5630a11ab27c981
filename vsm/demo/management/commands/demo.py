from django.core.management import call_command
from django.core.management.base import BaseCommand

from vsm.demo.seed import demo_summary, seed_demo


class Command(BaseCommand):
    help = ("Migrate, load the demo organization (once) and serve Sluice. Data is kept between runs; "
            "--reset empties the database first.")

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="delete all data and load the demo again")
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="prepare the data, do not start the server")

    def handle(self, *args, reset, addrport, no_serve, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if reset:
            self.stdout.write("Deleting all data ...")
            call_command("flush", interactive=False, verbosity=0)
        result = seed_demo()
        self.stdout.write(("Loaded" if result.created else "Reusing") + " the demo organization.")
        self.stdout.write(demo_summary())
        if no_serve:
            return
        self.stdout.write(f"Serving on http://{addrport}/  (Ctrl-C to stop)")
        call_command("runserver", addrport, use_reloader=False)
