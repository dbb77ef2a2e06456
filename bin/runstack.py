"""Run the whole of Switching SM locally: web server, Celery worker and Celery beat.

Used by `make run`. Migrates, loads demo data, then starts the three
processes on the embedded defaults (SQLite file, kombu filesystem broker,
emails written to var/sent-mail/). Ctrl-C stops all of them.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = os.environ.get("SSM_HOST", "127.0.0.1")
PORT = os.environ.get("SSM_PORT", "8000")

DEMO_LOGINS = """
  Demo logins (password for all: switching-demo — demo only):
    supplier   Market Participant (Brightwater Energy, organisation admin)
    supplier2  Market Participant (Kestrel Power)
    shipper    Market Participant (Fenland Gas Shipping)
    desk       Service Desk agent            -> also the agent console at /admin/
    ops        Switching Operations          -> agent console, reference data, API tokens
    auditor    Auditor (read-only console)
    xoserve    CDS Provider user (Xoserve); also css, gemserv, dcc, ukpn
"""


def manage(*args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def main():
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "true")}
    os.environ.update(env)
    manage("migrate", "--noinput", "-v", "0")
    manage("seed_demo")
    commands = {
        "web": [sys.executable, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
        "worker": [str(BIN / "celery"), "-A", "switching_sm", "worker", "-l", "info",
                   "--concurrency", "2"],
        "beat": [str(BIN / "celery"), "-A", "switching_sm", "beat", "-l", "info"],
    }
    processes = {name: subprocess.Popen(cmd, cwd=ROOT, env=env) for name, cmd in commands.items()}
    print(f"\n  Switching SM is running at http://{HOST}:{PORT}/  (agent console: /admin/, "
          f"API docs: /api/docs/)\n{DEMO_LOGINS}\n  Emails are written to var/sent-mail/. "
          "Press Ctrl-C to stop the web server, worker and beat.\n", flush=True)

    def stop(*_):
        for proc in processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while True:
        for name, proc in processes.items():
            if proc.poll() is not None:
                print(f"{name} exited with code {proc.returncode}; stopping the rest.", flush=True)
                stop()
        time.sleep(1)


if __name__ == "__main__":
    main()
