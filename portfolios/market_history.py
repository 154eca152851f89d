"""Load the bundled daily price history (data/market, from skfolio; see its PROVENANCE.md).

Each close is stamped 16:00 New York time on its trading day. Loading is idempotent: a price that
is already stored is overwritten with the file's value, never duplicated.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from portfolios.models import Price, Security

MARKET_CLOSE = time(16, 0)
NEW_YORK = ZoneInfo("America/New_York")
STOCKS_FILE = "sp500_dataset.csv.gz"
INDEX_FILE = "sp500_index.csv.gz"
SECURITIES_FILE = "securities.csv"
INDEX_SYMBOL = "SPX"
BATCH = 1000  # rows per INSERT: 3,000 parameters, within SQLite's limit


@dataclass(frozen=True, slots=True)
class LoadResult:
    securities: int
    rows_read: int
    prices_added: int
    prices_total: int


def close_timestamp(day: date) -> datetime:
    return datetime.combine(day, MARKET_CLOSE, tzinfo=NEW_YORK)


def _read_closes(path: Path, rename: dict[str, str] | None = None) -> Iterator[tuple[str, date, Decimal]]:
    """Yield (symbol, day, close) from a wide gzip CSV whose first column is the date."""
    with gzip.open(path, "rt", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        symbols = [(rename or {}).get(name, name) for name in header[1:]]
        for row in reader:
            day = date.fromisoformat(row[0])
            for symbol, raw in zip(symbols, row[1:], strict=True):
                if raw:
                    yield symbol, day, Decimal(raw)


def _upsert_securities(path: Path) -> dict[str, Security]:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        Security.objects.update_or_create(
            symbol=row["symbol"],
            defaults={
                "name": row["name"],
                "kind": row["kind"],
                "sector": row["sector"],
                "tradable": row["tradable"].lower() == "true",
            },
        )
    return {s.symbol: s for s in Security.objects.filter(symbol__in=[row["symbol"] for row in rows])}


def _columns() -> tuple[str, str, str, str]:
    quote = connection.ops.quote_name
    meta = Price._meta
    security, timestamp, price = (quote(meta.get_field(name).column) for name in ("security", "timestamp", "price"))
    return quote(meta.db_table), security, timestamp, price


def _upsert_sql(source: str) -> str:
    """Insert closes from ``source``, skipping unchanged ones and correcting changed ones."""
    table, security, timestamp, price = _columns()
    return (
        f"INSERT INTO {table} ({security}, {timestamp}, {price}) {source} "
        f"ON CONFLICT ({security}, {timestamp}) DO UPDATE SET {price} = excluded.{price} "
        f"WHERE {table}.{price} <> excluded.{price}"
    )


def _write_postgresql(rows: Iterator[tuple[int, datetime, Decimal]]) -> None:
    """COPY into a temporary table, then one INSERT ... ON CONFLICT: a few seconds for the whole history."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE price_load (security_id bigint, ts timestamptz, price numeric)")
        with cursor.cursor.copy("COPY price_load (security_id, ts, price) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(_upsert_sql("SELECT security_id, ts, price FROM price_load WHERE true"))
        # Dropped now, not at commit: the caller's transaction may load again before it commits.
        cursor.execute("DROP TABLE price_load")


def _write_portable(rows: Iterator[tuple[int, datetime, Decimal]]) -> None:
    """Multi-row INSERTs: raw SQL, because 175,000 model instances cost ten times the database work."""
    full_batch = _upsert_sql("VALUES " + ", ".join(["(%s, %s, %s)"] * BATCH))
    adapt = connection.ops.adapt_datetimefield_value
    params: list[object] = []
    with connection.cursor() as cursor:
        for security_id, stamp, close in rows:
            params += (security_id, adapt(stamp), close)
            if len(params) == 3 * BATCH:
                cursor.execute(full_batch, params)
                params.clear()
        if params:
            cursor.execute(_upsert_sql("VALUES " + ", ".join(["(%s, %s, %s)"] * (len(params) // 3))), params)


@transaction.atomic
def price_history_load(*, data_dir: Path) -> LoadResult:
    """Load the securities and every daily close of the bundled history into the prices table."""
    securities = _upsert_securities(data_dir / SECURITIES_FILE)
    ids = {symbol: security.pk for symbol, security in securities.items()}
    before = Price.objects.filter(security__in=securities.values()).count()
    stamps: dict[date, datetime] = {}
    counted = [0]

    def rows() -> Iterator[tuple[int, datetime, Decimal]]:
        sources = [_read_closes(data_dir / STOCKS_FILE), _read_closes(data_dir / INDEX_FILE, {"SP500": INDEX_SYMBOL})]
        for source in sources:
            for symbol, day, close in source:
                stamp = stamps.get(day) or stamps.setdefault(day, close_timestamp(day))
                counted[0] += 1
                yield ids[symbol], stamp, close

    (_write_postgresql if connection.vendor == "postgresql" else _write_portable)(rows())
    total = Price.objects.filter(security__in=securities.values()).count()
    return LoadResult(securities=len(securities), rows_read=counted[0], prices_added=total - before, prices_total=total)
