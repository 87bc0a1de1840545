"""A few-second smoke of the scale benchmark and the load test against a running server.

CI runs it through scripts/scale_smoke.py (a first-year database and a gunicorn of its own).
Skipped unless ``SCALE_SERVER_URL`` names one (gunicorn with ``API_WRITE_RATE=none`` on a
database made by ``seed_scale``, the seeded password in ``SCALE_SERVER_PASSWORD``, default
demo-pass-123). Figures go in the README and docs/SCALING.md, never in a timed test: this only
checks that every request of the round answers as it should and that the load test's mix runs
without an error, a lost or a duplicated session.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
URL = os.environ.get("SCALE_SERVER_URL", "")
PASSWORD = os.environ.get("SCALE_SERVER_PASSWORD", "demo-pass-123")

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not URL, reason="SCALE_SERVER_URL is not set: no server to time"),
]


def test_every_request_of_the_scale_benchmark_answers():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "benchmark_scale.py"), URL, "--smoke",
         "--password", PASSWORD], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every request answered as expected" in result.stdout


def test_the_load_test_runs_its_mix_without_errors(tmp_path):
    locust = Path(sys.executable).with_name("locust")
    result = subprocess.run(
        [str(locust), "-f", str(ROOT / "scripts" / "locustfile.py"), "--headless", "-u", "5",
         "-r", "5", "-t", "8s", "--host", URL, "--only-summary", "--exit-code-on-error", "1"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={**os.environ, "LOCUST_PASSWORD": PASSWORD})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "lost: 0; listed twice: 0" in output
