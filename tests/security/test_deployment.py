"""The production shape (issue 13, findings 9 and 10): the image holds no secrets, the compose
health checks can pass, and the web check works behind the HTTPS redirect."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


# --- the image -------------------------------------------------------------------------------

def test_the_docker_build_context_leaves_out_secrets_data_and_history():
    ignored = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text()
               .splitlines() if line.strip() and not line.startswith("#")}
    assert {".env", ".data", ".git", ".venv", "**/__pycache__"} <= ignored


def test_the_dockerfile_copies_only_named_folders_and_every_app():
    dockerfile = (ROOT / "Dockerfile").read_text()
    copies = re.findall(r"^COPY\s+(.+?)\s+\S+$", dockerfile, flags=re.MULTILINE)
    sources = {s for line in copies for s in line.split()}
    assert "." not in sources and ".env" not in sources and ".data" not in sources
    # Every app of the project (not a library) is in the image, and the pages' files.
    ours = {Path(app.path).relative_to(ROOT).parts[0] for app in apps.get_app_configs()
            if Path(app.path).is_relative_to(ROOT)
            and not Path(app.path).relative_to(ROOT).parts[0].startswith(".")}  # not .venv
    assert ours | {"templates", "static", "manage.py"} <= sources


# --- compose -----------------------------------------------------------------------------------

def test_compose_services_that_wait_for_health_have_a_health_check():
    services = compose()["services"]
    for name, service in services.items():
        for needed, condition in (service.get("depends_on") or {}).items():
            assert needed in services, f"{name} depends on unknown {needed}"
            if condition.get("condition") == "service_healthy":
                assert "healthcheck" in services[needed], f"{needed} has no health check"


def test_the_web_health_check_calls_healthz_over_plain_http_inside_the_container():
    test = " ".join(compose()["services"]["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/healthz/" in test


def test_compose_passes_the_trusted_proxies_setting_to_the_app():
    environment = compose()["x-app"]["environment"]
    assert "TRUSTED_PROXIES" in environment


@pytest.mark.skipif(shutil.which("docker") is None or subprocess.run(
    ["docker", "compose", "version"], capture_output=True).returncode != 0,
    reason="docker compose is not installed here (the structure is checked above)")
def test_docker_compose_accepts_the_file():
    env = {**os.environ, "SECRET_KEY": "x", "ALLOWED_HOSTS": "example.com",
           "POSTGRES_PASSWORD": "x"}
    subprocess.run(["docker", "compose", "config", "-q"], cwd=ROOT, env=env, check=True)


@pytest.mark.django_db
def test_healthz_answers_over_plain_http_with_any_host_in_production_settings(client,
                                                                             settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["plankeeper.example-clinic.com"]
    answer = client.get("/healthz/", HTTP_HOST="127.0.0.1:8000")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}
    # Everything else is still redirected to HTTPS (with an allowed host) ...
    page = client.get("/accounts/login/", HTTP_HOST="plankeeper.example-clinic.com")
    assert page.status_code == 301 and page["Location"].startswith("https://")
    # ... and refused with another host.
    assert client.get("/accounts/login/", HTTP_HOST="127.0.0.1:8000").status_code == 400
