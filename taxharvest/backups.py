"""Back up and restore the whole product: the database, the private media folder and a manifest.

A backup is a folder::

    database.dump          PostgreSQL: ``pg_dump --format=custom``
    database.sqlite3       SQLite: a copy made with SQLite's online backup API
    private-media.tar.gz   PRIVATE_MEDIA_ROOT (uploaded returns, generated reports)
    manifest.json          written last: when it was made, by which database vendor, the latest applied
                           migration per app, each file's SHA-256 and size, and the row counts of the main tables

The manifest is written last and renamed into place, so a folder with a manifest holds a complete backup.
The row counts and the migration state are read from the same snapshot as the dump (PostgreSQL: an exported
snapshot that ``pg_dump --snapshot`` reuses; SQLite: the copy itself), so a restore can compare them exactly.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django
from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.postgresql.client import DatabaseClient as PostgresClient
from django.db.migrations.loader import MigrationLoader

MANIFEST = "manifest.json"
POSTGRES_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA_ARCHIVE = "private-media.tar.gz"
FORMAT_VERSION = 1
DATABASE_FILES = {"postgresql": POSTGRES_DUMP, "sqlite": SQLITE_COPY}

# The tables whose row counts the manifest records and a restore compares: the book, and who it belongs to.
MAIN_MODELS = (
    "portfolios.Firm",
    "portfolios.User",
    "portfolios.Household",
    "portfolios.Client",
    "portfolios.Account",
    "portfolios.Security",
    "portfolios.Price",
    "portfolios.ImportBatch",
    "portfolios.Transaction",
    "portfolios.TaxLot",
    "portfolios.RealizedSale",
    "portfolios.WashSaleMatch",
    "taxprofiles.TaxProfile",
    "taxprofiles.TaxDocument",
    "harvesting.HarvestRun",
    "harvesting.Opportunity",
    "harvesting.Order",
    "reporting.ClientReport",
)
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be carried out, with a message fit to show the operator."""


@dataclass(frozen=True)
class RestoreResult:
    database: str
    media_files: int
    expected_counts: dict[str, int]
    restored_counts: dict[str, int]


