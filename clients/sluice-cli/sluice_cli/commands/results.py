"""`sluice report-result`: a pass/fail result from CI that automated gate criteria read.

The server keeps results by name and subject (e.g. "integration-tests" on "2.4.0"); criteria with
the rule `ci_result_reported` name the result they wait for. Given a criterion or a gate, the
command reads the name and subject from the criterion, so the pipeline need not repeat them.
"""

from __future__ import annotations

import argparse
import uuid

from sluice_cli.ci_env import ci_run
from sluice_cli.commands import Context
from sluice_cli.exits import CliError, Exit
from sluice_cli.output import print_json

CI_RULE = "ci_result_reported"


def register(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        "report-result", parents=parents, help="report a CI result (tests, scans) to the gates that read it",
        description="Report a named pass/fail result about a subject. Name the criterion (or the gate) that waits "
                    "for it, or give --name and --subject. Reporting again with the same external id updates it.")
    target = parser.add_argument_group("what the result is for")
    target.add_argument("--criterion", type=int, help="the automated criterion's id; name and subject come from it")
    target.add_argument("--gate", type=int, help="the gate's id: its criterion reading CI results (use --name when "
                                                 "it has several)")
    target.add_argument("--name", help="the result's name, e.g. integration-tests")
    target.add_argument("--subject", help="what was checked, e.g. a version 2.4.0 or release:42")
    parser.add_argument("--status", required=True, choices=["passed", "failed"])
    parser.add_argument("--summary", default="", help="one line for people, e.g. '412 passed, 0 failed'")
    parser.add_argument("--evidence-url", default="", help="where the evidence is (the test report, the job)")
    parser.add_argument("--external-id", help="your id of this result (default: from the CI run, name and subject)")
    parser.add_argument("--json", action="store_true", help="print the recorded result as JSON")
    parser.set_defaults(run=run)


def _subject_of(criterion: dict, gate: dict) -> str | None:
    params = criterion.get("params") or {}
    if "subject" in params:
        return str(params["subject"])
    value = (gate.get("context") or {}).get(params.get("subject_from_context", ""))
    return None if value is None else str(value)


def _reading_ci(gate: dict, name: str | None) -> list[dict]:
    return [c for c in gate.get("criteria") or []
            if c.get("rule") == CI_RULE and (name is None or (c.get("params") or {}).get("name") == name)]


def _target(args: argparse.Namespace, ctx: Context) -> tuple[str, str, dict | None]:
    """The result's name and subject, and the gate whose criterion reads it (when one was named)."""
    if args.criterion is None and args.gate is None:
        if not (args.name and args.subject):
            raise CliError("Name what the result is for: --criterion ID, --gate ID, or --name and --subject.")
        return args.name, args.subject, None
    if args.criterion is not None:
        criterion = ctx.client.get(f"criteria/{args.criterion}/")
        if criterion.get("rule") != CI_RULE:
            raise CliError(f"Criterion {args.criterion} does not read CI results (its rule: "
                           f"{criterion.get('rule') or 'manual sign-off'}).")
        gate = ctx.client.get(f"gates/{criterion['gate']}/")
    else:
        gate = ctx.client.get(f"gates/{args.gate}/")
        candidates = _reading_ci(gate, args.name)
        if len(candidates) != 1:
            names = sorted({(c.get("params") or {}).get("name", "?") for c in _reading_ci(gate, None)})
            raise CliError(f"Gate {args.gate} has {len(candidates)} criteria reading CI results"
                           f"{f' named {args.name}' if args.name else ''}; name one with --name "
                           f"(its results: {', '.join(names) or 'none'}) or use --criterion.")
        criterion = candidates[0]
    subject = args.subject or _subject_of(criterion, gate)
    if not subject:
        raise CliError(f"Criterion {criterion['id']} takes its subject from the gate's context, which lacks it; "
                       "pass --subject.")
    return criterion["params"]["name"], subject, gate


def run(args: argparse.Namespace, ctx: Context) -> Exit:
    name, subject, gate = _target(args, ctx)
    run_info = ci_run(ctx.environ)
    external_id = args.external_id or (run_info.external_id(name, subject) if run_info else "")
    body = {"name": name, "subject": subject, "passed": args.status == "passed", "summary": args.summary,
            "evidence_url": args.evidence_url, "external_id": external_id}
    # Without an id of ours, a fresh Idempotency-Key still makes a retry of this one call update, not add.
    headers = None if external_id else {"Idempotency-Key": f"sluice-cli:{uuid.uuid4()}"}
    result = ctx.client.post("ci-results/", body, repeatable=True, headers=headers)
    if args.json:
        print_json(result, ctx.out)
    else:
        print(f"result {result.get('id')}: {name} {args.status} for {subject}", file=ctx.out)
    if gate is not None:
        _print_gate(ctx, gate["id"], name)
    return Exit.OK


def _print_gate(ctx: Context, gate_id: int, name: str) -> None:
    """Where the gate stands now; with background workers the re-evaluation may still be queued."""
    gate = ctx.client.get(f"gates/{gate_id}/")
    print(f"gate {gate_id} '{gate.get('name')}': {gate.get('status')}", file=ctx.err)
    for criterion in _reading_ci(gate, name):
        print(f"  criterion {criterion['id']} '{criterion.get('title')}': {criterion.get('state')}", file=ctx.err)
