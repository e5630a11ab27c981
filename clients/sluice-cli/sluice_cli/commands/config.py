"""`sluice config export|plan|apply`: the organization's setup as one reviewed file.

The file travels as bytes: the server parses the YAML, so its errors name the file's lines, and
the client needs no YAML library. Exit codes for a CI job: 0 nothing to change (plan) or applied,
2 changes pending (plan), 1 the file cannot be applied as it is (invalid, or a conflict such as a
prune that would break references), 3 usage or refused (role, token), 4 network or server.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sluice_cli.client import ApiError
from sluice_cli.commands import Context
from sluice_cli.exits import CliError, Exit
from sluice_cli.output import print_json

YAML = "application/yaml"


def register(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        "config", help="export, plan and apply the organization's configuration file",
        description="The organization's setup as code: export it, plan a file against it, apply a file.")
    actions = parser.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    export = actions.add_parser("export", parents=parents, help="print the organization as a file")
    export.add_argument("-o", "--output", help="write to this file instead of stdout")
    export.set_defaults(run=run_export)
    for name, help_text in (("plan", "what applying the file would change (exit 2 when something would)"),
                            ("apply", "apply the file in one transaction, recorded as one change set")):
        action = actions.add_parser(name, parents=parents, help=help_text)
        action.add_argument("-f", "--file", required=True, help="the configuration file ('-' for stdin)")
        action.add_argument("--prune", action="store_true", help="delete objects the file does not name")
        action.add_argument("--json", action="store_true", help="print the server's answer as JSON")
        if name == "apply":
            action.add_argument("--source", default="", help="where the file came from, e.g. the commit SHA")
        action.set_defaults(run=run_plan if name == "plan" else run_apply)


def _read(path: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None


def _send(ctx: Context, args: argparse.Namespace, action: str, params: dict) -> dict:
    try:
        return ctx.client.post_bytes(f"config/{action}/", _read(args.file), content_type=YAML, params=params,
                                     repeatable=True)  # applying a file twice leaves what applying it once does
    except ApiError as error:
        if error.status not in (400, 409):
            raise
        _print_refusal(args.file, error, ctx)
        raise CliError(f"{args.file} was not {'applied' if action == 'apply' else 'planned'}.",
                       Exit.INVALID_FILE) from None


def _print_refusal(path: str, error: ApiError, ctx: Context) -> None:
    """One line a problem, `FILE:LINE: field: message`, as compilers write them (CI annotates those)."""
    problems = error.details.get("errors")
    if not isinstance(problems, list) or not problems:
        print(f"{path}: {error.message}", file=ctx.err)
        return
    for problem in problems:
        where = f"{path}:{problem.get('line')}" if problem.get("line") else path
        field = f" {problem['field']}:" if problem.get("field") else ""
        print(f"{where}:{field} {problem.get('message', '')}", file=ctx.err)


def _print_changes(changes: list[dict], ctx: Context) -> None:
    signs = {"create": "+", "update": "~", "delete": "-"}
    for change in changes:
        drift = " (changed by hand since the last apply)" if change.get("drift") else ""
        print(f"{signs.get(change['action'], '?')} {change['kind']} {change['key']}{drift}", file=ctx.out)
        for name, values in sorted(change.get("fields", {}).items()):
            if change["action"] == "update":
                print(f"    {name}: {values.get('from')!r} -> {values.get('to')!r}", file=ctx.out)


def run_export(args: argparse.Namespace, ctx: Context) -> int:
    content = ctx.client.get_bytes("config/export/", accept=YAML)
    if args.output:
        Path(args.output).write_bytes(content)
    else:
        ctx.out.write(content.decode("utf-8"))
    return Exit.OK


def run_plan(args: argparse.Namespace, ctx: Context) -> int:
    answer = _send(ctx, args, "plan", {"prune": "true"} if args.prune else {})
    changes = answer.get("changes") or []
    if args.json:
        print_json(answer, ctx.out)
    else:
        _print_changes(changes, ctx)
        print(f"{len(changes)} change(s) pending." if changes else "No changes.", file=ctx.out)
    return Exit.PENDING if changes else Exit.OK


def run_apply(args: argparse.Namespace, ctx: Context) -> int:
    params = {"prune": "true"} if args.prune else {}
    if args.source:
        params["source"] = args.source
    answer = _send(ctx, args, "apply", params)
    changes = answer.get("changes") or []
    if args.json:
        print_json(answer, ctx.out)
    else:
        _print_changes(changes, ctx)
        print(f"Applied {len(changes)} change(s) as change set {answer.get('change_set')}." if changes
              else "No changes.", file=ctx.out)
    return Exit.OK
