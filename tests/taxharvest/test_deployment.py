"""The product as deployed: `check --deploy` is clean in the production environment, WhiteNoise serves the static
files with DEBUG off, every page sends a strict Content-Security-Policy, and no SECRET_KEY lives in the repository.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from taxharvest.env import development_secret_key

ROOT = Path(__file__).resolve().parents[2]
OLD_FALLBACK_KEY = "insecure-development-key-do-not-use-in-production"

# The production environment (besides DATABASE_URL and REDIS_URL): behind a TLS-terminating proxy that sets
# X-Forwarded-Proto, HTTPS only, HSTS for a year on every subdomain and eligible for browsers' preload lists.
PRODUCTION_ENV = {
    "SECRET_KEY": "p7Vq2-Lr9xWm4Tz8Kc3Hn6Yb1Js5Df0Ga7Ue2Ri9Oo4Pl8Mk3Nj6Bh1Vg5Cf0Xd",
    "ALLOWED_HOSTS": "portal.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://portal.example.com",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``args`` from the project's root with exactly ``env`` (plus PATH): no test settings leak in."""
    return subprocess.run(
        args,
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "manage.py", *args], **env)


def test_check_deploy_is_clean_in_the_production_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_names_the_https_settings_production_forgot():
    https = {"SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD"}
    env = {name: value for name, value in PRODUCTION_ENV.items() if name not in https}
    result = manage("check", "--deploy", **env)
    assert "security.W004" in result.stderr
    assert "security.W008" in result.stderr


def test_a_proxy_header_that_is_not_a_wsgi_header_name_fails_at_start_up():
    result = manage("check", **{**PRODUCTION_ENV, "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"})
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER must name a request header" in result.stderr


# --- static files ------------------------------------------------------------------------------------------

# In a fresh interpreter on the production settings (DEBUG off): fetch the portal's sign-in page and Swagger UI
# (and its start-up script), then every /static/ file they reference, through the whole WSGI stack.
FETCH_STATIC = """
import json, re, django
django.setup()
from django.test import Client
client = Client(HTTP_X_FORWARDED_PROTO="https")
pages = ["/accounts/login/", "/api/schema/swagger-ui/"]
answers = {page: client.get(page) for page in pages}
assets = sorted({url for answer in answers.values() for url in re.findall(r'(?:src|href)="(/static/[^"]+)"',
                 answer.content.decode())})
found = {}
for url in assets:
    answer = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    found[url] = [answer.status_code, answer.get("Cache-Control", ""), answer.get("Content-Encoding", "")]
print(json.dumps({"pages": {page: answer.status_code for page, answer in answers.items()}, "assets": found}))
"""


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The production environment with DEBUG off, after the documented `collectstatic --noinput`."""
    static_root = tmp_path_factory.mktemp("static")
    env = {
        **PRODUCTION_ENV,
        "ALLOWED_HOSTS": "testserver",
        "STATIC_ROOT": str(static_root),
        "DJANGO_SETTINGS_MODULE": "taxharvest.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('db') / 'db.sqlite3'}",
    }
    result = manage("collectstatic", "--noinput", "-v", "0", **env)
    assert result.returncode == 0, result.stderr
    assert (static_root / "staticfiles.json").is_file()
    return env


def test_whitenoise_serves_the_css_htmx_and_swagger_ui_with_debug_off(collected_static):
    result = run([sys.executable, "-c", FETCH_STATIC], **collected_static)
    assert result.returncode == 0, result.stderr
    fetched = json.loads(result.stdout.strip().splitlines()[-1])
    assert fetched["pages"] == {"/accounts/login/": 200, "/api/schema/swagger-ui/": 200}
    assets = fetched["assets"]
    names = " ".join(assets)
    for expected in (r"/static/css/app\.\w{12}\.css", r"htmx[-\w]*\.min\.\w{12}\.js", r"swagger-ui-bundle\.\w{12}\.js"):
        assert re.search(expected, names), f"{expected} not among {names}"
    for url, (status, cache_control, encoding) in assets.items():
        assert status == 200, url
        # Hashed names never change content: browsers may keep them for ever.
        assert "immutable" in cache_control, url
        if url.endswith((".css", ".js")):
            assert encoding == "gzip", url


# --- Content-Security-Policy -------------------------------------------------------------------------------


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


@pytest.mark.parametrize("path", ["/accounts/login/", "/dashboard/", "/", "/api/schema/swagger-ui/", "/admin/"])
def test_every_page_sends_a_strict_content_security_policy(alice, path):
    client = Client()
    client.force_login(alice)
    policy = directives(client.get(path))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    assert not [name for name, values in policy.items() if "'unsafe-inline'" in values and name != "style-src-attr"]
    assert not any("'unsafe-eval'" in values for values in policy.values())


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/schema/swagger-ui/"])
def test_no_page_carries_an_inline_script_or_style_element(db, path):
    html = Client().get(path).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html
    assert not re.search(r"\son[a-z]+=", html)


# --- the development SECRET_KEY ----------------------------------------------------------------------------


def test_the_repository_holds_no_fallback_secret_key():
    assert OLD_FALLBACK_KEY not in (ROOT / "taxharvest" / "settings.py").read_text()
    # Each checkout's own key file is git-ignored.
    assert run(["git", "check-ignore", "-q", "var/secret_key"]).returncode == 0


def test_a_development_key_is_made_once_private_and_reused(tmp_path):
    path = tmp_path / "var" / "secret_key"
    key = development_secret_key(path)
    assert len(key) >= 50
    assert key != OLD_FALLBACK_KEY
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert development_secret_key(path) == key
    assert list(path.parent.iterdir()) == [path]  # no draft left behind


def test_debug_without_a_secret_key_uses_this_checkouts_key_file():
    script = "import taxharvest.settings as s; print(s.SECRET_KEY)"
    first = run([sys.executable, "-c", script], DEBUG="1")
    second = run([sys.executable, "-c", script], DEBUG="1")
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert key == second.stdout.strip() == (ROOT / "var" / "secret_key").read_text().strip()
    assert key != OLD_FALLBACK_KEY
