"""The backtest: the product's plan decides, a hand-checked harvest, wash-sale freedom, names do not matter."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pandas as pd
import pytest

from harvesting.backtest.data import load_market
from harvesting.backtest.report import Grid, run_figures, run_grid
from harvesting.backtest.simulate import (
    Config,
    Market,
    WalkForwardForecasts,
    WashSaleViolation,
    check_wash_sales,
    cohort_start,
    independent_wash_sales,
    policy_spec,
    simulate,
)
from harvesting.backtest.taxes import LITERATURE, TOP, ZERO, Alpha, after_tax, net_by_year, yearly_taxes
from harvesting.engine.lots import Action, LedgerEntry

SYMBOLS = ["AAPL", "BAC", "CVX", "JPM", "MSFT", "XOM"]


@pytest.fixture(scope="module")
def history() -> tuple[pd.DataFrame, pd.Series]:
    """Six real stocks, 2006-2010: enough history for the 400-day correlations and a crash to harvest."""
    stocks, index = load_market()
    window = slice("2006-01-01", "2010-12-31")
    return stocks.loc[window, SYMBOLS], index.loc[window]


@pytest.fixture(scope="module")
def forecasts() -> WalkForwardForecasts:
    stocks, index = load_market()
    return WalkForwardForecasts(stocks.loc[:"2010-12-31", SYMBOLS], index.loc[:"2010-12-31"], 2008, 2009)


def two_stock_market() -> Market:
    """A falls from 100 to 80 on 2001-02-01 and recovers to 100 on 2002-03-01; B and the index stay at 100."""
    days = pd.bdate_range("2001-01-02", "2002-12-31")
    a = np.where((days >= "2001-02-01") & (days < "2002-03-01"), 80.0, 100.0)
    stocks = pd.DataFrame({"A": a, "B": np.full(len(days), 100.0)}, index=days)
    index = pd.Series(np.full(len(days), 100.0), index=days)
    return Market.from_frames(stocks, index, index_yield=0.0)


HAND = Config(threshold=0.10, half_spread_bps=0.0, replacement="index", index_yield=0.0, years=2)


def test_the_twin_never_trades_and_has_zero_alpha_against_itself(history) -> None:
    market = Market.from_frames(*history)
    twin = simulate(market, cohort_start(market, 2008), policy_spec("twin", Config()), Config(years=2))
    assert (twin.harvests, twin.switch_backs, twin.orders) == (0, 0, 0)
    assert not [r for r in twin.realized if r.kind != "liquidation"]
    for rates in (LITERATURE, TOP, ZERO):
        for mode in ("ample", "standalone"):
            alpha = Alpha.of(twin, twin, rates, mode)
            assert (alpha.tax_alpha, alpha.pre_tax, alpha.tax_part) == (0.0, 0.0, 0.0)


def test_two_stock_one_harvest_matches_hand_figures() -> None:
    market = two_stock_market()
    twin = simulate(market, 0, policy_spec("twin", HAND), HAND)
    daily = simulate(market, 0, policy_spec("daily", HAND), HAND, record_decisions=True)
    # $1,000,000 buys 5,000 A and 5,000 B at $100 on 2001-01-02 (no spread).
    # 2001-02-01: A closes at 80, a 20% loss >= 10%, worth 0.35 x 100,000 = $35,000 to the client: the plan
    # sells 5,000 A for $400,000 and buys 4,000 of the index fund. 2001-03-05 (the first trading day 31 days
    # later, the fund at no gain): the plan switches back, selling the fund and buying 5,000 A at $80.
    # 2002-12-31: liquidate at A = B = 100: the A lot (held since 2001-03-05, long-term) gains $100,000.
    assert (daily.harvests, daily.switch_backs, daily.orders) == (1, 1, 4)
    acted = [(d.day, d.symbol, d.action, d.replacement) for d in daily.decisions if d.action != "blocked"]
    assert acted == [(date(2001, 2, 1), "A", "harvest", "SP500"), (date(2001, 3, 5), "SP500", "switch back", "A")]
    assert sorted((r.sold, round(r.gain, 6), r.long_term, r.kind, r.symbol) for r in daily.realized) == [
        (date(2001, 2, 1), -100_000.0, False, "harvest", "A"),
        (date(2001, 3, 5), 0.0, False, "switch-back", "SP500"),
        (date(2002, 12, 31), 0.0, True, "liquidation", "B"),
        (date(2002, 12, 31), 100_000.0, True, "liquidation", "A"),
    ]
    buys_of_a = [e.trade_date for e in daily.ledger if e.symbol == "A" and e.action is Action.BUY]
    assert buys_of_a == [date(2001, 1, 2), date(2001, 3, 5)]  # bought back only after 31 days
    assert daily.liquidation_value == twin.liquidation_value == 1_000_000.0
    # Ample gains, 35/15: 2001 tax = 0.35 x -100,000 = -$35,000, received 2002-04-15 and reinvested at the
    # portfolio's return to the end (none: it is worth $1,000,000 then and at the end), so no growth to tax.
    # 2002 tax = 0.15 x 100,000 = $15,000, settled at the end. Wealth = 1,000,000 - 15,000 + 35,000.
    policy_after = after_tax(daily, LITERATURE, "ample")
    assert policy_after.taxes == pytest.approx({2001: -35_000.0, 2002: 15_000.0}, abs=1e-6)
    assert policy_after.wealth == pytest.approx(1_020_000.0, abs=0.01)
    expected = 1.02 ** (365.25 / 728) - 1.0  # 728 days, 2001-01-02..2002-12-31
    alpha = Alpha.of(daily, twin, LITERATURE, "ample")
    assert (alpha.tax_alpha, alpha.pre_tax, alpha.tax_part) == pytest.approx((expected, 0.0, expected), abs=1e-9)
    # Standalone: 2001 nets to a $100,000 ST loss; $3,000 offsets ordinary income at 35% (-$1,050), $97,000
    # carries forward. 2002: ST -97,000 against LT +100,000 leaves $3,000 LT at 15% = $450.
    standalone = after_tax(daily, LITERATURE, "standalone")
    assert standalone.taxes == pytest.approx({2001: -1_050.0, 2002: 450.0}, abs=1e-6)
    assert standalone.wealth == pytest.approx(1_000_600.0, abs=0.01)
    figures = {row["mode"]: row for row in run_figures(daily, twin, None, [LITERATURE])}
    assert figures["ample"]["harvested_losses_per_year"] == pytest.approx(0.1 / (728 / 365.25), abs=1e-12)


def test_a_refund_reinvested_is_taxed_on_its_growth() -> None:
    """Two years by hand: the 2001 refund grows 25% in the side account, and that growth is a short-term gain."""
    market = two_stock_market()
    daily = simulate(market, 0, policy_spec("daily", HAND), HAND)
    payday = next(i for i, d in enumerate(daily.dates) if d >= date(2002, 4, 15))
    growth = daily.growth.copy()
    growth[payday] = 0.8  # $1 invested is worth 0.80 when the refund arrives and 1.00 at the end
    grown = dataclasses.replace(daily, growth=growth)
    # 2001 tax -35,000 (a refund) reinvested on 2002-04-15: 35,000 x 1.00 / 0.80 = 43,750 at the end.
    # Its growth, 8,750, held 260 days (to 2002-12-31): short-term, 35% = 3,062.50, settled at the end.
    # 2002 tax 15,000 at the end. Wealth = 1,000,000 - 15,000 + 43,750 - 3,062.50 = 1,025,687.50.
    result = after_tax(grown, LITERATURE, "ample")
    assert result.side_account == pytest.approx(43_750.0, abs=1e-6)
    assert result.side_account_tax == pytest.approx(3_062.50, abs=1e-6)
    assert result.wealth == pytest.approx(1_025_687.50, abs=1e-6)
    # At 0% nothing is taxed: the pre-tax part keeps the whole growth.
    assert after_tax(grown, ZERO, "ample").side_account_tax == 0.0


def test_contributions_are_new_lots_and_the_return_is_money_weighted() -> None:
    market = two_stock_market()
    config = dataclasses.replace(HAND, contribution=0.01)
    twin = simulate(market, 0, policy_spec("twin", config), config)
    # $10,000 on each month's first trading day after the start (23 of them), $5,000 into each stock.
    assert len(twin.flows) == 24
    assert twin.flows[1] == (date(2001, 2, 1), 10_000.0)
    assert sum(1 for e in twin.ledger if e.action is Action.BUY) == 2 + 23 * 2
    # The twin's money-weighted return: every dollar put in, compounded at r to the end, adds up to its wealth.
    r = after_tax(twin, ZERO, "ample").annualized
    end = twin.dates[-1]
    compounded = sum(amount * (1 + r) ** ((end - day).days / 365.25) for day, amount in twin.flows)
    assert compounded == pytest.approx(twin.liquidation_value, rel=1e-9)
    # A contribution on 2001-02-01 buys A, sold at a loss that day: the plan harvests first (switch-backs and
    # harvests come before new money), so the new money buys what replaced A, never A itself within 30 days.
    daily = simulate(market, 0, policy_spec("daily", config), config)
    a_buys = [e.trade_date for e in daily.ledger if e.symbol == "A" and e.action is Action.BUY]
    assert not [d for d in a_buys if date(2001, 2, 1) <= d <= date(2001, 3, 3)]
    assert daily.wash_sales == 0


def test_standalone_netting_and_carryforward() -> None:
    nets = {2001: (-10_000.0, 2_000.0), 2002: (0.0, -1_000.0), 2003: (5_000.0, 4_000.0)}
    taxes = yearly_taxes(nets, LITERATURE, "standalone")
    assert taxes == pytest.approx({2001: -1_050.0, 2002: -1_050.0, 2003: 1_500.0})


@pytest.mark.parametrize("config", [Config(years=2), Config(years=2, dividends=True, contribution=0.005)])
def test_no_policy_makes_a_wash_sale(history, forecasts, config) -> None:
    market = Market.from_frames(*history, dividends=config.dividends)
    start = cohort_start(market, 2008)
    for name in ("monthly", "daily", "volscaled", "model", "ceiling"):
        # simulate() replays the trades through the ledger engine and the independent check, raising on any.
        result = simulate(market, start, policy_spec(name, config), config, forecasts=forecasts)
        assert result.wash_sales == 0
        assert result.harvests > 0  # 2008 is full of losses to harvest


def test_the_independent_check_finds_a_wash_sale_the_engine_would_not_be_asked_about() -> None:
    def entry(row: int, action: Action, day: date, price: str, lot: str) -> LedgerEntry:
        from decimal import Decimal

        return LedgerEntry(row, "taxable", "A", action, day, Decimal(10), Decimal(price), lot=lot)

    entries = [
        entry(1, Action.BUY, date(2020, 1, 2), "100", "L1"),
        entry(2, Action.BUY, date(2020, 3, 2), "90", "L2"),  # bought ...
        entry(3, Action.SELL, date(2020, 3, 9), "85", "L2"),  # ... and sold again before the loss sale
        entry(4, Action.SELL, date(2020, 3, 20), "80", "L1"),  # a loss 18 days after buying L2: washes (statute)
    ]
    assert independent_wash_sales(entries) == ["A L1 sold 2020-03-20 at a loss; bought 2020-03-02"]


def test_a_wash_sale_in_the_trades_fails_the_run() -> None:
    market = two_stock_market()
    result = simulate(market, 0, policy_spec("daily", HAND), HAND)
    # Buy A again the day after the harvest: the harvest's loss now washes.
    from decimal import Decimal

    extra = LedgerEntry(len(result.ledger) + 1, "taxable", "A", Action.BUY, date(2001, 2, 2), Decimal(1), Decimal(80))
    broken = dataclasses.replace(result, ledger=[*result.ledger[:-2], extra, *result.ledger[-2:]])
    with pytest.raises(WashSaleViolation):
        check_wash_sales(broken)


def test_renaming_the_symbols_changes_no_result(history, forecasts) -> None:
    """Same-day order never depends on a name: a permutation of names (and columns) gives the same figures."""
    stocks, index = history
    rng = np.random.default_rng(3)
    names = dict(zip(SYMBOLS, ["ZZ", "QQ", "AA", "MM", "BB", "YY"], strict=True))
    order = list(rng.permutation(SYMBOLS))
    renamed = stocks.loc[:, order].rename(columns=names)
    config = Config(years=2)
    for name in ("monthly", "daily", "volscaled", "model", "ceiling"):
        figures = []
        for frame, fc in ((stocks, forecasts), (renamed, forecasts.renamed(names))):
            market = Market.from_frames(frame, index)
            start = cohort_start(market, 2008)
            twin = simulate(market, start, policy_spec("twin", config), config)
            result = simulate(market, start, policy_spec(name, config), config, forecasts=fc)
            alpha = Alpha.of(result, twin, LITERATURE)
            figures.append((result.harvests, result.switch_backs, result.waits, alpha.tax_alpha, alpha.pre_tax))
        original, permuted = figures
        assert permuted[:3] == original[:3], name
        assert permuted[3:] == pytest.approx(original[3:], abs=1e-12), name


def test_the_forecasts_are_walk_forward(forecasts) -> None:
    for year, record in forecasts.records.items():
        assert date.fromisoformat(record["trained"][1]) < date(year, 1, 1)
        assert record["train_rows"] > 1000
    assert set(forecasts.predictions["version"]) == {"walk-forward-2008", "walk-forward-2009"}


def test_zero_rates_give_zero_tax_part(history) -> None:
    market = Market.from_frames(*history)
    config = Config(years=2)
    start = cohort_start(market, 2008)
    twin = simulate(market, start, policy_spec("twin", config), config)
    daily = simulate(market, start, policy_spec("daily", config), config)
    alpha = Alpha.of(daily, twin, ZERO)
    assert alpha.tax_part == 0.0
    assert alpha.tax_alpha == alpha.pre_tax
    assert all(tax == 0.0 for tax in yearly_taxes(net_by_year(daily), ZERO, "standalone").values())


def test_the_grid_reports_means_standard_errors_efficiency_and_the_paired_test(history, forecasts) -> None:
    stocks, index = history
    grid = Grid(
        starts=[(2008, 1), (2008, 7), (2009, 1), (2009, 7)],
        subsets=1,
        subset_size=4,
        subset_starts=[(2008, 4), (2009, 4)],
        policies=["twin", "monthly", "daily"],
        config=Config(years=1),
    )
    figures = run_grid(grid, stocks, index, processes=1, forecasts=forecasts)
    runs = pd.DataFrame(figures["runs"])
    assert len(runs) == (4 + 2) * 3 * 2 * 2  # households x policies x rate sets x modes
    summary = {(s["policy"], s["rates"], s["mode"]): s for s in figures["summary"]}
    daily = summary[("daily", "35/15", "ample")]
    rows = runs[(runs["policy"] == "daily") & (runs["rates"] == "35/15") & (runs["mode"] == "ample")]
    by_year = rows.groupby("year")["tax_alpha"].mean()
    assert daily["tax_alpha"] == pytest.approx(rows["tax_alpha"].mean())
    assert daily["tax_alpha_se"] == pytest.approx(by_year.std(ddof=1) / np.sqrt(2))
    assert daily["efficiency"] == pytest.approx(rows["tax_part"].mean() / rows["ceiling_tax_part"].mean())
    base = runs[(runs["policy"] == "monthly") & (runs["rates"] == "35/15") & (runs["mode"] == "ample")]
    paired = rows.set_index(["universe", "start"])["tax_alpha"] - base.set_index(["universe", "start"])["tax_alpha"]
    assert daily["vs_monthly"] == pytest.approx(paired.mean())
    assert summary[("twin", "35/15", "ample")]["tax_alpha"] == 0.0
    assert all(s["wash_sales"] == 0 for s in figures["summary"])
