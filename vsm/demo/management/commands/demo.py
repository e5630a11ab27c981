import os
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.core.servers.basehttp import get_internal_wsgi_application

from vsm.demo.quiet import send_to_log_file
from vsm.demo.seed import demo_summary, seed_demo


class Command(BaseCommand):
    help = ("Migrate, load the demo organization (once) and serve Sluice. Data is kept between runs; "
            "--reset empties the database first. Logs and emails go to <data folder>/demo.log.")

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="delete all data and load the demo again")
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="prepare the data, do not start the server")

    @contextmanager
    def step(self, what: str):
        """One line of progress: what is being prepared, then how long it took."""
        self.stdout.write(f"{what} ...", ending="")
        self.stdout.flush()
        started = time.monotonic()
        yield
        self.stdout.write(f" done ({time.monotonic() - started:.0f} s)")

    def handle(self, *args, reset, addrport, no_serve, **options):
        log = send_to_log_file()
        address = f"http://{addrport}"
        if not os.environ.get("SITE_URL"):
            # Links in emails and chat messages point where this demo serves.
            settings.SITE_URL = address
        self.stdout.write(f"Preparing the Sluice demo (logs and emails: {log})")
        with self.step("Starting the database and applying migrations"):
            call_command("migrate", interactive=False, verbosity=0)
        if reset:
            with self.step("Deleting all data"):
                call_command("flush", interactive=False, verbosity=0)
        with self.step("Loading the demo organization (the first time takes a while)"):
            result = seed_demo()
        if not result.created:
            self.stdout.write("(the demo organization was already there: reused; `make demo-reset` loads it afresh)")
        self.stdout.write("")
        self.stdout.write(demo_summary(address=address if not no_serve else None))
        if no_serve:
            return
        # Loading the WSGI application runs django.setup() again, which configures logging anew:
        # load it now and send the log lines to the file once more.
        get_internal_wsgi_application()
        send_to_log_file()
        self.stdout.write(f"Serving on {address}/  (Ctrl-C to stop)")
        self.stdout.flush()
        # runserver's own banner goes to the log; its errors (a port in use) still reach the terminal.
        with log.open("a", encoding="utf-8") as banner:
            call_command("runserver", addrport, use_reloader=False, stdout=banner, skip_checks=True)

