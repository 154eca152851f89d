"""Settings come from the environment; a bad or missing value fails at start-up, naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from taxharvest.env import (
    EnvError,
    cache_config,
    database_config,
    env_bool,
    env_int,
    env_list,
    env_proxy_ssl_header,
    q_cluster_config,
)

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    """Import taxharvest.settings in a fresh interpreter with exactly ``env`` (plus PATH)."""
    script = (
        "import taxharvest.settings as s, json; "
        "print(json.dumps({'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, "
        "'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']), "
        "'q': sorted(k for k in ('orm', 'redis') if k in s.Q_CLUSTER), 'openai': bool(s.OPENAI_API_KEY)}))"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = load_settings()
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr


def test_it_starts_on_the_embedded_default_in_debug():
    result = load_settings(DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert '"engine": "django.db.backends.sqlite3"' in result.stdout
    assert 'db.sqlite3"' in result.stdout
    assert '"q": ["orm"]' in result.stdout
    assert '"hosts": ["localhost", "127.0.0.1", "[::1]"]' in result.stdout


def test_it_reads_production_settings_from_the_environment():
    result = load_settings(
        SECRET_KEY="k" * 50,
        DATABASE_URL="postgres://th:pw@db.internal:5432/taxharvest",
        REDIS_URL="redis://cache.internal:6379/0",
        ALLOWED_HOSTS="portal.example.com, api.example.com,",
        OPENAI_API_KEY="sk-test",
    )
    assert result.returncode == 0, result.stderr
    assert '"debug": false' in result.stdout
    assert '"engine": "django.db.backends.postgresql"' in result.stdout
    assert '"name": "taxharvest"' in result.stdout
    assert '"q": ["redis"]' in result.stdout
    assert '"hosts": ["portal.example.com", "api.example.com"]' in result.stdout
    assert '"openai": true' in result.stdout


def test_a_misspelt_flag_names_the_variable_at_start_up():
    result = load_settings(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), ("YES", True), (" on ", True), ("0", False), ("false", False), ("", False)],
)
def test_env_bool_reads_the_usual_spellings(raw, expected):
    assert env_bool("FLAG", not expected, {"FLAG": raw}) is expected


def test_env_bool_falls_back_to_the_default_when_unset():
    assert env_bool("FLAG", True, {}) is True


def test_env_int_rejects_words():
    assert env_int("N", 2, {"N": "8"}) == 8
    assert env_int("N", 2, {}) == 2
    with pytest.raises(EnvError, match="N must be a whole number"):
        env_int("N", 2, {"N": "eight"})


def test_env_list_splits_on_commas_and_drops_blanks():
    assert env_list("HOSTS", ["x"], {"HOSTS": "a.example, b.example,,"}) == ["a.example", "b.example"]
    assert env_list("HOSTS", ["x"], {}) == ["x"]


def test_database_config_defaults_to_the_sqlite_file(tmp_path):
    config = database_config({}, tmp_path / "db.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "db.sqlite3")
    assert config["CONN_MAX_AGE"] == 60
    assert config["OPTIONS"]["timeout"] == 20


def test_database_config_parses_a_postgres_url(tmp_path):
    config = database_config({"DATABASE_URL": "postgres://u:p@127.0.0.1:5433/th"}, tmp_path / "x")
    assert (config["ENGINE"], config["HOST"], config["PORT"], config["NAME"], config["USER"]) == (
        "django.db.backends.postgresql",
        "127.0.0.1",
        5433,
        "th",
        "u",
    )
    assert config["CONN_MAX_AGE"] == 60


def test_database_config_rejects_an_unknown_scheme(tmp_path):
    with pytest.raises(EnvError, match="DATABASE_URL"):
        database_config({"DATABASE_URL": "mongodb://x/y"}, tmp_path / "x")


def test_q_cluster_uses_the_orm_broker_unless_redis_is_configured():
    assert q_cluster_config({})["orm"] == "default"
    redis = q_cluster_config({"REDIS_URL": "redis://127.0.0.1:6379/1", "Q_WORKERS": "4"})
    assert redis["redis"] == "redis://127.0.0.1:6379/1"
    assert "orm" not in redis
    assert redis["workers"] == 4


def test_q_cluster_rejects_a_redis_url_without_a_scheme():
    with pytest.raises(EnvError, match="REDIS_URL"):
        q_cluster_config({"REDIS_URL": "127.0.0.1:6379"})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MARKET_CLOCK": "sundial"}, "MARKET_CLOCK must be 'feed' or 'wall'; got 'sundial'"),
        ({"MARKET_TIME": "yesterday"}, "MARKET_TIME must be an ISO timestamp; got 'yesterday'"),
        ({"MONITOR_SCAN_INTERVAL": "soon"}, "MONITOR_SCAN_INTERVAL"),
    ],
)
def test_a_bad_market_clock_or_monitor_setting_fails_at_start_up(env, message):
    result = load_settings(DEBUG="1", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_sqlite_waits_for_locks_and_takes_the_write_lock_when_a_transaction_begins(tmp_path):
    options = database_config({}, tmp_path / "db.sqlite3")["OPTIONS"]
    assert options == {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}


def test_the_cache_is_shared_through_redis_when_it_is_configured():
    assert cache_config({"REDIS_URL": "redis://127.0.0.1:6379/3"}) == {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/3"}
    }
    assert cache_config({})["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_the_proxy_ssl_header_names_a_wsgi_header_meaning_https_unless_told():
    assert env_proxy_ssl_header("H", {}) is None
    assert env_proxy_ssl_header("H", {"H": "HTTP_X_FORWARDED_PROTO"}) == ("HTTP_X_FORWARDED_PROTO", "https")
    assert env_proxy_ssl_header("H", {"H": "http_x_forwarded_ssl=on"}) == ("HTTP_X_FORWARDED_SSL", "on")
    with pytest.raises(EnvError, match="H must name a request header"):
        env_proxy_ssl_header("H", {"H": "X-Forwarded-Proto"})
