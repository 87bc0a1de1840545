"""Real brokers and workers for the ``broker`` tests: a Redis server of our own, a Celery worker
process reading the test database, and a switch that makes this process publish to them."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from clinic.celery import app as celery_app

BASE_DIR = Path(settings.BASE_DIR)
CELERY = BASE_DIR / ".venv" / "bin" / "celery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5,
                                         socket_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


@contextmanager
def publishing_to(url: str):
    """Make this process publish tasks to ``url`` instead of running them eagerly."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.update(broker_url=url, task_always_eager=False)
    try:
        yield
    finally:
        conf.update(broker_url=saved[0], task_always_eager=saved[1])


class RedisServer:
    """``redis-server`` on ``port``, no persistence; stop() and start() again on the same port."""

    def __init__(self, port: int, workdir: Path):
        if shutil.which("redis-server") is None:
            import pytest

            pytest.skip("redis-server is not installed (the fault tests start their own Redis)")
        self.port, self.workdir, self.process = port, workdir, None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self, timeout: float = 10) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not redis_answers(self.url):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def worker_database_url() -> str:
    """The database this test run uses (pytest-django's test_<name>), for the worker process."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    host = db["HOST"] or "127.0.0.1"
    if host.startswith("/"):
        # The embedded server listens on a Unix socket in its data folder: percent-encode it.
        host = quote(host, safe="")
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerProcess:
    def __init__(self, process: subprocess.Popen, log: Path):
        self.process, self.log = process, log

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no ack, as when a machine dies mid-task."""
        self.process.kill()
        self.process.wait()


@contextmanager
def celery_worker(broker_url: str, workdir: Path, *, mail_dir: Path, beat: bool = False,
                  extra_env: dict[str, str] | None = None, ready_timeout: float = 30,
                  email_backend: str = "django.core.mail.backends.filebased.EmailBackend"):
    """A real ``celery -A clinic worker`` process on the test database, until the block ends."""
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": worker_database_url(),
           "CELERY_BROKER_URL": broker_url,
           "EMAIL_BACKEND": email_backend,
           "EMAIL_FILE_PATH": str(mail_dir), "LOG_LEVEL": "INFO", **(extra_env or {})}
    log_path = workdir / f"worker-{uuid.uuid4().hex[:8]}.log"
    command = [str(CELERY), "-A", "clinic", "worker", "--pool=solo", "-Q", "celery",
               "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO",
               "-n", f"pk-test-{uuid.uuid4().hex[:8]}@%h"]
    if beat:
        command += ["-B", "-s", str(workdir / "beat-schedule")]
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, env=env, cwd=BASE_DIR, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + ready_timeout
        while "ready." not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("The Celery worker did not start:\n" + log_path.read_text())
            time.sleep(0.1)
        yield WorkerProcess(process, log_path)
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def mail_messages(mail_dir: Path) -> list[str]:
    """Messages written by Django's file-based e-mail backend (one file per connection)."""
    if not mail_dir.exists():
        return []
    messages = []
    for path in sorted(mail_dir.iterdir()):
        chunks = path.read_text().split("-" * 79)
        messages += [c for c in chunks if "Subject:" in c]
    return messages


def wait_for(predicate, timeout: float, interval: float = 0.02):
    """Poll until ``predicate()`` is truthy; return its value (or the last falsy one)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
