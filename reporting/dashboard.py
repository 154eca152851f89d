"""The dashboard's figures for an advisor's book or one household, and its value chart.

Every figure is Decimal dollars to the cent and dated by the market clock: "this year" is the market's
year, so the demo (living in 2022) shows 2022's harvests. The value series is what the household's
positions (from its ledger) were worth at each day's close over the past year; it is cached per state of
the ledger and the closes, because it reads a year of prices and the page refreshes itself while the feed runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pandas as pd
from django.core.cache import cache
from django.db.models import Count, Max, Sum

from brokers.market_clock import NEW_YORK, market_date, market_now
from harvesting.engine.money import ZERO
from harvesting.models import Opportunity, OpportunityStatus, Order
from portfolios.holdings import household_positions, household_totals
from portfolios.models import Account, Action, Price, Transaction
from portfolios.selectors import ACCOUNT_TYPE_ORDER
from reporting.harvests import FILLED, harvest_savings, harvests, realized

SERIES_DAYS = 365


@dataclass(frozen=True)
class Figures:
    market_value: Decimal
    cost_basis: Decimal
    unrealized: Decimal
    st_gains: Decimal
    st_losses: Decimal
    lt_gains: Decimal
    lt_losses: Decimal
    open_count: int
    open_tax_value: Decimal
    harvests_ytd: int
    realized_losses_ytd: Decimal
    tax_savings_ytd: Decimal
    year: int
    priced_at: datetime | None
    simulated: bool


@dataclass(frozen=True)
class HarvestEvent:
    day: date
    symbol: str
    household: str
    loss: Decimal


@dataclass(frozen=True)
class ValueSeries:
    points: list[tuple[date, Decimal]] = field(default_factory=list)
    events: list[HarvestEvent] = field(default_factory=list)


def dashboard_figures(household_ids: Sequence[int]) -> Figures:
    at = market_now()
    year = market_date(at).year
    accounts = list(
        Account.objects.filter(household_id__in=household_ids)
        .prefetch_related("lots__security")
        .order_by(ACCOUNT_TYPE_ORDER, "number")
    )
    positions = household_positions(accounts)
    lots = [lot for account in positions for lot in account.lots]
    unrealized = [(lot.long_term, lot.unrealized) for lot in lots if lot.unrealized is not None]
    opportunities = Opportunity.objects.filter(
        household_id__in=household_ids,
        status=OpportunityStatus.OPEN,
        explanation__action="harvest",
        expires_at__gte=at,
    ).aggregate(count=Count("pk"), value=Sum("tax_value"))
    year_harvests = harvests(household_ids, date(year, 1, 1), date(year, 12, 31))
    savings = harvest_savings(year, year_harvests)
    totals = household_totals(positions)  # the household page's totals: one computation for both pages
    return Figures(
        market_value=totals.market_value,
        cost_basis=totals.cost_basis,
        unrealized=totals.unrealized,
        st_gains=_sum(v for long, v in unrealized if not long and v > 0),
        st_losses=_sum(v for long, v in unrealized if not long and v < 0),
        lt_gains=_sum(v for long, v in unrealized if long and v > 0),
        lt_losses=_sum(v for long, v in unrealized if long and v < 0),
        open_count=opportunities["count"] or 0,
        open_tax_value=opportunities["value"] or ZERO,
        harvests_ytd=len(year_harvests),
        realized_losses_ytd=realized(household_ids, year).losses,
        tax_savings_ytd=savings.total,
        year=year,
        priced_at=totals.priced_at,
        simulated=totals.simulated,
    )


def _sum(values: object) -> Decimal:
    return sum(values, ZERO)  # type: ignore[arg-type]


def value_series(household_ids: Sequence[int]) -> ValueSeries:
    """Daily closing value of the households' positions over the past year, with their harvests marked."""
    at = market_now()
    end = market_date(at)
    newest_close = Price.objects.filter(intraday=False).aggregate(newest=Max("id"))["newest"] or 0
    newest_trade = (
        Transaction.objects.filter(account__household_id__in=household_ids).aggregate(newest=Max("id"))["newest"] or 0
    )
    newest_fill = (
        Order.objects.filter(opportunity__household_id__in=household_ids, side="sell", status__in=FILLED).aggregate(
            newest=Max("id")
        )["newest"]
        or 0
    )
    scope = hashlib.sha256(",".join(map(str, sorted(household_ids))).encode()).hexdigest()[:16]
    key = f"dashboard-series:{scope}:{end}:{newest_close}:{newest_trade}:{newest_fill}"
    cached = cache.get(key)
    if cached is None:
        cached = _series(household_ids, end)
        cache.set(key, cached, 600)
    return cached


