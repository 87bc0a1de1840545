#!/usr/bin/env python3
"""The README's two commands, runnable on a fresh machine with only Python 3.11+.

    python3 dev.py demo    # install, migrate, seed the demo data, serve http://127.0.0.1:8000
    python3 dev.py test    # install, run the whole test suite (extra args go to pytest)

Everything installs into ./.venv; with DATABASE_URL unset the app runs on an embedded
PostgreSQL under ./.data (see clinic/embedded_db.py). DEBUG=1 is set: this is the laptop
demo over plain HTTP, not production.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*args: str | Path, env: dict | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)  # noqa: S603 - our own argv
    if result.returncode:
        sys.exit(result.returncode)


def install(extra: str) -> None:
    """Create .venv and install the project's dependencies, unless already done for them."""
    if sys.version_info < (3, 11):  # noqa: UP036 - say it plainly before pip fails obscurely
        sys.exit("Plan-keeper needs Python 3.11 or newer.")
    if not PYTHON.exists():
        print(f"Creating a virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    spec = f".[{extra}]" if extra else "."
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + spec.encode()).hexdigest()
    stamp = VENV / f".installed-{extra or 'app'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", spec)
    stamp.write_text(digest)


def app_env() -> dict:
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def demo(args: list[str]) -> None:
    install("")
    env = app_env()
    # Embedded server: the app runs as a role that may only append to the audit trail
    # (migrate runs as the owner); the tests keep one role, since they create databases.
    env.setdefault("EMBEDDED_APP_ROLE", "1")
    run(PYTHON, "manage.py", "migrate", "--no-input", env=env)
    run(PYTHON, "manage.py", "seed_demo", *args, env=env)
    print("\nPlan-keeper runs at http://127.0.0.1:8000/  (Ctrl+C stops it)\n", flush=True)
    # --noreload: one server process, so Ctrl+C (or SIGTERM) also stops the embedded PostgreSQL.
    run(PYTHON, "manage.py", "runserver", "127.0.0.1:8000", "--noreload", env=env)


def test(args: list[str]) -> None:
    install("dev")
    run(PYTHON, "-m", "pytest", *args, env=app_env())


COMMANDS = {"demo": demo, "test": test, "install": lambda args: install("dev")}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    try:
        COMMANDS[sys.argv[1]](sys.argv[2:])
    except KeyboardInterrupt:
        sys.exit(130)
