"""The processes a benchmark run starts and stops: the app (both sandboxes) under gunicorn on a
free 127.0.0.1 port and Celery workers, on the PostgreSQL database and Redis of this process,
with a queue of the run's own; and the CPU time a worker spends, its pool's processes included.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import requests
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

START_TIMEOUT = 60.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchmarkError(Exception):
    """The benchmark cannot run here; ``message`` says what is missing."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Worker:
    process: subprocess.Popen
    queue: str
    hostname: str = ""

    def consuming(self, on: bool) -> None:
        """Stop or start taking tasks from the queue (Celery's remote control), the process
        left running: what is sent meanwhile waits in the queue, as it does for a worker that
        is down, and is taken the moment it starts again."""
        from config.celery import app

        node = [f"{self.hostname}@{socket.gethostname()}"]
        control = app.control.add_consumer if on else app.control.cancel_consumer
        if not control(self.queue, destination=node, reply=True, timeout=5.0):
            raise BenchmarkError(f"The Celery worker {node[0]} did not answer.")
        if not on:
            # The reply comes before the consumer is cancelled, and tasks taken already still
            # run: idle means the queue is no longer consumed and nothing runs or waits.
            _wait_until(lambda: self._idle(node[0]), "Celery worker, idle,", self.process)

    def _idle(self, node: str) -> bool:
        from config.celery import app

        inspect = app.control.inspect(destination=[node], timeout=1.0)
        queues = (inspect.active_queues() or {}).get(node)
        if queues is None or any(queue["name"] == self.queue for queue in queues):
            return False
        return not (inspect.active() or {}).get(node) and not (inspect.reserved() or {}).get(node)

    def cpu_seconds(self) -> float:
        """CPU time of the worker and of its pool's processes (prefork), those still running
        and those it has reaped."""
        return _tree_cpu_ticks(self.process.pid) / CLOCK_TICKS

    def memory_kb(self, name: str) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(f"{name}:"):
                return int(line.split()[1])
        return 0


def machine_ticks() -> tuple[int, int]:
    """(busy, all) clock ticks of every core of the machine since it started (/proc/stat):
    two readings tell how busy the whole machine was between them, whoever used it."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    every = sum(fields[:8])  # user nice system idle iowait irq softirq steal (guest is in user)
    return every - fields[3] - fields[4], every


def machine_busy_percent(since: tuple[int, int]) -> float:
    busy, every = (now - then for now, then in zip(machine_ticks(), since, strict=True))
    return round(100 * busy / every, 1) if every else 0.0


def pool_pids(pid: int) -> list[int]:
    """The processes a worker started (its prefork pool)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _tree_cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0  # it ended meanwhile: its parent's reaped-children times count it
    # utime + stime of the process, cutime + cstime of its children it has waited for.
    own = sum(int(value) for value in fields[11:15])
    return own + sum(_tree_cpu_ticks(child) for child in pool_pids(pid))


def require_real_services() -> None:
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        raise BenchmarkError(
            "benchmark_sync runs against PostgreSQL and Redis: set DATABASE_URL=postgres://… "
            "and REDIS_URL=redis://… (see README, Performance)."
        )
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise BenchmarkError("The database has unapplied migrations: run manage.py migrate first.")


def database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def child_env(site_url: str, rate_window: float) -> dict:
    """The children run as production would (DEBUG off: no query log in memory), on this
    process's database, Redis and token keys, with the providers pointed at ``site_url``."""
    if not settings.TOKEN_ENCRYPTION_KEYS:
        # The tokens this run stores are encrypted with a key made for it, handed to the worker.
        settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("QBO_", "XERO_", "MYOB_", "SANDBOX_"))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=settings.SECRET_KEY,
        SANDBOX_ENABLED="true",
        SANDBOX_RATE_WINDOW_SECONDS=str(rate_window),
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL,
        SITE_URL=site_url,
        TOKEN_ENCRYPTION_KEYS=",".join(settings.TOKEN_ENCRYPTION_KEYS),
        OAUTHLIB_INSECURE_TRANSPORT="1",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


def _wait_until(check: Callable[[], bool], what: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchmarkError(f"The {what} exited at start (status {process.returncode}).")
        if check():
            return
        time.sleep(0.2)
    raise BenchmarkError(f"The {what} was not ready within {START_TIMEOUT:.0f} s.")


def _serving(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def sandbox_server(*, rate_window: float, label: str = "benchmark", **extra_env):
    """The sandbox server on a free port: (its URL, the children's environment, the log file
    the children write to, the queue name they use). Stopped by its process id on the way out."""
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    queue = f"{label}-{uuid.uuid4().hex[:8]}"
    # What the children send without naming a queue (a webhook's pull) stays on this run's.
    env = child_env(site, rate_window) | {"CELERY_TASK_DEFAULT_QUEUE": queue} | extra_env
    logs = Path(settings.VAR_DIR) / "benchmark"
    logs.mkdir(parents=True, exist_ok=True)
    log = (logs / f"{queue}.log").open("w")
    # A TERM (timeout, Ctrl-C from a supervisor) still stops the children below.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # The Procfile's web process (two processes of eight threads), which receives the
    # webhooks, with its kept database connections (``CONN_MAX_AGE``): a connection opened
    # for each request cost PostgreSQL more CPU than any other process of the run.
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "8", "--timeout", "130"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
        cwd=settings.BASE_DIR,
    )  # fmt: skip
    try:
        discovery = f"{site}/sandbox/quickbooks/.well-known/openid_configuration"
        _wait_until(lambda: _serving(discovery), "sandbox server", server)
        yield site, env, log, queue
    finally:
        stop(server)
        log.close()
        signal.signal(signal.SIGTERM, previous)


def worker_start(
    env: dict, log, queue: str, *, concurrency: int = 4, name: str = "", pool: str = "threads"
) -> Worker:
    """A Celery worker (``pool``) on ``queue``, answering a ping before this returns."""
    hostname = f"{queue}{name}"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", pool,
         "--concurrency", str(concurrency), "--queues", queue, "--loglevel", "INFO",
         "--hostname", f"{hostname}@%h", "--without-gossip", "--without-mingle"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR,
    )  # fmt: skip
    _wait_until(lambda: _worker_ready(hostname), "Celery worker", process)
    return Worker(process, queue, hostname)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _worker_ready(queue: str) -> bool:
    from config.celery import app

    return bool(app.control.ping(destination=[f"{queue}@{socket.gethostname()}"], timeout=0.5))
