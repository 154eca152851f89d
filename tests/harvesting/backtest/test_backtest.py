"""The backtest: the twin against itself, a hand-checked harvest, wash-sale freedom, the decomposition."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pandas as pd
import pytest

from harvesting.backtest.data import load_market
from harvesting.backtest.report import Grid, run_figures, run_grid, summarize
from harvesting.backtest.simulate import (
    POLICY_NAMES,
    REPLACEMENTS,
    SWITCH_BACKS,
    Config,
    Market,
    WalkForwardModel,
    _replacement,
    cohort_start,
    make_policy,
    simulate,
)
from harvesting.backtest.taxes import LITERATURE, TOP, ZERO, Alpha, after_tax, net_by_year, yearly_taxes


@pytest.fixture(scope="module")
def real_market() -> Market:
    """The real history, cut to 2005-2010 so that the tests stay fast."""
    stocks, index = load_market()
    window = slice("2005-01-01", "2010-12-31")
    return Market.from_frames(stocks.loc[window], index.loc[window])


@pytest.fixture(scope="module")
def model(real_market: Market) -> WalkForwardModel:
    return WalkForwardModel(real_market, first_year=2007)


def two_stock_market() -> Market:
    """A falls from 100 to 80 on 2001-02-01 and recovers to 100 on 2002-03-01; B stays at 100."""
    days = pd.bdate_range("2001-01-02", "2002-12-31")
    a = np.where((days >= "2001-02-01") & (days < "2002-03-01"), 80.0, 100.0)
    stocks = pd.DataFrame({"A": a, "B": np.full(len(days), 100.0)}, index=days)
    index = pd.Series(np.full(len(days), 100.0), index=days)
    return Market.from_frames(stocks, index, dividend_yield=0.0)


HAND = Config(threshold=0.10, half_spread_bps=0.0, replacement="correlated", switch_back="31days", dividend_yield=0.0)


def test_twin_has_zero_tax_alpha_against_itself(real_market: Market) -> None:
    config = Config()
    twin = simulate(real_market, cohort_start(real_market, 2006), make_policy("twin", config), config)
    assert twin.trades == 0
    assert not [r for r in twin.realized if r.kind != "liquidation"]
    for rates in (LITERATURE, TOP, ZERO):
        for mode in ("ample", "standalone"):
            alpha = Alpha.of(twin, twin, rates, mode)
            assert (alpha.tax_alpha, alpha.pre_tax, alpha.tax_part) == (0.0, 0.0, 0.0)


def test_two_stock_one_harvest_matches_hand_figures() -> None:
    market = two_stock_market()
    start = 0
    twin = simulate(market, start, make_policy("twin", HAND), HAND)
    daily = simulate(market, start, make_policy("daily", HAND), HAND)
    # $1,000,000 buys 5,000 A and 5,000 B at $100 on 2001-01-02 (no spread).
    # 2001-02-01: A closes at 80, a 20% loss >= 10%: sell 5,000 A for $400,000, a short-term loss of
    # $100,000; buy 4,000 B (the only other stock, so the best correlated) at $100.
    # 2001-03-05 (the first trading day 31 days later): sell the 4,000 B at $100 (gain 0) and buy
    # 5,000 A at $80 (basis $400,000).
    # 2002-12-31: liquidate at A = B = 100: the A lot (held since 2001-03-05, long-term) gains $100,000;
    # the original B lot gains 0. Liquidation value $1,000,000, as the twin's (whose gains are all 0).
    assert (daily.harvests, daily.switch_backs, daily.trades) == (1, 1, 4)
    assert [(r.sold, round(r.gain, 6), r.long_term, r.kind) for r in daily.realized] == [
        (date(2001, 2, 1), -100_000.0, False, "harvest"),
        (date(2001, 3, 5), 0.0, False, "switch-back"),
        (date(2002, 12, 31), 100_000.0, True, "liquidation"),
        (date(2002, 12, 31), 0.0, True, "liquidation"),
    ]
    assert daily.liquidation_value == pytest.approx(1_000_000.0, abs=1e-6)
    assert twin.liquidation_value == pytest.approx(1_000_000.0, abs=1e-6)
    # Ample gains, 35/15: 2001 tax = 0.35 x -100,000 = -$35,000, received 2002-04-15 (a Monday) when
    # the portfolio is worth $1,000,000, as at the end: the side account ends at $35,000.
    # 2002 tax = 0.15 x 100,000 = $15,000, settled at the end. Wealth = 1,000,000 - 15,000 + 35,000
    # = $1,020,000 over 728 days (2001-01-02..2002-12-31); the twin ends at exactly $1,000,000.
    policy_after = after_tax(daily, LITERATURE, "ample")
    assert policy_after.taxes == pytest.approx({2001: -35_000.0, 2002: 15_000.0}, abs=1e-6)
    assert policy_after.wealth == pytest.approx(1_020_000.0, abs=0.01)
    assert after_tax(twin, LITERATURE, "ample").wealth == pytest.approx(1_000_000.0, abs=0.01)
    expected = 1.02 ** (365.25 / 728) - 1.0  # = 0.998566...% a year
    alpha = Alpha.of(daily, twin, LITERATURE, "ample")
    assert alpha.tax_alpha == pytest.approx(expected, abs=1e-9)
    assert alpha.pre_tax == pytest.approx(0.0, abs=1e-9)
    assert alpha.tax_part == pytest.approx(expected, abs=1e-9)
    # Standalone: 2001 nets to a $100,000 ST loss; $3,000 offsets ordinary income at 35% (-$1,050),
    # $97,000 ST carries forward. 2002: ST -97,000 against LT +100,000 leaves $3,000 LT at 15% = $450.
    # Wealth = 1,000,000 + 1,050 - 450 = $1,000,600.
    standalone = after_tax(daily, LITERATURE, "standalone")
    assert standalone.taxes == pytest.approx({2001: -1_050.0, 2002: 450.0}, abs=1e-6)
    assert standalone.wealth == pytest.approx(1_000_600.0, abs=0.01)
    figures = {row["mode"]: row for row in run_figures(daily, twin, [LITERATURE])}
    # Harvested loss $100,000 over 728/365.25 years, as a share of $1,000,000.
    assert figures["ample"]["harvested_losses_per_year"] == pytest.approx(0.1 / (728 / 365.25), abs=1e-12)
    assert figures["standalone"]["tax_alpha"] == pytest.approx(1.0006 ** (365.25 / 728) - 1.0, abs=1e-9)


def test_a_refund_reinvested_is_taxed_on_its_growth() -> None:
    """Two years by hand: the 2001 refund grows 25% in the side account, and that growth is a short-term gain."""
    market = two_stock_market()
    daily = simulate(market, 0, make_policy("daily", HAND), HAND)
    payday = next(i for i, d in enumerate(daily.dates) if d >= date(2002, 4, 15))
    values = daily.values.copy()
    values[payday] = 800_000.0  # the portfolio is worth 800,000 when the refund arrives, 1,000,000 at the end
    grown = dataclasses.replace(daily, values=values)
    # 2001 tax -35,000 (a refund) reinvested on 2002-04-15 at 800,000: 35,000 x 1,000,000 / 800,000 = 43,750.
    # Its growth, 8,750, held 260 days (to 2002-12-31): short-term, 35% = 3,062.50, settled at the end.
    # 2002 tax 15,000 at the end. Wealth = 1,000,000 - 15,000 + 43,750 - 3,062.50 = 1,025,687.50.
    result = after_tax(grown, LITERATURE, "ample")
    assert result.side_account == pytest.approx(43_750.0, abs=1e-6)
    assert result.side_account_tax == pytest.approx(3_062.50, abs=1e-6)
    assert result.wealth == pytest.approx(1_025_687.50, abs=1e-6)
    # At 0% nothing is taxed: the pre-tax part keeps the whole growth.
    assert after_tax(grown, ZERO, "ample").side_account_tax == 0.0


def test_a_replacement_bought_after_a_loss_sale_waits_31_days() -> None:
    market = two_stock_market()
    result = simulate(market, 0, make_policy("daily", HAND), HAND)
    buys_of_a = [e.trade_date for e in result.ledger if e.symbol == "A" and e.action == "buy"]
    assert buys_of_a == [date(2001, 1, 2), date(2001, 3, 5)]


def test_standalone_netting_and_carryforward() -> None:
    nets = {2001: (-10_000.0, 2_000.0), 2002: (0.0, -1_000.0), 2003: (5_000.0, 4_000.0)}
    taxes = yearly_taxes(nets, LITERATURE, "standalone")
    # 2001: ST -10,000 + LT 2,000 = -8,000 ST: 3,000 offset at 35% (-1,050), 5,000 ST carried.
    # 2002: ST -5,000, LT -1,000: 3,000 offset from ST (-1,050), carry 2,000 ST and 1,000 LT.
    # 2003: ST 5,000 - 2,000 = 3,000 at 35% (1,050); LT 4,000 - 1,000 = 3,000 at 15% (450).
    assert taxes == pytest.approx({2001: -1_050.0, 2002: -1_050.0, 2003: 1_500.0})


@pytest.mark.parametrize("replacement", REPLACEMENTS)
@pytest.mark.parametrize("switch_back", SWITCH_BACKS)
def test_no_policy_makes_a_wash_sale(
    real_market: Market, model: WalkForwardModel, replacement: str, switch_back: str
) -> None:
    config = Config(replacement=replacement, switch_back=switch_back)
    start = cohort_start(real_market, 2007)
    for name in POLICY_NAMES:
        result = simulate(real_market, start, make_policy(name, config, model.probability_of_recovery), config)
        # simulate() replays the trades through the ledger engine and raises on any wash sale.
        assert result.wash_sales == 0
        if name != "twin":
            assert result.harvests > 0  # 2007-2008 is full of losses to harvest


def test_zero_rates_give_zero_tax_part(real_market: Market) -> None:
    config = Config(replacement="basket")
    start = cohort_start(real_market, 2007)
    twin = simulate(real_market, start, make_policy("twin", config), config)
    daily = simulate(real_market, start, make_policy("daily", config), config)
    alpha = Alpha.of(daily, twin, ZERO)
    assert alpha.tax_part == 0.0
    assert alpha.tax_alpha == alpha.pre_tax
    assert all(tax == 0.0 for tax in yearly_taxes(net_by_year(daily), ZERO, "standalone").values())


def test_model_is_walk_forward(model: WalkForwardModel) -> None:
    for year, (trained_through, rows) in model.fitted_years.items():
        assert trained_through < date(year, 1, 1)
        assert rows > 1000


def test_grid_runs_and_summarizes(real_market: Market) -> None:
    grid = Grid(cohorts=[2007, 2008], policies=["twin", "monthly", "daily"], replacements=["index"])
    grid.switch_backs = ["31days"]
    figures = run_grid(grid, market=real_market, processes=1)
    summary = summarize(figures["cohorts"])
    assert len(figures["cohorts"]) == 2 * 3 * 2 * 2  # cohorts x policies x rate sets x modes
    twin = [s for s in summary if s["policy"] == "twin"]
    assert all(s["tax_alpha"] == 0.0 for s in twin)
    assert all(s["wash_sales"] == 0 for s in summary)


def test_the_best_replacement_is_the_one_that_tracked_the_sold_stock_most_closely() -> None:
    rng = np.random.default_rng(7)
    days = pd.bdate_range("2001-01-02", "2002-12-31")
    a = rng.normal(0, 0.02, len(days))
    returns = {"A": a, "B": a + rng.normal(0, 0.002, len(days)), "C": rng.normal(0, 0.02, len(days))}
    stocks = pd.DataFrame({k: 100 * np.cumprod(1 + v) for k, v in returns.items()}, index=days)
    index = pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.01, len(days))), index=days)
    market = Market.from_frames(stocks, index, dividend_yield=0.0)
    best = Config(replacement="best", basket_size=2)
    t = len(days) - 1
    assert _replacement(0, t, market, best, lambda j, t: True) == [(1, 1.0)]
    # B may not be bought (a wash sale): the closest of what is left, C alone or the index, is taken.
    fallback = _replacement(0, t, market, best, lambda j, t: j != 1)
    assert fallback in ([(2, 1.0)], [(market.n, 1.0)])
