"""A PgBouncer of the test's own in transaction mode (Debian's `pgbouncer`, installed by .ci/run):
started on a free port with a temporary configuration in front of the test's PostgreSQL, and a
Django connection through it."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg2
from django.db import connections

from tests.redis_support import free_port

PGBOUNCER = shutil.which("pgbouncer") or next(
    (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.path.exists(p)), None)
SKIP_REASON = "SKIPPED: no pgbouncer to start (apt-get install pgbouncer; .ci/run installs it)"


@contextmanager
def pgbouncer(*, pool_size: int = 1):
    """(host, port) of a PgBouncer in transaction mode with `pool_size` server connections per
    database and user, stopped at the end."""
    default = connections["default"].settings_dict
    folder = Path(tempfile.mkdtemp(prefix="sluice-pgbouncer-"))
    port = free_port()
    (folder / "userlist.txt").write_text(f'"{default["USER"]}" ""\n')
    (folder / "pgbouncer.ini").write_text(f"""[databases]
* = host={default["HOST"] or "127.0.0.1"} port={default["PORT"] or 5432}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/userlist.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 50
ignore_startup_parameters = extra_float_digits,options
logfile = {folder}/pgbouncer.log
""")
    command = [PGBOUNCER, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root; it runs as postgres and writes its log here
        command[1:1] = ["-u", "postgres"]
        shutil.chown(folder, "postgres")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                psycopg2.connect(host="127.0.0.1", port=port, user=default["USER"], dbname=default["NAME"]).close()
                break
            except psycopg2.OperationalError as refused:
                if time.monotonic() > deadline or process.poll() is not None:
                    log = folder / "pgbouncer.log"
                    said = log.read_text() if log.exists() else ""
                    raise RuntimeError(f"PgBouncer did not start: {said}") from refused
                time.sleep(0.05)
        yield "127.0.0.1", port
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def connection_through(host: str, port: int, alias: str = "pooled"):
    """A new Django connection (the project's backend, so the tenant settings apply) to the test
    database through host:port; the caller closes it."""
    settings_dict = {**connections["default"].settings_dict, "HOST": host, "PORT": port, "CONN_MAX_AGE": 0}
    backend = connections["default"].__class__
    return backend(settings_dict, alias)
