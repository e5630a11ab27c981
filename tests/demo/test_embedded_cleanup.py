"""The embedded PostgreSQL stops with the process that started it, however that process is asked
to stop, and records left by a process killed outright never keep a server running.

Real processes: `manage.py` with no DATABASE_URL and a data directory of the test's own, so each
starts the embedded server as `make demo` does; the test then signals it and looks for the
server's process."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
HOLD = "print('ready', flush=True); import time; time.sleep(300)"


class Managed:
    """A `manage.py` process on the embedded server, its output read line by line."""

    def __init__(self, data_dir: Path, *argv: str):
        env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
        env.update(SLUICE_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="vsm.settings.local", PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen([sys.executable, "manage.py", *argv], cwd=ROOT, env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, marker: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if marker in line:
                return
        self.process.kill()
        pytest.fail(f"no {marker!r} within {timeout}s; output:\n{''.join(self.seen)}")

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=60)

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])


def gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid):
            return True
        time.sleep(0.2)
    return False


def stop_server(pid: int) -> None:
    """Clean up after a failed test: never leave a server behind ourselves."""
    if psutil.pid_exists(pid):
        psutil.Process(pid).terminate()
        gone(pid)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """One data directory for the module: initdb runs once."""
    return tmp_path_factory.mktemp("embedded")


@pytest.fixture
def hold(data_dir):
    started: list[Managed] = []

    def start() -> Managed:
        managed = Managed(data_dir, "shell", "-c", HOLD)
        started.append(managed)
        managed.wait_for("ready", timeout=120)
        return managed

    yield start
    for managed in started:
        managed.kill()
    if (data_dir / "postgres" / "postmaster.pid").exists():
        stop_server(postmaster_pid(data_dir))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["term", "hangup", "ctrl-c"])
def test_a_signal_stops_the_embedded_server(hold, data_dir, signum):
    managed = hold()
    pid = postmaster_pid(data_dir)
    assert psutil.Process(pid).name() == "postgres"
    managed.stop(signum)
    assert gone(pid), f"the embedded PostgreSQL (pid {pid}) outlived the process after {signum.name}"
    assert not (data_dir / "postgres" / "postmaster.pid").exists()


def test_a_run_killed_outright_does_not_keep_later_runs_from_stopping_the_server(hold, data_dir):
    killed = hold()
    pid = postmaster_pid(data_dir)
    killed.stop(signal.SIGKILL)  # no exit handler runs: the server stays, and so does the dead PID's record
    assert psutil.pid_exists(pid)
    assert str(killed.process.pid) in (data_dir / "postgres" / ".handle_pids.json").read_text()

    later = hold()
    assert postmaster_pid(data_dir) == pid  # the left-over server is taken over, not started twice
    later.stop(signal.SIGTERM)
    assert gone(pid), "the stale PID record kept the later run from stopping the server"


def test_a_stale_postmaster_pid_naming_another_process_is_not_taken_for_a_server(hold, data_dir):
    hold().stop(signal.SIGTERM)
    pgdata = data_dir / "postgres"
    assert not (pgdata / "postmaster.pid").exists()
    # What a server that died with the machine leaves behind, its PID since taken by another program.
    squatter = subprocess.Popen(["sleep", "120"])
    try:
        (pgdata / "postmaster.pid").write_text(
            f"{squatter.pid}\n{pgdata}\n{int(time.time())}\n5432\n{pgdata}\n\n  1234  5678\nready\n")
        managed = hold()
        pid = postmaster_pid(data_dir)
        assert pid != squatter.pid and psutil.Process(pid).name() == "postgres"
        managed.stop(signal.SIGTERM)
        assert gone(pid)
        assert squatter.poll() is None  # the other program is left alone
    finally:
        squatter.kill()
        squatter.wait()


def test_the_demo_command_stops_its_server_on_sigterm(tmp_path):
    """`make demo` as a whole: migrate, load the demo, serve; SIGTERM (as `kill` or a closing
    session sends) must stop the embedded server too."""
    port = _free_port()
    demo = Managed(tmp_path, "demo", "--addrport", f"127.0.0.1:{port}")
    try:
        demo.wait_for("Serving on", timeout=300)
        time.sleep(2)  # whatever the server prints once it is up
        while not demo.lines.empty():
            demo.seen.append(demo.lines.get())
        shown = "".join(demo.seen)
        # The first run on an empty data folder: progress and the summary, logs and emails in the file.
        assert len(demo.seen) <= 40, f"the demo printed {len(demo.seen)} lines:\n{shown}"
        assert "Sign in with password" in shown and "Three things to try" in shown
        assert '"levelname"' not in shown and "Subject:" not in shown
        assert (tmp_path / "demo.log").exists()
        pid = postmaster_pid(tmp_path)
        demo.stop(signal.SIGTERM)
        assert gone(pid), "the demo left its embedded PostgreSQL running"
    finally:
        demo.kill()
        if (tmp_path / "postgres" / "postmaster.pid").exists():
            stop_server(postmaster_pid(tmp_path))


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
