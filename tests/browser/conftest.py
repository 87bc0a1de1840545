"""Browser tests: Playwright for Python driving Debian's chromium against the live server.

Playwright cannot download its own browsers here, so the tests launch /usr/bin/chromium
(``apt-get install chromium``; .ci/run does it) and are skipped, saying why, without it.
axe-core comes from the npm registry into .data/npm (installed on first use when npm exists;
.ci/run installs it up front); the axe tests are skipped, saying why, without it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

# The sync Playwright API runs an event loop in this thread; the ORM calls the tests make
# (seeding, checking) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
AXE_DIR = Path(os.environ.get("AXE_DIR", ROOT / ".data" / "npm"))
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "browser-pass-123"
SIZES = {"desktop": {"width": 1280, "height": 800}, "tablet": {"width": 768, "height": 1024},
         "tablet-820": {"width": 820, "height": 1180}}


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y "
                    "chromium) to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_js() -> Path:
    if not AXE_JS.exists() and shutil.which("npm"):
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix",
                        str(AXE_DIR), "axe-core@4"], check=False, timeout=300)
    if not AXE_JS.exists():
        pytest.skip(f"axe-core is missing at {AXE_JS}: run `npm install --prefix {AXE_DIR} "
                    "axe-core@4`")
    return AXE_JS


@pytest.fixture
def demo(transactional_db):
    """The seed story's data (docs/api.md seed_demo), every user with PASSWORD."""
    from django.core.management import call_command

    call_command("seed_demo", password=PASSWORD, stdout=open(os.devnull, "w"))  # noqa: SIM115
    from plans.models import TreatmentPlan

    return TreatmentPlan.objects.select_related("patient").get(patient__first_name="Casey")


class Screen:
    """One browser tab with a console-error collector."""

    def __init__(self, browser, base_url: str, size: str = "desktop"):
        self.base = base_url
        self.context = browser.new_context(viewport=SIZES[size])
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"{m.type}: {m.text}")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def go(self, path: str):
        response = self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        return response

    def sign_in(self, username: str):
        self.go("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")
        assert "/accounts/login/" not in self.page.url, f"{username} could not sign in"

    def sign_out(self):
        self.page.click("#logout-form button")
        self.page.wait_for_url("**/accounts/login/")

    def close(self):
        self.context.close()


@pytest.fixture
def screen(chromium, live_server):
    opened: list[Screen] = []

    def open_screen(size: str = "desktop") -> Screen:
        s = Screen(chromium, live_server.url, size)
        opened.append(s)
        return s

    yield open_screen
    for s in opened:
        s.close()
