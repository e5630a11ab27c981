"""What the CI system running us tells about the run, through its environment variables.

Only to fill in defaults: a stable external id (so a job's "started" and "finished" calls reach
the same record, and a re-run of a step updates instead of duplicating), the run's URL and the
commit. Flags always win.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sluice_cli.exits import CliError

EXTERNAL_ID_MAX = 200


@dataclass(frozen=True)
class CIRun:
    system: str
    key: str
    url: str
    commit_sha: str

    def external_id(self, *parts: str) -> str:
        """The run's key narrowed by what the call is about (one job may deploy several services)."""
        return ":".join([self.key, *parts])[:EXTERNAL_ID_MAX]


def ci_run(environ: Mapping[str, str]) -> CIRun | None:
    if environ.get("GITHUB_RUN_ID"):
        run_id, attempt = environ["GITHUB_RUN_ID"], environ.get("GITHUB_RUN_ATTEMPT") or "1"
        server = environ.get("GITHUB_SERVER_URL") or "https://github.com"
        repository = environ.get("GITHUB_REPOSITORY", "")
        url = f"{server}/{repository}/actions/runs/{run_id}/attempts/{attempt}" if repository else ""
        return CIRun("github", f"github:{run_id}:{attempt}", url, environ.get("GITHUB_SHA", ""))
    if environ.get("CI_JOB_ID"):
        return CIRun("gitlab", f"gitlab:{environ['CI_JOB_ID']}", environ.get("CI_JOB_URL", ""),
                     environ.get("CI_COMMIT_SHA", ""))
    if environ.get("BUILD_TAG"):
        return CIRun("jenkins", environ["BUILD_TAG"], environ.get("BUILD_URL", ""), environ.get("GIT_COMMIT", ""))
    return None


def write_github_output(environ: Mapping[str, str], values: dict[str, str]) -> None:
    """Step outputs for later steps of a GitHub Actions job (`steps.<id>.outputs.<name>`)."""
    target = environ.get("GITHUB_OUTPUT")
    if not target:
        raise CliError("--github-output needs GITHUB_OUTPUT, which GitHub Actions sets in every step.")
    with Path(target).open("a", encoding="utf-8") as handle:
        for name, value in values.items():
            handle.write(f"{name}={value}\n")
