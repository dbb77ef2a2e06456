"""A real stack for fault tests: a private Redis, gunicorn, Celery workers, a fake SMTP server.

Every process is started in its own session and killed by process group when the test
ends (pass or fail), and a last-resort atexit hook kills anything left. Ports come from
ranges kept for these tests (Redis 6391-6399, web 8200-8249, SMTP 8250-8259, database
link 5491-5499), never the shared Redis or PostgreSQL.
"""

import atexit
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WORKER_FLAGS = ["--without-gossip", "--without-mingle", "--without-heartbeat"]
_LIVE = set()


@atexit.register
def _kill_leftovers():
    for proc in list(_LIVE):
        _killpg(proc, signal.SIGKILL)


def _killpg(proc, sig):
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def free_port(first, last):
    """Return the first port in [first, last] nobody listens on."""
    for port in range(first, last + 1):
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port in {first}-{last}")


def wait_for(predicate, timeout, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def database_url(port=None):
    """Return a DATABASE_URL for this test process's database (optionally via `port`)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{port or db['PORT'] or 5432}/{db['NAME']}"


class Process:
    """One child process with its log file; `stop()` ends its whole process group."""

    def __init__(self, name, command, *, env, log_dir):
        self.name, self.command, self.env = name, command, env
        self.log_path = Path(log_dir) / f"{name}.log"
        self.proc = None
        self.start()

    def start(self):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        _LIVE.add(self.proc)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL the whole group at once, as a container or machine dies."""
        _killpg(self.proc, signal.SIGKILL)
        self.proc.wait(timeout=10)
        _LIVE.discard(self.proc)

    def stop(self, timeout=10):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            _killpg(self.proc, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _killpg(self.proc, signal.SIGKILL)
                self.proc.wait(timeout=10)
        _killpg(self.proc, signal.SIGKILL)  # pool children left behind
        _LIVE.discard(self.proc)

    def log(self, tail=4000):
        return self.log_path.read_text(errors="replace")[-tail:] if self.log_path.exists() else ""


class Redis:
    """A private redis-server with an append-only file (as production), killable at will."""

    def __init__(self, tmp_path):
        self.port = free_port(6391, 6399)
        self.dir = Path(tmp_path) / "redis"
        self.dir.mkdir()
        self.process = None
        self.kills = 0
        self.start()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def start(self):
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "yes", "--appendfsync", "always",
                   "--dir", str(self.dir)]
        if self.process is None:
            self.process = Process("redis", command, env=os.environ.copy(), log_dir=self.dir)
        else:
            self.process.start()
        assert wait_for(self.ping, 10), self.process.log()

    def ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self):
        self.process.kill()
        self.kills += 1

    def stop(self):
        self.process.stop()


def app_env(tmp_path, redis=None, **extra):
    """Return the environment of a production-like app process for this test."""
    env = {**os.environ, "DATABASE_URL": database_url(), "SSM_VAR_DIR": str(tmp_path / "var"),
           "DEBUG": "false", "SECRET_KEY": "fault-tests-" + "x" * 50,
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "CELERY_TASK_ALWAYS_EAGER": "false",
           "HEARTBEAT_SECONDS": "1", "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "INFO"}
    if redis is not None:
        env.update(REDIS_URL=f"{redis.url}/0", CELERY_BROKER_URL=f"{redis.url}/1")
    env.update({key: str(value) for key, value in extra.items()})
    return env


def start_worker(name, env, tmp_path, *, queues, concurrency=2):
    command = [str(BIN / "celery"), "-A", "switching_sm", "worker", "-l", "info",
               "-n", f"{name}@%h", "-Q", ",".join(queues), "--concurrency", str(concurrency),
               *WORKER_FLAGS]
    worker = Process(name, command, env=env, log_dir=tmp_path)
    assert wait_for(lambda: "ready." in worker.log(200000) or not worker.alive(), 60), worker.log()
    assert worker.alive(), worker.log()
    return worker


def start_web(env, tmp_path):
    port = free_port(8200, 8249)
    command = [str(BIN / "gunicorn"), "switching_sm.wsgi:application", "--bind",
               f"127.0.0.1:{port}", "--workers", "2", "--timeout", "30"]
    web = Process("web", command, env=env, log_dir=tmp_path)
    web.url = f"http://127.0.0.1:{port}"
    assert wait_for(lambda: _answers(f"{web.url}/healthz") or not web.alive(), 30), web.log()
    return web


def _answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def point_producer_at(celery_app, broker_url):
    """Make this test process publish to `broker_url` (not eager); return an undo function."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url)
    conf.task_always_eager, conf.broker_url = False, broker_url
    _reset(celery_app)

    def undo():
        conf.task_always_eager, conf.broker_url = saved
        _reset(celery_app)

    return undo


def _reset(celery_app):
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)
    celery_app.amqp._producer_pool = None
    celery_app._pool = None


# --- a fake SMTP server ------------------------------------------------------------
class SMTPServer:
    """Just enough SMTP for Django's backend. `mode`: "ok" stores each message; "hang"
    accepts the connection and never says a word. `on_data` runs when a message's data
    has arrived, before the server answers (a test may kill the sender there)."""

    def __init__(self, mode="ok", port=None):
        self.mode, self.messages, self.connections, self.open = mode, [], 0, 0
        self.on_data = None
        self.port = port or free_port(8250, 8259)
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                server.connections += 1
                server.open += 1
                try:
                    if server.mode == "hang":
                        self.request.settimeout(30)
                        while self.request.recv(1024):
                            pass  # read and never answer, until the client gives up
                        return
                    server.converse(self)
                except OSError:
                    pass
                finally:
                    server.open -= 1

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def converse(self, handler):
        reply = handler.wfile
        reply.write(b"220 fake-smtp ready\r\n")
        while line := handler.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                reply.write(b"250 fake-smtp\r\n")
            elif verb == b"DATA":
                reply.write(b"354 go ahead\r\n")
                data = []
                while (chunk := handler.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk)
                self.messages.append(b"".join(data).decode(errors="replace"))
                if self.on_data:
                    self.on_data()
                reply.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                reply.write(b"221 bye\r\n")
                return
            else:  # MAIL, RCPT, RSET, NOOP
                reply.write(b"250 ok\r\n")

    def message_ids(self):
        ids = []
        for message in self.messages:
            for line in message.splitlines():
                if line.lower().startswith("message-id:"):
                    ids.append(line.split(":", 1)[1].strip())
        return ids

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# --- a database link that can be cut -----------------------------------------------
class DatabaseLink:
    """A TCP relay between the app and PostgreSQL. `cut()` drops every open connection and
    refuses new ones, as a database restart or failover does; `restore()` lets them in."""

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.port = free_port(5491, 5499)
        self.pairs, self.lock = set(), threading.Lock()
        self.listener = None
        self.accepted = 0  # connections relayed so far (each a new database session)
        self.restore()

    def restore(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.pairs.add((client, upstream))
                self.accepted += 1
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self):
        # shutdown() first: close() alone leaves a listener blocked in accept() accepting.
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            pairs, self.pairs = self.pairs, set()
        for client, upstream in pairs:
            for end in (client, upstream):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                    end.close()
                except OSError:
                    pass

    def close(self):
        self.cut()
