"""The `sluice` command: parse, configure, run one command, exit with a documented code."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

from sluice_cli import cli_version
from sluice_cli.client import Client
from sluice_cli.commands import Context, check, config, deployments, leases, results
from sluice_cli.config import add_connection_flags, config_from
from sluice_cli.exits import CliError, Exit
from sluice_cli.output import print_error

COMMANDS = (check, deployments, leases, results, config)


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad flags, which `sluice check` uses for "warn": make it a usage error."""

    def error(self, message: str):
        raise CliError(f"{message}\n{self.format_usage().rstrip()}", Exit.USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sluice", description="Talk to Sluice from CI jobs: ask before deploying, hold an "
                                                "environment, record deployments, report results to gates.",
                     epilog="Exit codes: 0 ok/allow, 1 deny/refused lease/file not applicable, 2 warn/changes "
                            "pending, 3 usage or configuration, 4 network or server error. See docs/ci.md.")
    parser.add_argument("--version", action="version", version=f"sluice {cli_version()}")
    connection = _Parser(add_help=False)
    add_connection_flags(connection)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers, [connection])
    return parser


def main(argv: Sequence[str] | None = None, *, environ: Mapping[str, str] | None = None,
         out: TextIO | None = None, err: TextIO | None = None) -> int:
    environ = os.environ if environ is None else environ
    out, err = out or sys.stdout, err or sys.stderr
    try:
        args = build_parser().parse_args(argv)
        client = Client(config_from(args, environ), err=err)
        return int(args.run(args, Context(client=client, out=out, err=err, environ=environ)))
    except CliError as error:
        print_error(error, err)
        return int(error.exit_code)
    except SystemExit as done:  # --help and --version
        return done.code if isinstance(done.code, int) else int(Exit.USAGE)
    except KeyboardInterrupt:
        return 130
