"""Real Sluice processes for the scale-out tests: Celery workers and gunicorn web nodes started
against the test database (which the tests commit to), stopped at the end."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack, contextmanager

from django.db import connection

from tests.redis_support import free_port


def environment(redis_url: str, **extra: str) -> dict[str, str]:
    settings_dict = connection.settings_dict
    database_url = (f"postgresql://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
                    f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}")
    return {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
            "DJANGO_SETTINGS_MODULE": "vsm.settings.test", **extra}


@contextmanager
def running(command: list[str], env: dict[str, str]):
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def workers(redis_url: str, queues: list[str], **extra: str):
    """A Celery worker process per queue (one task at a time each, as the compose file's)."""
    env = environment(redis_url, **extra)
    with ExitStack() as stack:
        for queue in queues:
            stack.enter_context(running(
                [sys.executable, "-m", "celery", "-A", "vsm", "worker", "-Q", queue, "--pool", "solo",
                 "--loglevel", "WARNING", "-n", f"{queue}-{os.getpid()}@%h", "--without-gossip",
                 "--without-mingle", "--without-heartbeat"], env))
        yield


@contextmanager
def beat(redis_url: str, folder: str, **extra: str):
    """Celery beat: the periodic sweeps (derivation markers, CI results, notifications)."""
    with running([sys.executable, "-m", "celery", "-A", "vsm", "beat", "--loglevel", "WARNING",
                  "-s", f"{folder}/celerybeat-schedule"], environment(redis_url, **extra)):
        yield


@contextmanager
def web_nodes(redis_url: str, count: int, **extra: str):
    """`count` gunicorn processes, each on a port of its own; yields their base URLs."""
    env = environment(redis_url, **extra)
    with ExitStack() as stack:
        urls = []
        for _ in range(count):
            port = free_port()
            stack.enter_context(running(
                [sys.executable, "-m", "gunicorn", "vsm.wsgi:application", "--bind", f"127.0.0.1:{port}",
                 "--workers", "1", "--threads", "4", "--timeout", "60",
                 # longer than clients keep an idle connection (httpx: 5 s), so a request is
                 # never sent on a connection the node is closing
                 "--keep-alive", "10"], env))
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            wait_until_up(url)
        yield urls


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
