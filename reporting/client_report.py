"""The client savings report: its figures (from the functions the dashboard uses) and its PDF.

The period is the tax year, up to the market's date while the year is still running. Every figure is
computed from the ledger and the tax profile as they stand; a generated report is kept as a file, so
what a client was given does not change afterwards. The same household and year always render the same
bytes (no wall-clock time in the document), which is what lets the command line and the worker produce
the same PDF.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.template.loader import render_to_string

from brokers.market_clock import NEW_YORK, market_today
from harvesting.engine.holding import is_long_term
from harvesting.engine.lots import OpenLot
from portfolios.ledger import replay_household
from portfolios.models import Action, Client, Household, Price, Security, Transaction
from reporting.dashboard import Chart, HarvestEvent, ValueSeries, chart, position_values
from reporting.harvests import (
    Harvest,
    Realized,
    Savings,
    WashEvent,
    harvest_savings,
    harvests,
    realized,
    wash_events,
)
from reporting.performance import ZERO, Comparison, Flow, Outcome, cents
from taxprofiles.selectors import profile_for_year
from taxprofiles.services import platform_realized_gains, valuer_for_profile

LOOKBACK_DAYS = 10  # to find the last close before the period: the portfolio's starting value


@dataclass(frozen=True)
class ReportData:
    firm: str
    household: Household
    clients: list[Client]
    advisors: list[str]
    year: int
    start: date
    end: date
    complete: bool  # False while the year is still running: the report is year to date
    harvests: list[Harvest]
    realized: Realized
    savings: Savings | None
    comparison: Comparison | None
    chart: Chart | None
    wash_events: list[WashEvent]

    @property
    def harvested_losses(self) -> Decimal:
        return sum((h.loss for h in self.harvests), ZERO)

    @property
    def harvests_realized(self) -> Decimal:
        return sum((h.realized for h in self.harvests), ZERO)

    @property
    def tax_saved(self) -> Decimal:
        return self.savings.total if self.savings else ZERO

    @property
    def deferred(self) -> Decimal:
        """Losses disallowed this year but kept in a replacement's basis: deferred, not lost."""
        return sum((event.disallowed for event in self.wash_events if not event.permanent), ZERO)

    @property
    def lost(self) -> Decimal:
        """Losses disallowed for good, because the replacement was bought in an IRA (Rev. Rul. 2008-5)."""
        return sum((event.disallowed for event in self.wash_events if event.permanent), ZERO)

    @property
    def summary(self) -> dict[str, str]:
        """The headline figures, kept with the stored report for lists."""
        return {
            "harvests": str(len(self.harvests)),
            "harvested_losses": str(self.harvested_losses),
            "tax_saved": str(self.tax_saved),
            "valued": "yes" if self.savings is None or self.savings.value else "no",
            "period_end": self.end.isoformat(),
        }


def report_period(year: int) -> tuple[date, date, bool]:
    today = market_today()
    end = date(year, 12, 31)
    if today < end:
        return date(year, 1, 1), max(today, date(year, 1, 1)), False
    return date(year, 1, 1), end, True


def client_report_data(household: Household, year: int) -> ReportData:
    start, end, complete = report_period(year)
    ids = [household.pk]
    found = harvests(ids, start, end)
    savings = harvest_savings(year, found).households.get(household.pk) if found else None
    harvest_txns = {pk for h in found for pk in h.transaction_ids}
    points = position_values(ids, start - timedelta(days=LOOKBACK_DAYS), end)
    without = position_values(ids, start - timedelta(days=LOOKBACK_DAYS), end, exclude=harvest_txns)
    comparison = _comparison(household, year, start, end, found, savings, points, without, harvest_txns)
    shown = [(day, value) for day, value in points if day >= start]
    events = [HarvestEvent(h.day, h.symbol, h.household, h.loss) for h in found]
    drawn = chart(ValueSeries(shown, events), width=680, height=200, baseline=without)
    return ReportData(
        firm=household.firm.name,
        household=household,
        clients=list(household.clients.order_by("name")),
        advisors=[str(user) for user in household.advisors.order_by("last_name", "first_name", "email")],
        year=year,
        start=start,
        end=end,
        complete=complete,
        harvests=found,
        realized=realized(ids, year),
        savings=savings,
        comparison=comparison,
        chart=drawn,
        wash_events=wash_events(ids, start, end),
    )


def _starting_point(points: list[tuple[date, Decimal]], start: date) -> tuple[date, Decimal, bool]:
    """The value the period starts from: the last close before it (True), else, for prices that begin
    inside the period, the first close in it (False), from which day the comparison then runs."""
    before = [value for day, value in points if day < start]
    if before:
        return start, before[-1], True
    return points[0][0], points[0][1], False


