"""Configuration and usage errors exit 3 and say what to fix, before anything is sent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from releases.models import DeploymentCheck

ASK = ("check", "--service", "payments-api", "--environment", "payments-prod", "--version", "2.4.0")


@pytest.mark.parametrize("variable", ["SLUICE_URL", "SLUICE_ORG", "SLUICE_TOKEN"])
def test_a_missing_variable_is_named(variable, sluice_offline):
    run = sluice_offline(*ASK, env={variable: None})
    assert run.code == 3
    assert run.err.splitlines()[-1].startswith(f"sluice: {variable} is not set")


@pytest.mark.parametrize(("env", "message"), [
    ({"SLUICE_URL": "sluice.acme.test"}, "SLUICE_URL must be an http(s) URL"),
    ({"SLUICE_TIMEOUT": "soon"}, "SLUICE_TIMEOUT must be a number"),
    ({"SLUICE_RETRIES": "-1"}, "number of retries zero or more"),
    ({"SLUICE_TIMEOUT": "nan"}, "timeout must be a positive number of seconds"),
])
def test_bad_settings_are_explained(sluice_offline, env, message):
    run = sluice_offline(*ASK, env=env)
    assert run.code == 3 and message in run.err


@pytest.mark.parametrize("argv", [(), ("check", "--service", "payments-api"), ("deploy",),
                                  ("report-result", "--name", "unit", "--subject", "1", "--status", "maybe"),
                                  ("lease", "acquire", "--environment", "payments-prod", "--wait", "nan")])
def test_bad_flags_exit_3_not_argparses_2_which_means_warn(sluice_offline, argv):
    run = sluice_offline(*argv)
    assert run.code == 3 and run.err.startswith("sluice: ") and "\nusage: sluice" in run.err


@pytest.mark.django_db(transaction=True)
def test_flags_override_the_environment(estate, sluice, live_server, org_a, token_factory):
    run = sluice(*ASK, "--sluice-url", live_server.url, "--org", "acme", "--token", token_factory(org_a, name="flag"),
                 env={"SLUICE_URL": "http://127.0.0.1:9", "SLUICE_TOKEN": "wrong", "SLUICE_ORG": "nowhere"})
    assert run.code == 0, run.err
    assert DeploymentCheck.objects.get().checked_by_label == "token:flag"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("env", "status", "hint"), [
    ({"SLUICE_TOKEN": "svt_unknown"}, 401, "check SLUICE_TOKEN"),
    ({"SLUICE_ORG": "globex"}, 401, "check SLUICE_TOKEN"),  # org B exists; a token of A is unknown there
    ({"SLUICE_ORG": "nowhere"}, 404, "No such organization."),
])
def test_a_wrong_token_or_organization_is_refused_with_exit_3(estate, sluice, env, status, hint):
    run = sluice(*ASK, env=env)
    assert run.code == 3 and f"(HTTP {status}" in run.err and hint in run.err
    assert not DeploymentCheck.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_viewer_token_is_refused_with_a_hint(estate, sluice, org_a, token_factory):
    run = sluice(*ASK, env={"SLUICE_TOKEN": token_factory(org_a, role="viewer", name="viewer")})
    assert run.code == 3 and "(HTTP 403" in run.err and "role" in run.err


@pytest.mark.django_db(transaction=True)
def test_the_installed_script_runs_as_a_ci_job_would(estate, cli_env):
    """The console script pip installs, in a process of its own, configured only by the environment."""
    script = Path(sys.executable).with_name("sluice")
    assert script.exists(), "install the project (make install, or pip install -e .) to get the sluice script"
    done = subprocess.run([str(script), *ASK], env={"PATH": "/usr/bin:/bin", **cli_env}, capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("allow: payments-api 2.4.0 to payments-prod")
    assert cli_env["SLUICE_TOKEN"] not in done.stdout
