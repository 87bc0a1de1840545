#!/usr/bin/env python3
"""CI's smoke of the scale benchmark and the load test (issue 10, "Tests"): a few seconds each.

Makes a throwaway database next to ``DATABASE_URL`` (``<name>_scale_smoke``), migrates it,
fills it with a first year (``seed_scale --small``), serves it with gunicorn as production
would (``DEBUG=0``, the write throttle off, as the benchmark needs), and runs
``tests/scale/test_smoke_against_a_server.py`` against it: every request of the benchmark
answers as it should, and the load test's mix runs with no error and no lost or duplicated
session. No figure is checked here: the figures go in docs/SCALING.md and the README.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python scripts/scale_smoke.py

Exits with pytest's status; the database is dropped afterwards whatever happened.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _admin(url: str, statement: str) -> None:
    import psycopg2

    connection = psycopg2.connect(url)
    connection.autocommit = True  # CREATE/DROP DATABASE refuse to run in a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


def main() -> int:
    base = os.environ.get("DATABASE_URL")
    if not base:
        print("scale smoke: DATABASE_URL is not set (the embedded PostgreSQL is per process); "
              "skipped")
        return 0
    parts = urlsplit(base)
    name = f"{parts.path.lstrip('/') or 'postgres'}_scale_smoke"
    url = urlunsplit(parts._replace(path=f"/{name}"))
    maintenance = urlunsplit(parts._replace(path="/postgres"))  # DATABASE_URL's may not exist
    _admin(maintenance, f'DROP DATABASE IF EXISTS "{name}"')
    _admin(maintenance, f'CREATE DATABASE "{name}"')
    server = None
    try:
        env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}
        env.pop("MIGRATE_DATABASE_URL", None)
        for command in (["migrate", "-v0"], ["seed_scale", "--small"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env,  # noqa: S603
                           check=True, stdout=subprocess.DEVNULL)
        port = _free_port()
        server_env = {**env, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
                      "ALLOWED_HOSTS": "127.0.0.1", "SITE_URL": f"http://127.0.0.1:{port}",
                      "SECURE_SSL_REDIRECT": "0", "API_WRITE_RATE": "none",
                      "MFA_REQUIRED": "0", "TRUSTED_PROXIES": "127.0.0.1"}
        server = subprocess.Popen(  # noqa: S603 - our own argv
            [str(BIN / "gunicorn"), "clinic.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"],
            cwd=ROOT, env=server_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.5)
        else:
            print("scale smoke: the server did not answer /healthz/ within a minute")
            return 1
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             "tests/scale/test_smoke_against_a_server.py"],
            cwd=ROOT, env={**env, "SCALE_SERVER_URL": f"http://127.0.0.1:{port}"},
        ).returncode
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        _admin(maintenance, f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    sys.exit(main())
