"""``manage.py backup`` and ``manage.py restore``, run as an operator runs them: in subprocesses, against a
scratch database (a PostgreSQL database created for the test, or a SQLite file) and a scratch private folder.

The book is seeded, read back, damaged and compared in subprocesses too (``book_seed``, ``book_snapshot`` and
``book_damage`` below), so the test process never holds a connection to the database being restored over.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg
import pytest
from psycopg import sql

from taxharvest.backups import MANIFEST, MEDIA_ARCHIVE, SQLITE_COPY, _postgres_args

PROJECT = Path(__file__).resolve().parents[2]
RETURN_BYTES = b"%PDF-1.4\n% the Smiths' 2024 Form 1040\n" + bytes(range(256))
# Bought in January, sold at a loss in December and bought back within 30 days: a wash sale, so the
# replacement lot's adjusted basis carries the disallowed loss.
LEDGER = (
    b"account,account_type,date,action,symbol,quantity,price,lot\n"
    b"SM-T,taxable,2022-01-03,buy,AAPL,100,180,A1\n"
    b"SM-T,taxable,2022-01-03,buy,MSFT,50,330,M1\n"
    b"SM-IRA,traditional_ira,2022-02-01,buy,AAPL,10,170,\n"
    b"SM-T,taxable,2022-12-01,sell,AAPL,40,140,A1\n"
    b"SM-T,taxable,2022-12-15,buy,AAPL,40,135,A2\n"
)


# --- Run in subprocesses (``_in_django``), against the database in DATABASE_URL. ---------------------------


def book_seed() -> None:
    """Seed the Smiths with a ledger (as tests/conftest.py's ``smiths_at_a_loss``), a tax profile and a return."""
    from decimal import Decimal

    from django.core.files.base import ContentFile

    from portfolios.importers import ledger_import
    from portfolios.models import AccountType
    from taxprofiles.models import TaxDocument, TaxProfile
    from tests.factories import (
        AccountFactory,
        ClientFactory,
        FirmFactory,
        HouseholdFactory,
        SecurityFactory,
        UserFactory,
    )

    acme = FirmFactory(name="Acme Wealth", slug="acme")
    alice = UserFactory(firm=acme, email="alice@acme.example")
    smiths = HouseholdFactory(firm=acme, name="Smith Family")
    smiths.advisors.add(alice)
    jane = ClientFactory(household=smiths, external_id="SMITH-1", name="Jane Smith")
    john = ClientFactory(household=smiths, external_id="SMITH-2", name="John Smith")
    AccountFactory(household=smiths, owner=jane, number="SM-T", account_type=AccountType.TAXABLE)
    AccountFactory(household=smiths, owner=john, number="SM-IRA", account_type=AccountType.TRADITIONAL_IRA)
    SecurityFactory(symbol="AAPL", name="Apple Inc.")
    SecurityFactory(symbol="MSFT", name="Microsoft Corp.")
    ledger_import(household=smiths, filename="l.csv", content=LEDGER, today=date(2026, 1, 1))
    TaxProfile.objects.create(
        household=smiths, tax_year=2025, filing_status="married_joint", wages=Decimal("400000"),
        st_gains_realized=Decimal("30000"), state="NY",
    )  # fmt: skip
    document = TaxDocument(
        household=smiths,
        uploaded_by=alice,
        filename="2024-1040.pdf",
        size=len(RETURN_BYTES),
        sha256=hashlib.sha256(RETURN_BYTES).hexdigest(),
    )
    document.file.save("2024-1040.pdf", ContentFile(RETURN_BYTES))


def book_snapshot() -> None:
    """Print the Smiths' transactions, lots, tax profiles and stored returns (with their bytes) as JSON."""
    from django.core.serializers.json import DjangoJSONEncoder

    from portfolios.models import Household, TaxLot, Transaction
    from taxprofiles.models import TaxDocument, TaxProfile

    smiths = Household.objects.get(name="Smith Family")
    documents = []
    for document in TaxDocument.objects.filter(household=smiths).order_by("pk"):
        path = Path(document.file.path)
        stored = path.read_bytes().hex() if path.exists() else None
        documents.append({"pk": document.pk, "name": document.file.name, "bytes": stored})
    snapshot = {
        "transactions": list(Transaction.objects.filter(account__household=smiths).order_by("pk").values()),
        "lots": list(TaxLot.objects.filter(account__household=smiths).order_by("pk").values()),
        "tax_profiles": list(TaxProfile.objects.filter(household=smiths).order_by("pk").values()),
        "documents": documents,
    }
    print(json.dumps(snapshot, cls=DjangoJSONEncoder))


def book_damage() -> None:
    """Lose the Smiths' ledger and lots, change their tax profile and delete their stored return."""
    from decimal import Decimal

    from portfolios.models import Household, TaxLot, Transaction
    from taxprofiles.models import TaxDocument, TaxProfile

    smiths = Household.objects.get(name="Smith Family")
    TaxLot.objects.filter(account__household=smiths).delete()
    Transaction.objects.filter(account__household=smiths).delete()
    TaxProfile.objects.filter(household=smiths).update(wages=Decimal("1"))
    for document in TaxDocument.objects.filter(household=smiths):
        Path(document.file.path).unlink()


# --- Fixtures and helpers. -------------------------------------------------------------------------------


class Site:
    """One deployment's configuration: a database URL and a private media folder."""

    def __init__(self, database_url: str, private: Path) -> None:
        self.database_url = database_url
        self.private = private

    def env(self, **extra: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
        return {
            **env,
            "DJANGO_SETTINGS_MODULE": "taxharvest.settings",
            "SECRET_KEY": "backup-test-secret-key-" + "x" * 40,
            "DATABASE_URL": self.database_url,
            "PRIVATE_MEDIA_ROOT": str(self.private),
            "MONITOR_ENABLED": "0",
            **extra,
        }

    def manage(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT,
            env=self.env(**extra_env),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def run(self, function: str) -> str:
        code = (
            f"import django; django.setup(); from tests.taxharvest.test_backup_restore import {function}; {function}()"
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=PROJECT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def snapshot(self) -> dict[str, Any]:
        return json.loads(self.run("book_snapshot"))


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    return result.stdout


def _refused(result: subprocess.CompletedProcess[str]) -> str:
    """Return the CommandError's message, after checking that it was one and not a traceback."""
    assert result.returncode == 1, f"{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("CommandError: ")
    return result.stderr


def _postgres_server() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the PostgreSQL round trip needs DATABASE_URL=postgres://... (a server to create databases on)")
    return dj_database_url.parse(url)


def _admin_connection(server: dict[str, Any]) -> psycopg.Connection[Any]:
    return psycopg.connect(
        dbname="postgres",
        user=server["USER"] or None,
        password=server["PASSWORD"] or None,
        host=server["HOST"] or None,
        port=server["PORT"] or None,
        autocommit=True,
    )


def _postgres_url(server: dict[str, Any], name: str) -> str:
    credentials = server["USER"] + (f":{server['PASSWORD']}" if server["PASSWORD"] else "")
    return f"postgres://{credentials}@{server['HOST']}:{server['PORT'] or 5432}/{name}"


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite database file that each test copies (migrating costs seconds)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    site = Site(f"sqlite:///{path}", tmp_path_factory.mktemp("unused-private"))
    _ok(site.manage("migrate", "--verbosity=0"))
    assert not Path(f"{path}-wal").exists()
    return path


@pytest.fixture(scope="module")
def migrated_postgres_template() -> Iterator[tuple[dict[str, Any], str]]:
    """A migrated, empty PostgreSQL database that each test clones (CREATE DATABASE ... TEMPLATE)."""
    server = _postgres_server()
    name = f"th_backup_template_{uuid.uuid4().hex[:8]}"
    with _admin_connection(server) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        _ok(Site(_postgres_url(server, name), Path("/nonexistent")).manage("migrate", "--verbosity=0"))
        yield server, name
    finally:
        with _admin_connection(server) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def empty_sqlite_backup(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of the migrated, empty SQLite database, which each test copies before damaging it."""
    backup = tmp_path_factory.mktemp("empty-backup") / "backup"
    _ok(Site(f"sqlite:///{migrated_sqlite}", tmp_path_factory.mktemp("private")).manage("backup", "--out", str(backup)))
    return backup


@pytest.fixture
def backup_copy(empty_sqlite_backup: Path, tmp_path: Path) -> Path:
    return shutil.copytree(empty_sqlite_backup, tmp_path / "backup")


@pytest.fixture
def sqlite_site(migrated_sqlite: Path, tmp_path: Path) -> Site:
    database = tmp_path / "db.sqlite3"
    shutil.copy(migrated_sqlite, database)
    return Site(f"sqlite:///{database}", tmp_path / "private")


@pytest.fixture
def postgres_site(migrated_postgres_template: tuple[dict[str, Any], str], tmp_path: Path) -> Iterator[Site]:
    server, template = migrated_postgres_template
    name = f"th_backup_{uuid.uuid4().hex[:8]}"
    with _admin_connection(server) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
    try:
        yield Site(_postgres_url(server, name), tmp_path / "private")
    finally:
        with _admin_connection(server) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(params=["sqlite", "postgres"])
def site(request: pytest.FixtureRequest) -> Site:
    return request.getfixturevalue(f"{request.param}_site")


# --- Tests. ---------------------------------------------------------------------------------------------


def test_a_restore_brings_back_the_book_as_it_was_backed_up(site: Site, tmp_path: Path) -> None:
    site.run("book_seed")
    before = site.snapshot()
    assert len(before["transactions"]) == 5
    assert any(lot["wash_sale_adjustment"] != "0.00" for lot in before["lots"])
    assert before["documents"][0]["bytes"] == RETURN_BYTES.hex()
    backup = tmp_path / "backup"

    backed_up = _ok(site.manage("backup", "--out", str(backup)))

    manifest = json.loads((backup / MANIFEST).read_text())
    assert manifest["row_counts"]["portfolios.Transaction"] == 5
    assert manifest["row_counts"]["portfolios.TaxLot"] == len(before["lots"])
    assert manifest["migrations"]["portfolios"].startswith("00")
    assert manifest["private_media_files"] == 1
    assert str(backup) in backed_up
    site.run("book_damage")
    damaged = site.snapshot()
    assert damaged["transactions"] == []
    assert damaged["lots"] == []
    assert damaged["documents"][0]["bytes"] is None

    restored = _ok(site.manage("restore", str(backup), "--force"))

    assert site.snapshot() == before
    assert "private media: 1 file(s)" in restored
    assert "DIFFERS" not in restored
    assert "portfolios.Transaction                 5           5" in restored


def test_it_refuses_to_restore_over_a_database_with_data_without_force(sqlite_site: Site, tmp_path: Path) -> None:
    sqlite_site.run("book_seed")
    backup = tmp_path / "backup"
    _ok(sqlite_site.manage("backup", "--out", str(backup)))
    sqlite_site.run("book_damage")

    message = _refused(sqlite_site.manage("restore", str(backup)))

    assert "The restore would overwrite what is already here: 1 firm, 1 user, 1 household, 2 clients" in message
    assert "--force" in message
    assert sqlite_site.snapshot()["transactions"] == []


def test_it_refuses_a_backup_whose_file_was_corrupted(sqlite_site: Site, backup_copy: Path) -> None:
    backup = backup_copy
    copy = bytearray((backup / SQLITE_COPY).read_bytes())
    copy[len(copy) // 2] ^= 0xFF
    (backup / SQLITE_COPY).write_bytes(bytes(copy))

    message = _refused(sqlite_site.manage("restore", str(backup), "--force"))

    assert f"Checksum mismatch for {backup / SQLITE_COPY}" in message


def test_it_refuses_a_corrupt_manifest(sqlite_site: Site, backup_copy: Path) -> None:
    backup = backup_copy
    (backup / MANIFEST).write_text('{"format": 1, "files": ')

    assert "Corrupt manifest" in _refused(sqlite_site.manage("restore", str(backup)))


def test_it_refuses_a_backup_of_another_database_vendor(backup_copy: Path, tmp_path: Path) -> None:
    backup = backup_copy
    elsewhere = Site("postgres://th@127.0.0.1:5/not-contacted", tmp_path / "private")

    message = _refused(elsewhere.manage("restore", str(backup), "--force"))

    assert "backup of a sqlite database; the configured database is postgresql" in message


def test_it_refuses_to_back_up_into_a_folder_that_is_not_empty(sqlite_site: Site, tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    backup.mkdir()
    (backup / "notes.txt").write_text("keep me")

    assert "is not empty" in _refused(sqlite_site.manage("backup", "--out", str(backup)))
    _ok(sqlite_site.manage("backup", "--out", str(backup), "--force"))
    assert {MANIFEST, SQLITE_COPY, MEDIA_ARCHIVE, "notes.txt"} == {path.name for path in backup.iterdir()}


def test_it_says_so_when_pg_dump_is_not_installed(tmp_path: Path) -> None:
    site = Site("postgres://th@127.0.0.1:5/not-contacted", tmp_path / "private")
    no_tools = tmp_path / "bin"
    no_tools.mkdir()

    message = _refused(site.manage("backup", "--out", str(tmp_path / "backup"), PATH=str(no_tools)))

    assert "pg_dump was not found on PATH" in message
    assert not (tmp_path / "backup").exists()


def test_the_database_password_reaches_pg_dump_in_its_environment_not_its_arguments() -> None:
    settings_dict = {"NAME": "th", "USER": "th", "PASSWORD": "s3cret", "HOST": "db", "PORT": 5432, "OPTIONS": {}}

    args, env = _postgres_args(settings_dict)

    assert env["PGPASSWORD"] == "s3cret"
    assert not any("s3cret" in arg for arg in args)
    assert args == ["--no-password", "--username", "th", "--host", "db", "--port", "5432"]


def test_it_refuses_to_back_up_into_the_private_media_folder(sqlite_site: Site) -> None:
    inside = sqlite_site.private / "backups" / "today"

    message = _refused(sqlite_site.manage("backup", "--out", str(inside)))

    assert "is inside the private media folder" in message
    assert not inside.exists()
