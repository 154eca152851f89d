"""Prices in and out of the database: bulk upserts for the feed and the history loader, the latest-price
cache, and "the latest price at or before a time" for everything that values a lot.

Writes are one statement per few thousand rows: ``unnest`` of arrays on PostgreSQL (one round trip, no
temporary table), multi-row VALUES on SQLite. Re-sending a price that is already stored changes nothing;
a corrected one overwrites it. ``LatestPrice`` is updated in the same transaction, and only forwards, so a
late or replayed tick never makes the cache older.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Case, DateTimeField, Expression, F, OuterRef, Subquery, Value, When

from brokers.market_clock import market_now
from brokers.market_data import Tick
from portfolios.models import LatestPrice, Price, Security
from portfolios.signals import prices_ingested

Row = tuple[int, datetime, Decimal, int | None, bool, bool]  # security_id, timestamp, price, volume, intraday, sim
COLUMNS = ("security_id", "timestamp", "price", "volume", "intraday", "simulated")
PG_CHUNK = 20_000
SQLITE_CHUNK = 5_000 // len(COLUMNS)  # parameters per statement stay far below SQLite's limit


@dataclass(frozen=True, slots=True)
class Quote:
    price: Decimal
    at: datetime
    simulated: bool = False


@dataclass(frozen=True, slots=True)
class IngestResult:
    ticks: int
    securities: int
    moved: frozenset[int]
    newest: datetime | None
    unknown_symbols: frozenset[str]


def latest_quotes(security_ids: Iterable[int], at: datetime | Mapping[int, datetime] | None = None) -> dict[int, Quote]:
    """Each security's latest price at or before ``at``: the market clock by default, one instant for all,
    or each security's own instant (a mapping), still in one round trip.

    The cache answers whenever its newest price is not after ``at`` (always, on a live feed); a clock
    that runs behind the stored prices (a replay, a pinned test) falls back to one index probe per security.
    """
    ids = set(security_ids)
    if isinstance(at, Mapping):
        ids &= at.keys()
        instants = {at[pk] for pk in ids}
        if len(instants) == 1:
            return latest_quotes(ids, instants.pop())
        when: Expression = Case(*(When(pk=pk, then=Value(at[pk])) for pk in ids), output_field=DateTimeField())
        cached_when: Expression = Case(
            *(When(security_id=pk, then=Value(at[pk])) for pk in ids), output_field=DateTimeField()
        )
    else:
        when = cached_when = Value(at or market_now(), output_field=DateTimeField())
    quotes = {
        pk: Quote(price, stamp, simulated)
        for pk, price, stamp, simulated in LatestPrice.objects.filter(security_id__in=ids)
        .alias(until=cached_when)
        .filter(timestamp__lte=F("until"))
        .values_list("security_id", "price", "timestamp", "simulated")
    }
    missing = ids - quotes.keys()
    if missing:
        newest = Price.objects.filter(security=OuterRef("pk"), timestamp__lte=OuterRef("until")).order_by("-timestamp")
        price_ids = (
            Security.objects.filter(pk__in=missing)
            .alias(until=when)
            .annotate(price_id=Subquery(newest.values("pk")[:1]))
            .exclude(price_id=None)
            .values("price_id")
        )
        for pk, price, stamp, simulated in Price.objects.filter(pk__in=price_ids).values_list(
            "security_id", "price", "timestamp", "simulated"
        ):
            quotes[pk] = Quote(price, stamp, simulated)
    return quotes


@transaction.atomic
def prices_ingest(ticks: Sequence[Tick]) -> IngestResult:
    """Store a batch of ticks, move the latest-price cache, and announce which securities moved.

    Ticks for symbols the product does not know are left out and reported, not fatal: a live feed may
    carry more than we hold. Two ticks of one security at one instant keep the later one sent.
    """
    symbols = {tick.symbol for tick in ticks}
    ids = dict(Security.objects.filter(symbol__in=symbols).values_list("symbol", "pk"))
    rows: dict[tuple[int, datetime], Row] = {}
    for tick in ticks:
        pk = ids.get(tick.symbol)
        if pk is not None:
            rows[(pk, tick.at)] = (pk, tick.at, tick.price, tick.volume, tick.intraday, tick.simulated)
    if not rows:
        return IngestResult(0, 0, frozenset(), None, frozenset(symbols - ids.keys()))
    newest_rows: dict[int, Row] = {}
    for row in rows.values():
        if row[0] not in newest_rows or row[1] > newest_rows[row[0]][1]:
            newest_rows[row[0]] = row
    before = _prices_before(newest_rows)
    prices_write(rows.values())
    latest_advance(newest_rows.values())
    moved = frozenset(pk for pk, row in newest_rows.items() if pk not in before or before[pk].price != row[2])
    newest = max(row[1] for row in newest_rows.values())
    transaction.on_commit(lambda: prices_ingested.send(sender=Price, security_ids=moved, at=newest))
    return IngestResult(len(rows), len(newest_rows), moved, newest, frozenset(symbols - ids.keys()))


def _prices_before(newest_rows: dict[int, Row]) -> dict[int, Quote]:
    """Each security's stored price at the time of its newest tick, before this batch: an identical re-send
    (or a late tick that matches what is stored) moves nothing."""
    return latest_quotes(newest_rows, at={pk: row[1] for pk, row in newest_rows.items()})


def simulated_clear(security_ids: Iterable[int], start: datetime, end: datetime) -> int:
    """Remove the simulated ticks of these securities in [start, end): a replay redrawing a day removes the
    previous drawing first, so two simulated paths are never interleaved. Returns the rows removed."""
    ids = set(security_ids)
    removed, _ = Price.objects.filter(
        security_id__in=ids, simulated=True, timestamp__gte=start, timestamp__lt=end
    ).delete()
    stale = LatestPrice.objects.filter(security_id__in=ids, simulated=True, timestamp__gte=start, timestamp__lt=end)
    if removed and stale.exists():
        stale.delete()
        latest_refresh()
    return removed


def prices_write(rows: Iterable[Row]) -> None:
    """Upsert price rows in bulk (no cache update, no signal: the caller decides)."""
    chunk: list[Row] = []
    size = PG_CHUNK if connection.vendor == "postgresql" else SQLITE_CHUNK
    write = _write_postgresql if connection.vendor == "postgresql" else _write_portable
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            write(chunk)
            chunk = []
    if chunk:
        write(chunk)


def latest_refresh() -> None:
    """Bring the latest-price cache up to the prices table (after a bulk history load)."""
    newest = Price.objects.filter(security=OuterRef("pk")).order_by("-timestamp").values("pk")[:1]
    ids = Security.objects.annotate(price_id=Subquery(newest)).exclude(price_id=None).values_list("price_id", flat=True)
    latest_advance(Price.objects.filter(pk__in=list(ids)).values_list(*COLUMNS))


def latest_advance(rows: Iterable[Row]) -> None:
    """Move each security's cached latest price forward to ``rows`` (never backward)."""
    table = connection.ops.quote_name(LatestPrice._meta.db_table)
    values = [(pk, stamp, price, simulated) for pk, stamp, price, _, _, simulated in rows]
    if not values:
        return
    adapt = connection.ops.adapt_datetimefield_value
    sql = (
        f"INSERT INTO {table} (security_id, timestamp, price, simulated) VALUES "
        + ", ".join(["(%s, %s, %s, %s)"] * len(values))
        + " ON CONFLICT (security_id) DO UPDATE SET timestamp = excluded.timestamp, price = excluded.price, "
        f"simulated = excluded.simulated WHERE excluded.timestamp >= {table}.timestamp"
    )
    params = [value for pk, stamp, price, sim in values for value in (pk, adapt(stamp), price, sim)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _upsert_clause(table: str, distinct: str) -> str:
    changed = " OR ".join(f"{table}.{column} {distinct} excluded.{column}" for column in COLUMNS[2:])
    updates = ", ".join(f"{column} = excluded.{column}" for column in COLUMNS[2:])
    return f"ON CONFLICT (security_id, timestamp) DO UPDATE SET {updates} WHERE {changed}"


def _write_postgresql(rows: Sequence[Row]) -> None:
    """One INSERT ... SELECT FROM unnest(arrays): a single round trip for thousands of rows."""
    table = connection.ops.quote_name(Price._meta.db_table)
    columns = list(zip(*rows, strict=True))
    sql = (
        f"INSERT INTO {table} ({', '.join(COLUMNS)}) "
        "SELECT * FROM unnest(%s::bigint[], %s::timestamptz[], %s::numeric[], %s::bigint[], %s::bool[], %s::bool[]) "
        + _upsert_clause(table, "IS DISTINCT FROM")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(column) for column in columns])


def _write_portable(rows: Sequence[Row]) -> None:
    table = connection.ops.quote_name(Price._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(rows))
    sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES {placeholders} " + _upsert_clause(table, "IS NOT")
    params = [v for pk, stamp, price, volume, intra, sim in rows for v in (pk, adapt(stamp), price, volume, intra, sim)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