def _series(household_ids: Sequence[int], end: date) -> ValueSeries:
    start = end - timedelta(days=SERIES_DAYS)
    points = position_values(household_ids, start, end)
    if not points:
        return ValueSeries()
    # The loss the sale realized (what the ledger and Form 8949 say), not the scan's estimate before it.
    events = [HarvestEvent(h.day, h.symbol, h.household, h.loss) for h in harvests(household_ids, start, end)]
    return ValueSeries(points, events)


def position_values(
    household_ids: Sequence[int], start: date, end: date, exclude: Collection[int] = ()
) -> list[tuple[date, Decimal]]:
    """What the households' positions were worth at each close in [start, end], by their ledger.

    ``exclude`` leaves transactions out of the ledger: without a year's harvest trades this is the same
    portfolio had it never harvested (the client report's comparison).
    """
    trades = pd.DataFrame.from_records(
        Transaction.objects.filter(account__household_id__in=household_ids, trade_date__lte=end)
        .exclude(pk__in=list(exclude))
        .values_list("security_id", "trade_date", "action", "quantity"),
        columns=["security", "day", "action", "quantity"],
    )
    if trades.empty:
        return []
    trades["signed"] = (
        trades["quantity"].astype(float).where(trades["action"] != Action.SELL, -trades["quantity"].astype(float))
    )
    held = sorted(set(trades["security"]))
    closes_rows = Price.objects.filter(
        intraday=False,
        security_id__in=held,
        timestamp__gte=datetime.combine(start, time(0), tzinfo=NEW_YORK),
        timestamp__lt=datetime.combine(end + timedelta(days=1), time(0), tzinfo=NEW_YORK),
    ).values_list("security_id", "timestamp", "price")
    closes = pd.DataFrame.from_records(
        ((pk, market_date(stamp), float(price)) for pk, stamp, price in closes_rows),
        columns=["security", "day", "close"],
    )
    if closes.empty:
        return []
    closes = closes.pivot_table(index="day", columns="security", values="close", aggfunc="last").sort_index().ffill()
    deltas = trades.pivot_table(index="day", columns="security", values="signed", aggfunc="sum").sort_index()
    days = closes.index.union(deltas.index)
    positions = (
        deltas.reindex(days).fillna(0.0).cumsum().reindex(closes.index).reindex(columns=closes.columns).fillna(0.0)
    )
    values = (positions * closes).sum(axis=1)
    return [(day, Decimal(f"{value:.2f}")) for day, value in values.items()]


@dataclass(frozen=True)
class Chart:
    """The value series drawn as SVG coordinates (the template writes the elements)."""

    width: int
    height: int
    path: str
    area: str
    markers: list[tuple[float, float, HarvestEvent]]
    ticks: list[tuple[float, str]]
    levels: list[tuple[float, Decimal]]
    first: Decimal
    last: Decimal
    baseline: str = ""  # the same portfolio without its harvests (client reports), on the same scale


def chart(
    series: ValueSeries,
    width: int = 960,
    height: int = 220,
    pad: int = 8,
    baseline: Sequence[tuple[date, Decimal]] = (),
) -> Chart | None:
    if len(series.points) < 2:
        return None
    values = [float(v) for _, v in series.points]
    compared = dict(baseline)
    others = [float(compared[day]) for day, _ in series.points if day in compared]
    low, high = min(values + others), max(values + others)
    span = (high - low) or 1.0
    n = len(values) - 1

    def x(i: int) -> float:
        return round(pad + (width - 2 * pad) * i / n, 1)

    def y(v: float) -> float:
        return round(pad + (height - 2 * pad) * (1 - (v - low) / span), 1)

    coords = [(x(i), y(v)) for i, v in enumerate(values)]
    path = "M" + " L".join(f"{cx},{cy}" for cx, cy in coords)
    area = f"{path} L{coords[-1][0]},{height - pad} L{coords[0][0]},{height - pad} Z"
    index = {day: i for i, (day, _) in enumerate(series.points)}
    markers = []
    for event in series.events:
        i = index.get(event.day)
        if i is None:
            later = [j for day, j in index.items() if day >= event.day]
            if not later:
                continue
            i = min(later)
        markers.append((coords[i][0], coords[i][1], event))
    months: list[tuple[float, str]] = []
    seen: set[tuple[int, int]] = set()
    for i, (day, _) in enumerate(series.points):
        if (day.year, day.month) not in seen:
            seen.add((day.year, day.month))
            months.append((x(i), day.strftime("%b %Y" if day.month == 1 else "%b")))
    levels = [(y(low), Decimal(f"{low:.2f}")), (y(high), Decimal(f"{high:.2f}"))]
    drawn = [(x(i), y(float(compared[day]))) for i, (day, _) in enumerate(series.points) if day in compared]
    baseline_path = ("M" + " L".join(f"{cx},{cy}" for cx, cy in drawn)) if len(drawn) > 1 else ""
    return Chart(
        width,
        height,
        path,
        area,
        markers,
        months[1:],
        levels,
        series.points[0][1],
        series.points[-1][1],
        baseline_path,
    )
