"""`sluice lease acquire|renew|release`: hold a booked environment while a job deploys into it.

The lease token the server grants once is the key to renew and release; acquire keeps it in a
lease file (mode 0600) so the later steps of the job find it without it ever being printed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from sluice_cli.ci_env import write_github_output
from sluice_cli.client import ApiError
from sluice_cli.commands import Context
from sluice_cli.exits import CliError, Exit
from sluice_cli.output import print_error, print_json

DEFAULT_LEASE_FILE = ".sluice-lease.json"
MIN_PAUSE = 1.0


def register(subparsers, parents) -> None:
    lease = subparsers.add_parser("lease", help="acquire, renew or release a lease on an environment",
                                  description="Hold an environment while deploying into it.")
    actions = lease.add_subparsers(dest="lease_action", required=True, metavar="{acquire,renew,release}")

    acquire = actions.add_parser(
        "acquire", parents=parents, help="take a lease; prints its id",
        description="Take a lease on ENVIRONMENT: granted when your approved booking covers now (name it, or "
                    "the service you deploy) or the environment needs no booking. Prints the lease id; the lease "
                    "token goes to the lease file. Exit 1 when refused.")
    acquire.add_argument("--environment", required=True, help="the environment's slug")
    acquire.add_argument("--booking", type=int, help="the booking the job deploys under")
    acquire.add_argument("--service", help="the service deployed (its team's booking counts)")
    acquire.add_argument("--version", help="the version deployed")
    acquire.add_argument("--ttl", type=int, metavar="SECONDS", help="how long the lease holds (server default 900)")
    acquire.add_argument("--wait", type=seconds, default=0, metavar="SECONDS",
                         help="when refused with a time to retry, wait up to this long for the environment")
    acquire.add_argument("--github-output", action="store_true",
                         help="also write lease_id, lease_token and lease_environment to $GITHUB_OUTPUT")
    acquire.add_argument("--json", action="store_true", help="print the granted lease as JSON (without its token)")
    _lease_file_flag(acquire)
    acquire.set_defaults(run=run_acquire)

    for name, summary, run in (("renew", "push the lease's expiry out", run_renew),
                               ("release", "end the lease now: the environment is free at once", run_release)):
        action = actions.add_parser(name, parents=parents, help=summary,
                                    description=f"{summary[0].upper()}{summary[1:]}. The lease comes from the lease "
                                                "file, or from --environment, --lease-id and --lease-token.")
        _lease_file_flag(action)
        action.add_argument("--environment", help="with --lease-id: the environment's slug")
        action.add_argument("--lease-id", type=int, help="the lease's id (instead of the lease file)")
        action.add_argument("--lease-token", help="the lease token (env SLUICE_LEASE_TOKEN)")
        if name == "renew":
            action.add_argument("--ttl", type=int, metavar="SECONDS", help="how long from now (server default 900)")
        action.add_argument("--json", action="store_true", help="print the lease as JSON")
        action.set_defaults(run=run)


def seconds(text: str) -> float:
    value = float(text)  # argparse turns the ValueError into a usage error naming the flag
    if math.isnan(value):
        raise ValueError(text)
    return value


def _leases_url(environment: str) -> str:
    # The slug is one path segment: a '/' or '?' in it must not reach another endpoint.
    return f"environments/{quote(str(environment), safe='')}/leases/"


def _lease_file_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lease-file", metavar="PATH", help=f"where the lease and its token are kept "
                                                             f"(env SLUICE_LEASE_FILE, default {DEFAULT_LEASE_FILE})")


def _lease_file(args: argparse.Namespace, ctx: Context) -> Path:
    return Path(args.lease_file or ctx.environ.get("SLUICE_LEASE_FILE") or DEFAULT_LEASE_FILE)


def _seconds_until(moment: str | None) -> float | None:
    try:
        return datetime.fromisoformat(moment).timestamp() - time.time() if moment else None
    except ValueError:
        return None


def _grant(args: argparse.Namespace, ctx: Context) -> dict:
    body = {"version": args.version or ""}
    for key, value in (("booking", args.booking), ("service", args.service), ("ttl_seconds", args.ttl)):
        if value is not None:
            body[key] = value
    deadline = time.monotonic() + max(args.wait, 0)
    while True:
        try:
            # Not repeatable: a second grant would hold a second slot of the environment.
            return ctx.client.post(_leases_url(args.environment), body, repeatable=False)
        except ApiError as refused:
            if refused.code != "lease_denied":
                raise
            refused.exit_code = Exit.DENIED
            wait = _seconds_until(refused.details.get("retry_after"))
            left = deadline - time.monotonic()
            if wait is None or left <= 0:
                raise
            pause = max(min(wait, left), MIN_PAUSE)
            print_error(refused, ctx.err)
            print(f"sluice: waiting {pause:.0f}s for {args.environment}", file=ctx.err)
            time.sleep(pause)


def run_acquire(args: argparse.Namespace, ctx: Context) -> Exit:
    lease = _grant(args, ctx)
    secret = lease.pop("token", "")
    path = _lease_file(args, ctx)
    _save(path, {"environment": args.environment, "id": lease["id"], "token": secret,
                 "expires_at": lease.get("expires_at")})
    if args.github_output:
        # Masked first, so a later `echo` of the step output cannot show the token in the log.
        print(f"::add-mask::{secret}", file=ctx.out)
        write_github_output(ctx.environ, {"lease_id": str(lease["id"]), "lease_token": secret,
                                          "lease_environment": args.environment})
    if args.json:
        print_json(lease, ctx.out)
    else:
        print(lease["id"], file=ctx.out)
    print(f"sluice: lease {lease['id']} on {args.environment} until {lease.get('expires_at')} (token in {path})",
          file=ctx.err)
    return Exit.OK


def _save(path: Path, data: dict) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(data, handle)


def _held(args: argparse.Namespace, ctx: Context) -> tuple[dict, Path | None]:
    """The lease named by flags, else the one in the lease file; and the file it came from."""
    if args.lease_id is not None:
        token = args.lease_token or ctx.environ.get("SLUICE_LEASE_TOKEN", "")
        if not (args.environment and token):
            raise CliError("--lease-id needs --environment and the lease token (--lease-token or SLUICE_LEASE_TOKEN).")
        return {"environment": args.environment, "id": args.lease_id, "token": token}, None
    path = _lease_file(args, ctx)
    try:
        held = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CliError(f"No lease file at {path}: run `sluice lease acquire` first, or pass --lease-id, "
                       "--environment and --lease-token.") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise CliError(f"Cannot read the lease file {path}: {exc}") from None
    if not isinstance(held, dict) or not all(held.get(key) for key in ("environment", "id", "token")):
        raise CliError(f"The lease file {path} does not hold a lease; acquire one again.")
    return held, path


def _lease_action(args: argparse.Namespace, ctx: Context, action: str, extra: dict) -> tuple[dict, dict, Path | None]:
    held, path = _held(args, ctx)
    try:
        # Renewing or releasing twice ends as doing it once, so a timeout may be retried.
        lease = ctx.client.post(f"{_leases_url(held['environment'])}{held['id']}/{action}/",
                                {"token": held["token"], **extra}, repeatable=True)
    except ApiError as refused:
        if refused.code == "lease_denied":
            refused.exit_code = Exit.DENIED
        raise
    if args.json:
        print_json(lease, ctx.out)
    return lease, held, path


def run_renew(args: argparse.Namespace, ctx: Context) -> Exit:
    lease, held, path = _lease_action(args, ctx, "renew", {} if args.ttl is None else {"ttl_seconds": args.ttl})
    if path is not None:
        _save(path, {**held, "expires_at": lease.get("expires_at")})
    if not args.json:
        print(f"lease {lease.get('id')} on {held['environment']} held until {lease.get('expires_at')}", file=ctx.out)
    return Exit.OK


def run_release(args: argparse.Namespace, ctx: Context) -> Exit:
    lease, held, path = _lease_action(args, ctx, "release", {})
    if path is not None:
        path.unlink(missing_ok=True)
    if not args.json:
        print(f"lease {lease.get('id')} on {held['environment']} released at {lease.get('released_at')}",
              file=ctx.out)
    return Exit.OK
