"""Typed readers for settings that come from the environment.

They live apart from ``settings.py`` so that tests can exercise the parsing without reloading
Django's settings, and so a typo in a deployment's environment fails at start-up with a message
that names the variable, instead of surfacing later as a confusing runtime error.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dj_database_url

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class EnvError(ValueError):
    """An environment variable is present but cannot be understood."""


def env_bool(name: str, default: bool, environ: Mapping[str, str] = os.environ) -> bool:
    """Read a boolean flag, refusing spellings we would otherwise have to guess at."""
    raw = environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise EnvError(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int, environ: Mapping[str, str] = os.environ) -> int:
    """Read an integer, naming the variable when it is not one."""
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise EnvError(f"{name} must be a whole number; got {raw!r}") from None


def env_list(name: str, default: list[str], environ: Mapping[str, str] = os.environ) -> list[str]:
    """Read a comma-separated list, dropping blanks so a trailing comma is harmless."""
    raw = environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_str(name: str, default: str = "", environ: Mapping[str, str] = os.environ) -> str:
    return environ.get(name, default).strip()


def env_proxy_ssl_header(name: str, environ: Mapping[str, str] = os.environ) -> tuple[str, str] | None:
    """Read Django's SECURE_PROXY_SSL_HEADER: the WSGI name of the header the TLS-terminating proxy sets,
    ``HTTP_X_FORWARDED_PROTO`` (meaning "https"), or ``HTTP_X_FORWARDED_PROTO=https`` with the value spelt out.
    Unset means no proxy is trusted to say the request came over HTTPS."""
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    header, _, value = raw.partition("=")
    header, value = header.strip().upper(), value.strip() or "https"
    if not header.startswith("HTTP_") or not header[5:].replace("_", "").isalnum():
        raise EnvError(f"{name} must name a request header as WSGI does, e.g. HTTP_X_FORWARDED_PROTO; got {raw!r}")
    return header, value


def development_secret_key(path: Path) -> str:
    """Return this checkout's own development SECRET_KEY, kept in ``path`` (made on first use, mode 0600).

    Only for DEBUG without a SECRET_KEY: a key that lived in the repository would sign every developer's
    sessions alike, and a key made afresh at each start would sign everyone out at each restart.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    draft = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(key + "\n")
    try:
        # Linked into place whole, and only if absent: of the processes starting at once (web server,
        # worker, feed), the first one's key wins and nobody reads a half-written file.
        os.link(draft, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        draft.unlink()
    return key


def database_config(environ: Mapping[str, str], sqlite_path: Path) -> dict[str, Any]:
    """Return Django's DATABASES["default"] from DATABASE_URL, or the embedded SQLite file."""
    url = environ.get("DATABASE_URL", "").strip()
    if not url:
        url = f"sqlite:///{sqlite_path}"
    try:
        # Connections are kept between requests (a minute): opening one costs a PostgreSQL server a process and
        # SQLite its pragmas and functions, more than a light API request's own queries.
        config = dj_database_url.parse(url, conn_max_age=60)
    except ValueError as exc:
        raise EnvError(f"DATABASE_URL is not a database URL we understand: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Workers, the feed and the web process share the file: wait for locks instead of failing at once,
        # take the write lock when a transaction begins (a read-then-write transaction can otherwise fail
        # to upgrade its lock), and let readers proceed while one writer writes (WAL).
        config.setdefault("OPTIONS", {}).update(
            {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
        )
    return config


def q_cluster_config(environ: Mapping[str, str]) -> dict[str, Any]:
    """Return django-q2's Q_CLUSTER: the ORM broker by default, Redis when REDIS_URL is set."""
    config: dict[str, Any] = {
        "name": "taxharvest",
        "workers": env_int("Q_WORKERS", 2, environ),
        "timeout": env_int("Q_TIMEOUT", 300, environ),
        "retry": env_int("Q_RETRY", 360, environ),
        "max_attempts": 3,
        "queue_limit": 50,
        "bulk": 10,
        "catch_up": False,
        "save_limit": 1000,
    }
    redis_url = environ.get("REDIS_URL", "").strip()
    if redis_url:
        if not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise EnvError(f"REDIS_URL must start with redis://, rediss:// or unix://; got {redis_url!r}")
        config["redis"] = redis_url
    else:
        config["orm"] = "default"
    if env_bool("Q_SYNC", False, environ):
        config["sync"] = True
    return config


def cache_config(environ: Mapping[str, str]) -> dict[str, Any]:
    """Return Django's CACHES: Redis when REDIS_URL is set (so every web process and worker shares the login
    throttle and the page fragments), else each process's own memory (the embedded default)."""
    redis_url = environ.get("REDIS_URL", "").strip()
    if redis_url:
        return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
