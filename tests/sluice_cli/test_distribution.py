"""The client stands on its own. The repository's GitHub Action installs it into a fresh virtual
environment (from clients/sluice-cli, nothing of the server) and runs it against the real server;
the GitLab CI template does the same with its own script. Both scripts run here as the runner
would run them: bash, with the job's variables only."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from integrations.models import Deployment

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "clients" / "sluice-cli"
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
GITLAB = yaml.safe_load((ROOT / "ci" / "gitlab" / "sluice.gitlab-ci.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")
ASK = {"service": "payments-api", "environment": "payments-prod", "version": "2.4.0"}


def job_environment(cli_env: dict[str, str], home: Path) -> dict[str, str]:
    """The machine's variables (pip's settings among them) without the project: its virtualenv is
    off PATH and no Django settings leak in."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("VIRTUAL_ENV", "PYTHONPATH", "DJANGO_SETTINGS_MODULE", "DATABASE_URL")
           and not key.startswith(("SLUICE_", "GITHUB_", "CI_", "BUILD_"))}
    return {**env, "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), **cli_env}


def run_action(with_: dict[str, str], env: dict[str, str], runner_temp: Path) -> tuple[int, dict, str]:
    """The composite action's steps, their ${{ }} expressions filled in as the runner fills them."""
    inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()} | with_
    outputs: dict[str, dict[str, str]] = {}

    def value(expression: str) -> str:
        scope, _, rest = expression.partition(".")
        if expression == "github.action_path":
            return str(ROOT)
        if scope == "inputs":
            return inputs[rest]
        if scope == "steps":
            step, _, name = rest.partition(".outputs.")
            return outputs.get(step, {}).get(name, "")
        raise AssertionError(f"this test does not evaluate ${{{{ {expression} }}}}")

    log = ""
    for index, step in enumerate(ACTION["runs"]["steps"]):
        if "if" in step:
            assert step["if"] == "inputs.command != ''", "teach this test the step's new condition"
            if not inputs["command"]:
                continue
        output_file = runner_temp / f"output-{index}"
        output_file.write_text("")
        step_env = {**env, "RUNNER_TEMP": str(runner_temp), "GITHUB_OUTPUT": str(output_file),
                    "GITHUB_PATH": str(runner_temp / "path")}
        step_env.update({key: EXPRESSION.sub(lambda match: value(match.group(1)), str(text))
                         for key, text in step.get("env", {}).items()})
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], env=step_env,
                              capture_output=True, text=True, timeout=300)
        log += done.stdout + done.stderr
        outputs[step.get("id", str(index))] = dict(
            line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
        if done.returncode:
            return done.returncode, outputs, log
    return 0, outputs, log


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory) -> Path:
    """RUNNER_TEMP of one job: the first use of the action installs the client there, later ones
    (and the GitLab template's script, pointed at the same place) reuse it, as steps of one job do."""
    return tmp_path_factory.mktemp("runner")


def venv_python(runner_temp: Path, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(runner_temp / "sluice-cli" / "bin" / "python"), "-c", code], capture_output=True,
                          text=True, timeout=60, cwd=runner_temp)


@pytest.mark.django_db(transaction=True)
def test_the_github_action_installs_the_client_alone_and_asks_the_real_server(estate, cli_env, tmp_path,
                                                                              runner_temp):
    assert not (runner_temp / "sluice-cli").exists(), "a fresh environment"
    env = job_environment(cli_env, tmp_path)

    code, outputs, log = run_action({"command": "check", **ASK}, env, runner_temp)
    assert code == 0, log
    assert "allow: payments-api 2.4.0 to payments-prod" in log
    assert outputs["run"]["exit-code"] == "0"
    assert (runner_temp / "path").read_text().strip() == str(runner_temp / "sluice-cli" / "bin")

    # The environment holds the client and its two libraries, and nothing of the server.
    for module in ("django", "vsm", "psycopg2", "celery"):
        assert "ModuleNotFoundError" in venv_python(runner_temp, f"import {module}").stderr, module
    installed = json.loads(venv_python(runner_temp, (
        "import json, importlib.metadata as m, sluice_cli; "
        "print(json.dumps([sluice_cli.__file__, m.requires('sluice-cli')]))")).stdout)
    assert installed[0].startswith(str(runner_temp / "sluice-cli"))
    assert sorted(re.split(r"[<>=!~;\s]", requirement)[0] for requirement in installed[1]) == ["httpx", "tenacity"]

    # A second use in the job reuses the installation and records the deployment.
    code, outputs, log = run_action({"command": "record-deployment", "status": "succeeded", **ASK,
                                     "args": "--external-id action-1"}, env, runner_temp)
    assert code == 0, log
    deployment = Deployment.objects.get(external_id="action-1")
    assert (deployment.version, deployment.status, deployment.finished_at is not None) == ("2.4.0", "succeeded", True)


@pytest.mark.django_db(transaction=True)
def test_the_github_action_fails_the_step_with_the_commands_exit_code(estate, cli_env, tmp_path, runner_temp):
    env = job_environment({**cli_env, "SLUICE_TOKEN": "svt_wrong"}, tmp_path)
    code, outputs, log = run_action({"command": "check", **ASK}, env, runner_temp)
    assert (code, outputs["run"]["exit-code"]) == (3, "3"), log
    assert "HTTP 401" in log and "svt_wrong" not in log


def gitlab_job(name: str) -> str:
    """A job's before_script and script as one shell script, as the runner concatenates them."""
    job = GITLAB[name]
    parent = GITLAB[job["extends"]] if "extends" in job else {}
    lines = job.get("before_script", parent.get("before_script", [])) + job["script"]
    return "\n".join(lines)


@pytest.mark.django_db(transaction=True)
def test_the_gitlab_template_installs_the_client_and_checks_then_records(estate, cli_env, tmp_path, runner_temp):
    env = {**job_environment(cli_env, tmp_path), "SLUICE_CLI_PACKAGE": str(CLI),
           "SLUICE_CLI_VENV": str(runner_temp / "sluice-cli"), "SLUICE_SERVICE": "payments-api",
           "SLUICE_ENVIRONMENT": "payments-prod", "SLUICE_VERSION": "2.4.0", "CI_JOB_ID": "4242",
           "CI_JOB_URL": "https://gitlab.acme.test/payments/-/jobs/4242", "CI_COMMIT_SHA": "abc4242"}

    def job(name: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", gitlab_job(name)],
                              env={**env, **extra}, capture_output=True, text=True, timeout=300)

    checked = job(".sluice-check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("allow: payments-api 2.4.0 to payments-prod")
    started = job(".sluice-record-deployment", SLUICE_DEPLOYMENT_STATUS="in_progress")
    finished = job(".sluice-record-deployment")
    assert started.returncode == finished.returncode == 0, started.stderr + finished.stderr
    deployment = Deployment.objects.get()
    assert (deployment.external_id, deployment.status) == ("gitlab:4242:payments-api:payments-prod", "succeeded")
    assert deployment.started_at is not None and deployment.finished_at >= deployment.started_at

    unset = job(".sluice-check", SLUICE_CLI_PACKAGE="")
    assert unset.returncode == 3 and "set SLUICE_CLI_PACKAGE" in unset.stderr
