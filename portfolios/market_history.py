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

from django.db import transaction

from portfolios.models import Price, Security
from portfolios.price_store import Row, latest_refresh, prices_write

MARKET_CLOSE = time(16, 0)
NEW_YORK = ZoneInfo("America/New_York")
STOCKS_FILE = "sp500_dataset.csv.gz"
INDEX_FILE = "sp500_index.csv.gz"
SECURITIES_FILE = "securities.csv"
INDEX_SYMBOL = "SPX"


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


@transaction.atomic
def price_history_load(*, data_dir: Path) -> LoadResult:
    """Load the securities and every daily close of the bundled history into the prices table."""
    securities = _upsert_securities(data_dir / SECURITIES_FILE)
    ids = {symbol: security.pk for symbol, security in securities.items()}
    before = Price.objects.filter(security__in=securities.values()).count()
    stamps: dict[date, datetime] = {}
    counted = [0]

    def rows() -> Iterator[Row]:
        sources = [_read_closes(data_dir / STOCKS_FILE), _read_closes(data_dir / INDEX_FILE, {"SP500": INDEX_SYMBOL})]
        for source in sources:
            for symbol, day, close in source:
                stamp = stamps.get(day) or stamps.setdefault(day, close_timestamp(day))
                counted[0] += 1
                yield ids[symbol], stamp, close, None, False, False

    prices_write(rows())
    latest_refresh()
    total = Price.objects.filter(security__in=securities.values()).count()
    return LoadResult(securities=len(securities), rows_read=counted[0], prices_added=total - before, prices_total=total)
