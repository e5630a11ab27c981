"""`sluice check`: may this service version be deployed into this environment now?"""

from __future__ import annotations

import argparse

from sluice_cli.commands import Context
from sluice_cli.exits import CliError, Exit
from sluice_cli.output import print_json, print_reasons

EXIT_OF_DECISION = {"allow": Exit.OK, "deny": Exit.DENIED, "warn": Exit.WARN}


def register(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        "check", parents=parents, help="ask whether a deployment may go ahead (exit 0 allow, 1 deny, 2 warn)",
        description="Ask Sluice whether SERVICE VERSION may be deployed into ENVIRONMENT now. Every check is "
                    "recorded. Exit 0 allow, 1 deny, 2 allow with warnings.")
    parser.add_argument("--service", required=True, help="the service's slug")
    parser.add_argument("--environment", required=True, help="the environment's slug")
    parser.add_argument("--version", required=True, help="the version to deploy")
    parser.add_argument("--release", type=int, help="the release's id (default: the open release holding the version)")
    parser.add_argument("--override-reason", help="break-glass: deploy through a freeze in force, with this reason "
                                                  "(emergency releases or roles allowed to override; audited)")
    parser.add_argument("--json", action="store_true", help="print the server's whole answer as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, ctx: Context) -> Exit:
    body = {"service": args.service, "environment": args.environment, "version": args.version}
    if args.release is not None:
        body["release"] = args.release
    if args.override_reason:
        body["override_reason"] = args.override_reason
    # Asking twice only records a second check, so a retry after a timeout is harmless.
    answer = ctx.client.post("deployment-checks/", body, repeatable=True)
    decision = answer.get("decision", "")
    if decision not in EXIT_OF_DECISION:
        raise CliError(f"The server answered an unknown decision '{decision}'.", Exit.UNAVAILABLE)
    if args.json:
        print_json(answer, ctx.out)
    else:
        print(f"{decision}: {args.service} {args.version} to {args.environment} (check {answer.get('id')})",
              file=ctx.out)
        print_reasons(answer.get("reasons") or [], ctx.out)
        if answer.get("retry_after"):
            print(f"retry after: {answer['retry_after']}", file=ctx.out)
    return EXIT_OF_DECISION[decision]
