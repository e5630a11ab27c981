"""`sluice record-deployment`: tell Sluice a deployment started, finished or failed."""

from __future__ import annotations

import argparse

from sluice_cli.ci_env import ci_run
from sluice_cli.commands import Context, timestamp
from sluice_cli.exits import Exit
from sluice_cli.output import print_json

STATUSES = "in_progress, succeeded, failed, rolled_back, cancelled"
KINDS = "normal, hotfix, rollback"


def register(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        "record-deployment", parents=parents, help="record a deployment (again with the same external id: update it)",
        description="Record a deployment of SERVICE VERSION into ENVIRONMENT. Recording again with the same "
                    "external id updates the one record, so call it when the deployment starts and when it ends. "
                    "In GitHub Actions, GitLab CI and Jenkins the external id, URL and commit default to the run's.")
    parser.add_argument("--service", required=True, help="the service's slug")
    parser.add_argument("--environment", required=True, help="the environment's slug")
    parser.add_argument("--version", required=True, help="the version deployed")
    parser.add_argument("--status", default="succeeded", help=f"one of {STATUSES} (default succeeded)")
    parser.add_argument("--kind", help=f"one of {KINDS} (server default normal)")
    parser.add_argument("--commit-sha", help="the commit deployed (default: the CI run's commit)")
    parser.add_argument("--commit", action="append", default=[], metavar="SHA", dest="commits",
                        help="a commit the deployment ships (repeat for each)")
    parser.add_argument("--rollback-of", metavar="EXTERNAL_ID", help="the external id of the deployment rolled back")
    parser.add_argument("--started-at", metavar="WHEN", help="ISO 8601 with offset, or `now`")
    parser.add_argument("--finished-at", metavar="WHEN", help="ISO 8601 with offset, or `now`")
    parser.add_argument("--release", help="the release's id, version or name")
    parser.add_argument("--external-id", help="your id of this deployment (default: from the CI run, service and "
                                              "environment)")
    parser.add_argument("--url", help="where to see the deployment (default: the CI run's page)")
    parser.add_argument("--json", action="store_true", help="print the server's whole answer as JSON")
    parser.set_defaults(run=run)


def payload(args: argparse.Namespace, environ) -> dict:
    run_info = ci_run(environ)
    external_id = args.external_id or (run_info.external_id(args.service, args.environment) if run_info else "")
    optional = {
        "kind": args.kind, "rollback_of": args.rollback_of, "started_at": timestamp(args.started_at),
        "finished_at": timestamp(args.finished_at), "release": args.release, "external_id": external_id,
        "url": args.url or (run_info.url if run_info else ""),
        "commit_sha": args.commit_sha or (run_info.commit_sha if run_info else ""),
    }
    body = {"service": args.service, "environment": args.environment, "version": args.version, "status": args.status}
    body.update({key: value for key, value in optional.items() if value not in (None, "")})
    if args.commits:
        body["commits"] = [{"sha": sha} for sha in args.commits]
    return body


def run(args: argparse.Namespace, ctx: Context) -> Exit:
    body = payload(args, ctx.environ)
    if "external_id" not in body:
        print("sluice: no --external-id and no CI run found: a later call cannot update this deployment.",
              file=ctx.err)
    # With an external id the server updates one record, so a retry after a timeout cannot duplicate it.
    answer = ctx.client.post("deployments/", body, repeatable="external_id" in body)
    if args.json:
        print_json(answer, ctx.out)
    else:
        print(f"deployment {answer.get('id')} {answer.get('status', body['status'])}: {args.service} {args.version} "
              f"to {args.environment}", file=ctx.out)
    return Exit.OK
