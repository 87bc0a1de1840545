"""Safe to deploy as shipped: the security headers on pages and API answers, a
Content-Security-Policy that allows no inline script, short idle sessions, and Django's
deployment checklist clean with DEBUG off."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def assert_hardened(response):
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no inline, no eval, no CDN
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/me/", "/api/schema/", "/api/docs/"])
def test_pages_and_api_answers_carry_the_security_headers(client, db, path):
    response = client.get(path)
    assert response.status_code in (200, 401)
    assert_hardened(response)


def test_signed_in_pages_and_api_answers_carry_them_too(client, api, clinic_admin, plan):
    client.force_login(clinic_admin)
    assert_hardened(client.get("/audit/"))
    assert_hardened(client.get("/admin/"))
    assert_hardened(api(clinic_admin).get(f"/api/plans/{plan.id}/"))


def test_the_api_docs_load_nothing_from_outside_and_run_no_inline_script(client, db):
    page = client.get("/api/docs/").content.decode()
    assert "cdn" not in page.lower() and "https://" not in page
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts
    for attributes, body in scripts:
        assert "src=" in attributes and not body.strip()
    for src in re.findall(r'src="([^"]+)"', page):
        assert src.startswith(("/static/", "/api/docs/"))
    init = client.get("/api/docs/?script=")
    assert init.status_code == 200 and "SwaggerUIBundle" in init.content.decode()


def test_the_swagger_ui_files_are_served_locally(client, db):
    page = client.get("/api/docs/").content.decode()
    bundle = re.search(r'src="(/static/[^"]+swagger-ui-bundle\.js)"', page).group(1)
    response = client.get(bundle)
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/me/"])
def test_https_answers_carry_hsts_when_debug_is_off(client, db, settings, path):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(path, secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    plain = client.get(path)
    assert plain.status_code == 301 and plain["Location"].startswith("https://")


def test_sessions_end_after_at_most_thirty_idle_minutes():
    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True  # renewed on activity


def test_every_response_names_its_request_for_the_audit_trail(client, db):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="proxy-abc-123")
    assert response["X-Request-ID"] == "proxy-abc-123"
    odd = client.get("/accounts/login/", HTTP_X_REQUEST_ID="<script>")
    assert re.fullmatch(r"[0-9a-f]{32}", odd["X-Request-ID"])


# --- production settings, in a fresh process with DEBUG off --------------------------------

def production_env(**extra) -> dict:
    # Not what production runs with: DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests
    # (Playwright's event loop) in this process's environment.
    dropped = ("SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="example.com",
               SITE_URL="https://example.com",
               # Django's checks do not connect; a real URL keeps the embedded server asleep.
               DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://unused@127.0.0.1:1/x"))
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def manage(*args, env):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_deployment_checklist_is_clean_with_debug_off():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key_and_says_why():
    result = manage("check", env=production_env(SECRET_KEY=None))
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts_and_says_why():
    result = manage("check", env=production_env(ALLOWED_HOSTS=None))
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_production_refuses_to_start_without_site_url_and_says_why():
    result = manage("check", env=production_env(SITE_URL=None))
    assert result.returncode != 0
    assert "SITE_URL is not set" in result.stderr
