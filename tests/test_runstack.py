"""`make run`'s supervisor restarts a process that dies, says so, and stops everything."""

import importlib.util
import os
import signal
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def runstack():
    spec = importlib.util.spec_from_file_location("runstack", ROOT / "bin" / "runstack.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def supervisor(runstack):
    said = []
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    supervisor = runstack.Supervisor({"worker": sleeper, "beat": sleeper}, say=said.append,
                                     first_delay=0.05, max_delay=0.2)
    supervisor.said = said
    supervisor.start_all()
    yield supervisor
    supervisor.stop(timeout=5)


def poll_until(supervisor, predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        supervisor.poll()
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_a_child_that_dies_is_restarted_and_the_supervisor_says_so(supervisor):
    first = supervisor.processes["worker"].pid
    beat = supervisor.processes["beat"].pid
    os.kill(first, signal.SIGKILL)
    assert poll_until(supervisor, lambda: supervisor.processes["worker"].pid != first)
    assert supervisor.processes["worker"].poll() is None  # the new one runs
    assert supervisor.processes["beat"].pid == beat  # the others were left alone
    assert any("worker exited with code -9" in line for line in supervisor.said)
    assert any("worker restarted (restart 1" in line for line in supervisor.said)


def test_a_child_that_keeps_dying_is_restarted_with_growing_delays(supervisor):
    for _ in range(3):
        pid = supervisor.processes["worker"].pid
        os.kill(pid, signal.SIGKILL)
        assert poll_until(supervisor, lambda pid=pid: supervisor.processes["worker"].pid != pid)
    delays = [line.split("restarting it in ")[1] for line in supervisor.said if "in " in line
              and "restarting" in line]
    assert len(delays) == 3 and supervisor.delays["worker"] == 0.2  # 0.05, 0.1, 0.2 (capped)


def test_stop_ends_every_child(supervisor):
    supervisor.stop(timeout=5)
    assert all(proc.poll() is not None for proc in supervisor.processes.values())
    supervisor.poll()
    assert not any("restarted" in line for line in supervisor.said)


def test_make_run_starts_a_reports_worker_apart_from_the_sla_worker(runstack):
    commands = runstack.commands()
    queues = {name: cmd[cmd.index("-Q") + 1].split(",") for name, cmd in commands.items()
              if "-Q" in cmd}
    assert queues["reports-worker"] == ["reports"]
    assert "sla" in queues["worker"] and "reports" not in queues["worker"]