def backup_create(*, out: Path, force: bool = False, using: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """Write a backup of the database ``using`` and of PRIVATE_MEDIA_ROOT into ``out``; return its manifest.

    ``out`` is created; an existing folder with anything in it is refused unless ``force`` (our files in it
    are then replaced).
    """
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"Backups support PostgreSQL and SQLite; this database is {vendor}.")
    if vendor == "postgresql":
        pg_dump = _executable("pg_dump")
    media_root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    if out.resolve().is_relative_to(media_root):
        raise BackupError(f"{out} is inside the private media folder {media_root}: the backup would contain itself.")
    if out.exists() and not out.is_dir():
        raise BackupError(f"{out} exists and is not a folder.")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise BackupError(f"{out} is not empty; choose an empty or new folder, or pass --force to write into it.")
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / MANIFEST).unlink(missing_ok=True)
    except OSError as exc:
        raise BackupError(f"Cannot write to {out}: {exc.strerror}") from exc

    database_file = out / DATABASE_FILES[vendor]
    if vendor == "postgresql":
        migrations, counts = _dump_postgres(connection, pg_dump, database_file)
    else:
        migrations, counts = _copy_sqlite(connection, database_file)
    media_files = _archive_media(media_root, out / MEDIA_ARCHIVE)

    manifest = {
        "format": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "django_version": django.get_version(),
        "database": {"vendor": vendor, "name": str(connection.settings_dict["NAME"])},
        "migrations": migrations,
        "files": {path.name: _describe(path) for path in (database_file, out / MEDIA_ARCHIVE)},
        "private_media_files": media_files,
        "row_counts": counts,
    }
    _write_atomically(out / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n")
    return manifest


def restore_check(*, source: Path, force: bool = False, using: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """Return the manifest of the backup in ``source`` once it is safe to restore over the database ``using``.

    Refuse a missing or corrupt manifest, a file whose SHA-256 or size differs from it, a backup of another
    database vendor, and (unless ``force``) a database or private media folder that already holds data.
    """
    manifest = read_manifest(source)
    for name, expected in manifest["files"].items():
        path = source / name
        if not path.is_file():
            raise BackupError(f"{path} is missing: the backup is incomplete.")
        actual = _describe(path)
        if actual["sha256"] != expected["sha256"] or actual["size"] != expected["size"]:
            raise BackupError(
                f"Checksum mismatch for {path}: the manifest says SHA-256 {expected['sha256']} "
                f"({expected['size']:,} bytes), the file has {actual['sha256']} ({actual['size']:,} bytes). "
                "The backup is damaged; restore another one."
            )
    connection = connections[using]
    backup_vendor = manifest["database"]["vendor"]
    if backup_vendor != connection.vendor:
        raise BackupError(
            f"This is a backup of a {backup_vendor} database; the configured database is {connection.vendor}. "
            "Restore it into a database of the same kind."
        )
    if backup_vendor == "postgresql":
        _executable("pg_restore")
    if not force:
        present = _existing_data(connection)
        media_files = _count_files(Path(settings.PRIVATE_MEDIA_ROOT))
        if present or media_files:
            what = []
            if present:
                rows = ", ".join(f"{count:,} {_label(key, count)}" for key, count in present.items())
                what.append(f"{rows} in the database {connection.settings_dict['NAME']}")
            if media_files:
                what.append(f"{media_files:,} file(s) in {settings.PRIVATE_MEDIA_ROOT}")
            raise BackupError(
                f"The restore would overwrite what is already here: {'; '.join(what)}. "
                f"Pass --force to replace it with the backup of {manifest['created_at']}."
            )
    return manifest


def restore_apply(*, source: Path, manifest: dict[str, Any], using: str = DEFAULT_DB_ALIAS) -> RestoreResult:
    """Restore the checked backup in ``source`` (see ``restore_check``) over the database and the media folder."""
    connection = connections[using]
    database_file = source / DATABASE_FILES[connection.vendor]
    # Our own connections would hold locks the restore waits for (PostgreSQL) or cache pages it replaces (SQLite).
    connections.close_all()
    if connection.vendor == "postgresql":
        _restore_postgres(connection, database_file)
    else:
        _restore_sqlite(connection, database_file)
    media_files = _restore_media(source / MEDIA_ARCHIVE, Path(settings.PRIVATE_MEDIA_ROOT))
    with connection.cursor() as cursor:
        restored = _row_counts(cursor, connection.ops.quote_name)
    return RestoreResult(
        database=f"{connection.vendor} {connection.settings_dict['NAME']}",
        media_files=media_files,
        expected_counts=manifest["row_counts"],
        restored_counts=restored,
    )


def read_manifest(source: Path) -> dict[str, Any]:
    """Return the manifest of the backup in ``source``, refusing one that is missing or malformed."""
    path = source / MANIFEST
    if not source.is_dir():
        raise BackupError(f"{source} is not a folder.")
    if not path.is_file():
        raise BackupError(f"{source} has no {MANIFEST}: it is not a backup, or the backup did not finish.")
    try:
        manifest = json.loads(path.read_bytes())
        vendor = manifest["database"]["vendor"]
        files = manifest["files"]
        valid = (
            manifest["format"] == FORMAT_VERSION
            and vendor in DATABASE_FILES
            and {DATABASE_FILES[vendor], MEDIA_ARCHIVE} <= set(files)
            and all(
                isinstance(entry["sha256"], str) and isinstance(entry["size"], int) and name == Path(name).name
                for name, entry in files.items()
            )
            and all(isinstance(count, int) for count in manifest["row_counts"].values())
            and isinstance(manifest["migrations"], dict)
            and isinstance(manifest["created_at"], str)
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupError(f"Corrupt manifest {path}: {exc.__class__.__name__}: {exc}") from exc
    if not valid:
        raise BackupError(f"Corrupt manifest {path}: it does not describe a format-{FORMAT_VERSION} backup.")
    return manifest


def migrations_to_apply(manifest: dict[str, Any]) -> list[str]:
    """Name the apps whose restored migration state differs from the code's latest migrations."""
    leaves = dict(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())
    return sorted(app for app, name in leaves.items() if manifest["migrations"].get(app) != name)


def _executable(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on PATH. Install the PostgreSQL client tools (Debian: apt-get install "
            "postgresql-client), in a version at least the server's."
        )
    return found


def _postgres_args(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Return the connection options and the child's environment: the password in PGPASSWORD, never in argv."""
    args = ["--no-password"]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    # Django's psql launcher knows which settings become PG* variables (password, service, sslmode, ...).
    _, extra_env = PostgresClient.settings_to_cmd_args_env(settings_dict, [])
    return args, {**os.environ, **(extra_env or {})}


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = result.stderr.strip() or result.stdout.strip() or f"exit status {result.returncode}"
        raise BackupError(f"{what} failed: {detail}")


def _dump_postgres(connection: Any, pg_dump: str, target: Path) -> tuple[dict[str, str], dict[str, int]]:
    args, env = _postgres_args(connection.settings_dict)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # One snapshot for the counts, the migration state and pg_dump, exported while this transaction is open.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        migrations = _migration_state(cursor)
        counts = _row_counts(cursor, connection.ops.quote_name)
        command = [pg_dump, *args, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"]
        _run([*command, f"--dbname={connection.settings_dict['NAME']}"], env, "pg_dump")
    return migrations, counts


def _copy_sqlite(connection: Any, target: Path) -> tuple[dict[str, str], dict[str, int]]:
    target.unlink(missing_ok=True)
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        # The backup API copies a consistent state page by page while other processes keep writing.
        connection.connection.backup(copy)
        # The copy stands alone: no write-ahead log beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        cursor = copy.cursor()
        return _migration_state(cursor), _row_counts(cursor, connection.ops.quote_name)
    except sqlite3.Error as exc:
        raise BackupError(f"Copying the SQLite database failed: {exc}") from exc
    finally:
        copy.close()


def _restore_postgres(connection: Any, dump: Path) -> None:
    pg_restore = _executable("pg_restore")
    args, env = _postgres_args(connection.settings_dict)
    command = [pg_restore, *args, "--clean", "--if-exists", "--no-owner", "--single-transaction"]
    _run([*command, f"--dbname={connection.settings_dict['NAME']}", str(dump)], env, "pg_restore")


def _restore_sqlite(connection: Any, copy: Path) -> None:
    name = str(connection.settings_dict["NAME"])
    if connection.is_in_memory_db():
        raise BackupError("The configured SQLite database lives in memory; there is no file to restore into.")
    # The backup's pages go over the database file through SQLite itself rather than by copying the file:
    # a plain copy would be merged with the old database's write-ahead log (db.sqlite3-wal) when next opened.
    timeout = connection.settings_dict.get("OPTIONS", {}).get("timeout", 20)
    source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    target = sqlite3.connect(name, timeout=timeout)
    try:
        source.backup(target)
        target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:
        raise BackupError(f"Restoring the SQLite database {name} failed: {exc}") from exc
    finally:
        source.close()
        target.close()


def _migration_state(cursor: Any) -> dict[str, str]:
    """Return the latest applied migration per app (applied order: the migration table's ids)."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    return dict(cursor.fetchall())


def _row_counts(cursor: Any, quote_name: Callable[[str], str], tables: Iterable[str] | None = None) -> dict[str, int]:
    counts = {}
    for key in MAIN_MODELS:
        table = apps.get_model(key)._meta.db_table
        if tables is not None and table not in tables:
            continue
        cursor.execute(f"SELECT COUNT(*) FROM {quote_name(table)}")
        counts[key] = cursor.fetchone()[0]
    return counts


def _existing_data(connection: Any) -> dict[str, int]:
    """Return the main tables that hold rows (an empty or unmigrated database holds none)."""
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        counts = _row_counts(cursor, connection.ops.quote_name, tables)
    return {key: count for key, count in counts.items() if count}


def _label(model_key: str, count: int) -> str:
    meta = apps.get_model(model_key)._meta
    return str(meta.verbose_name if count == 1 else meta.verbose_name_plural)


def _archive_media(root: Path, target: Path) -> int:
    """Write ``root``'s files into a gzipped tar (paths relative to ``root``); return how many files."""
    files = 0
    with tarfile.open(target, "w:gz") as archive:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.add(path, arcname=str(path.relative_to(root)), recursive=False)
                    files += 1
    return files


def _restore_media(archive: Path, root: Path) -> int:
    """Make ``root`` hold exactly the archive's files; return how many."""
    root.mkdir(parents=True, exist_ok=True)
    # Unpacked beside the folder first, so a damaged archive leaves the current files alone.
    staging = Path(tempfile.mkdtemp(dir=root.parent, prefix=f".{root.name}.restore-"))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            # The "data" filter refuses absolute paths, "..", links out of the folder and device files.
            tar.extractall(staging, filter="data")
        for child in root.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        for child in staging.iterdir():
            shutil.move(child, root / child.name)
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"Restoring the private media folder {root} failed: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return _count_files(root)


def _count_files(root: Path) -> int:
    return sum(1 for path in root.rglob("*") if path.is_file()) if root.is_dir() else 0


def _describe(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return {"sha256": digest.hexdigest(), "size": path.stat().st_size}


def _write_atomically(path: Path, content: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as handle:
        handle.write(content)
    os.replace(handle.name, path)
