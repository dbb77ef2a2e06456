"""Run the whole of Switching SM locally: web server, two Celery workers and Celery beat.

Used by `make run`. Migrates, loads demo data, then starts the processes on the
embedded defaults (SQLite file, kombu filesystem broker, emails written to
var/sent-mail/). A process that dies is started again (after 1, 2, 4 ... up to 30
seconds if it keeps dying) and the supervisor says so. Ctrl-C stops all of them.

Two workers, as in production (docker-compose.yml): one for reports, one for
everything else, so a long report never delays an SLA escalation.
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

# Gossip, mingle and event heartbeats are worker-to-worker chatter we do not use; without
# them a broker outage has fewer channels to re-establish.
WORKER_FLAGS = ["--without-gossip", "--without-mingle", "--without-heartbeat"]

class Supervisor:
    """Start named commands, restart any that exits, stop them all on request.

    `say` prints a line for people; `max_delay` caps the restart back-off; a child that
    ran for `healthy_after` seconds before dying is restarted after the first delay again.
    """

    def __init__(self, commands, *, env=None, cwd=ROOT, say=None, first_delay=1.0,
                 max_delay=30.0, healthy_after=60.0):
        self.commands, self.env, self.cwd = commands, env, cwd
        self.say = say or (lambda line: print(line, flush=True))
        self.first_delay, self.max_delay, self.healthy_after = first_delay, max_delay, healthy_after
        self.processes, self.started_at, self.delays, self.restart_at = {}, {}, {}, {}
        self.restarts = dict.fromkeys(commands, 0)
        self.stopping = False

    def start(self, name):
        self.processes[name] = subprocess.Popen(self.commands[name], cwd=self.cwd, env=self.env)
        self.started_at[name] = time.monotonic()

    def start_all(self):
        for name in self.commands:
            self.start(name)

    def poll(self):
        """Restart children that exited; call about once a second."""
        now = time.monotonic()
        for name, proc in self.processes.items():
            if self.stopping or proc.poll() is None:
                continue
            if name not in self.restart_at:
                ran = now - self.started_at[name]
                delay = self.first_delay if ran >= self.healthy_after else min(
                    self.delays.get(name, self.first_delay / 2) * 2, self.max_delay)
                self.delays[name] = delay
                self.restart_at[name] = now + delay
                self.say(f"  ! {name} exited with code {proc.returncode} after {ran:.0f} s; "
                         f"restarting it in {delay:.0f} s.")
            elif now >= self.restart_at[name]:
                del self.restart_at[name]
                self.restarts[name] += 1
                self.start(name)
                self.say(f"  ! {name} restarted (restart {self.restarts[name]}, "
                         f"pid {self.processes[name].pid}).")

    def stop(self, timeout=15):
        self.stopping = True
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def commands():
    celery = [str(BIN / "celery"), "-A", "switching_sm"]
    return {
        "web": [sys.executable, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
        "worker": [*celery, "worker", "-l", "info", "-n", "default@%h", "--concurrency", "2",
                   "-Q", "sla,status,notifications,default", *WORKER_FLAGS],
        "reports-worker": [*celery, "worker", "-l", "info", "-n", "reports@%h",
                           "--concurrency", "1", "-Q", "reports", *WORKER_FLAGS],
        "beat": [*celery, "beat", "-l", "info"],
    }


def manage(*args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


# Start-up free of warnings that say nothing about this system: runserver's "development
# server" banner (this is the local run by design), and Celery's superuser warning when
# the machine's only account is root (as in this project's containers).
QUIET = {"DJANGO_RUNSERVER_HIDE_WARNING": "true",
         "PYTHONWARNINGS": "ignore:You're running the worker with superuser privileges"}


def main():
    env = {**QUIET, **os.environ, "DEBUG": os.environ.get("DEBUG", "true")}
    os.environ.update(env)
    manage("migrate", "--noinput", "-v", "0")
    manage("seed_demo")
    supervisor = Supervisor(commands(), env=env)
    supervisor.start_all()
    print(f"\n  Switching SM is running at http://{HOST}:{PORT}/  (agent console: /admin/, "
          f"API docs: /api/docs/)  [SSM_HOST, SSM_PORT change the address]\n", flush=True)
    # Each demo login with its second factor; staff get the code to type now.
    manage("demo_logins")
    print("\n  Emails are written to var/sent-mail/. A process that stops is restarted. "
          "Press Ctrl-C to stop the web server, workers and beat.\n", flush=True)

    def stop(*_):
        supervisor.stop()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while True:
        supervisor.poll()
        time.sleep(1)


if __name__ == "__main__":
    main()