def _comparison(
    household: Household,
    year: int,
    start: date,
    end: date,
    found: list[Harvest],
    savings: Savings | None,
    points: list[tuple[date, Decimal]],
    without: list[tuple[date, Decimal]],
    harvest_txns: set[int],
) -> Comparison | None:
    if not points:
        return None
    start, start_value, prior = _starting_point(points, start)
    start_without = _starting_point(without, start)[1] if without else ZERO
    # Without a close before the period, a trade on its first priced day is already in that close.
    flows = [flow for flow in _flows(household, start, end, harvest_txns) if prior or flow.day > start]
    liquidation_with, liquidation_without = _liquidation_taxes(household, year, end, savings, harvest_txns)
    cash = sum((h.cash_left for h in found), ZERO)
    return Comparison(
        start=start,
        end=end,
        flows=tuple(flows),
        harvesting=Outcome(
            start_value=start_value,
            end_value=points[-1][1],
            cash=cash,
            tax_saved=savings.total if savings else ZERO,
            liquidation_tax=liquidation_with,
        ),
        without=Outcome(
            start_value=start_without,
            end_value=without[-1][1] if without else ZERO,
            cash=ZERO,
            tax_saved=ZERO,
            liquidation_tax=liquidation_without,
        ),
    )


def _flows(household: Household, start: date, end: date, harvest_txns: set[int]) -> list[Flow]:
    """Deposits (purchases and transfers in) and withdrawals (sales) other than the harvests' own trades.

    A reinvested dividend is the portfolio's own income, not new money: it is part of the return.
    """
    flows = []
    rows = (
        Transaction.objects.filter(account__household=household, trade_date__gte=start, trade_date__lte=end)
        .exclude(pk__in=list(harvest_txns))
        .exclude(action=Action.REINVEST)
        .order_by("trade_date", "id")
    )
    for txn in rows:
        gross = txn.quantity * txn.price
        if txn.action == Action.SELL:
            flows.append(Flow(txn.trade_date, -cents(gross - txn.fees)))
        else:
            flows.append(Flow(txn.trade_date, cents(gross + txn.fees)))
    return flows


def _liquidation_taxes(
    household: Household, year: int, end: date, savings: Savings | None, harvest_txns: set[int]
) -> tuple[Decimal, Decimal]:
    """Tax on selling every taxable lot at the end's closes: with the harvests, and without them."""
    profile = (savings.profile if savings else None) or profile_for_year(household, year)
    if profile is None:
        return ZERO, ZERO
    st_all, lt_all = platform_realized_gains(household, year)
    st_harvest = savings.harvested_st if savings else ZERO
    lt_harvest = savings.harvested_lt if savings else ZERO
    portfolios = [_taxable_lots(household, end, ()), _taxable_lots(household, end, harvest_txns)]
    closes = _closes({lot.symbol for lots in portfolios for lot in lots}, end)
    taxes = []
    for lots, year_gains in zip(
        portfolios, ((st_all, lt_all), (st_all - st_harvest, lt_all - lt_harvest)), strict=True
    ):
        st_gain, lt_gain = _unrealized(lots, closes, end)
        valuer = valuer_for_profile(profile, year_gains, year=year)
        # Selling realizes the gains: a "loss" of minus the gain, whose saving is minus the tax it costs.
        taxes.append(-valuer.value(st_loss=-st_gain, lt_loss=-lt_gain).total_savings)
    return taxes[0], taxes[1]


def _taxable_lots(household: Household, end: date, exclude: Collection[int]) -> list[OpenLot]:
    replay = replay_household(household, until=end, exclude=exclude)
    taxable = {number for number, account in replay.accounts.items() if not account.is_tax_deferred}
    return [lot for lot in replay.replay.open_lots if lot.account in taxable]


def _unrealized(lots: list[OpenLot], closes: dict[str, Decimal], end: date) -> tuple[Decimal, Decimal]:
    st = lt = ZERO
    for lot in lots:
        close = closes.get(lot.symbol)
        if close is None:
            continue
        gain = cents(lot.quantity * close) - lot.cost_basis
        if is_long_term(lot.holding_start, end):
            lt += gain
        else:
            st += gain
    return st, lt


def _closes(symbols: set[str], day: date) -> dict[str, Decimal]:
    """Each security's last close on or before ``day``, in one query."""
    until = datetime.combine(day + timedelta(days=1), time(0), tzinfo=NEW_YORK)
    last = Price.objects.filter(security=OuterRef("pk"), intraday=False, timestamp__lt=until).order_by("-timestamp")
    rows = (
        Security.objects.filter(symbol__in=symbols)
        .annotate(close=Subquery(last.values("price")[:1]))
        .values_list("symbol", "close")
    )
    return {symbol: close for symbol, close in rows if close is not None}


def client_report_html(data: ReportData) -> str:
    return render_to_string("reporting/client_report.html", {"report": data})


def client_report_pdf(household: Household, year: int) -> tuple[bytes, ReportData]:
    """Render the report; the PDF's bytes depend only on the data (no time of rendering inside)."""
    from weasyprint import HTML

    data = client_report_data(household, year)
    html = client_report_html(data)
    pdf = HTML(string=html, base_url=".").write_pdf()
    assert pdf is not None
    return pdf, data
