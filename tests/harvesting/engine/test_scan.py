"""The scan engine: never a sale that would wash, and a ranking by this client's tax value."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np

from harvesting.engine.replacements import choose_replacements
from harvesting.engine.scan import Purchase, Replacement, ScanLot, ScanPolicy, scan_household
from harvesting.engine.waiting import Outlook, WaitingModel
from taxprofiles.rules.federal_tax import Income
from taxprofiles.rules.harvest_value import HarvestValuer

D = Decimal
AS_OF = date(2025, 12, 15)
REPLACEMENTS = {s: Replacement("SPY", 0.9, 0.0, "correlation") for s in ("AAA", "BBB", "CCC")}


def lot(ref: int, symbol: str, quantity: str, basis: str, acquired: date, account: str = "T1", **kw) -> ScanLot:
    return ScanLot(ref, account, kw.get("tax_deferred", False), symbol, kw.get("name", acquired.isoformat()),
                   D(quantity), D(basis), acquired, acquired)  # fmt: skip


def valuer(wages: str, st: str = "0", lt: str = "0", state: str = ""):
    v = HarvestValuer(2025, "single", state, Income(D(wages), D(st), D(lt)))
    return lambda st_loss, lt_loss: v.value(st_loss=st_loss, lt_loss=lt_loss).total_savings


LOTS = [
    lot(1, "AAA", "100", "10000", date(2025, 3, 3)),  # short-term, worth 6,000: a 4,000 loss
    lot(2, "BBB", "100", "20000", date(2020, 3, 2)),  # long-term, worth 14,000: a 6,000 loss
]
PRICES = {"AAA": D("60"), "BBB": D("140"), "CCC": D("50")}


def test_a_purchase_within_30_days_in_any_account_blocks_the_lot_and_says_until_when():
    purchases = [Purchase("AAA", "SPOUSE-IRA", date(2025, 12, 1), D("5"))]
    found = scan_household(LOTS, PRICES, AS_OF, purchases, valuer("300000", st="50000"), REPLACEMENTS)
    blocked = next(o for o in found if o.lot.symbol == "AAA")
    assert blocked.action == "blocked"
    assert blocked.rank is None
    assert blocked.blocked_by == "bought 5 AAA on 2025-12-01 in SPOUSE-IRA"
    assert blocked.blocked_until == date(2026, 1, 1)
    assert [o.lot.symbol for o in found if o.action == "harvest"] == ["BBB"]


def test_a_planned_dividend_reinvestment_blocks_the_lot():
    purchases = [
        Purchase("AAA", "T1", date(2025, 12, 31), D("0.4"), planned=True, description="dividend reinvestment of AAA")
    ]
    found = scan_household(LOTS, PRICES, AS_OF, purchases, valuer("300000", st="50000"), REPLACEMENTS)
    blocked = next(o for o in found if o.lot.symbol == "AAA")
    assert (blocked.action, blocked.blocked_by, blocked.blocked_until) == (
        "blocked",
        "dividend reinvestment of AAA",
        date(2026, 1, 31),
    )


def test_a_lot_is_not_blocked_by_its_own_purchase_or_by_one_31_days_old():
    recent = lot(3, "CCC", "100", "6000", date(2025, 12, 1))
    purchases = [
        Purchase("CCC", "T1", date(2025, 12, 1), D("100"), lot="2025-12-01"),
        Purchase("AAA", "T1", date(2025, 11, 14), D("1")),
    ]
    found = scan_household([*LOTS, recent], PRICES, AS_OF, purchases, valuer("300000", st="50000"), REPLACEMENTS)
    assert {o.lot.symbol: o.action for o in found} == {"AAA": "harvest", "BBB": "harvest", "CCC": "harvest"}


def test_losses_in_iras_and_small_losses_are_not_opportunities():
    ira = lot(4, "AAA", "100", "10000", date(2025, 3, 3), account="IRA", tax_deferred=True)
    small = lot(5, "CCC", "100", "5100", date(2025, 3, 3))  # a 1.96% loss, under the 5% minimum
    found = scan_household([ira, small], PRICES, AS_OF, [], valuer("300000"), REPLACEMENTS)
    assert found == []


def test_the_ranking_follows_this_clients_tax_value():
    # A high earner with short-term gains: the short-term loss saves 35% + 3.8%, the long-term one
    # offsets the same short-term gains after netting but is larger: 6,000 x 38.8% > 4,000 x 38.8%.
    rich = scan_household(LOTS, PRICES, AS_OF, [], valuer("300000", st="50000"), REPLACEMENTS)
    assert [(o.rank, o.lot.symbol, o.tax_value) for o in rich if o.rank] == [
        (1, "BBB", D("2328.00")),
        (2, "AAA", D("1552.00")),
    ]
    # A $60,000 earner with no gains: only $3,000 of loss counts this year, and the short-term loss,
    # taken first, uses it all; the long-term loss then saves nothing now (it only carries forward).
    modest = scan_household(LOTS, PRICES, AS_OF, [], valuer("60000"), REPLACEMENTS)
    assert [(o.rank, o.lot.symbol, o.tax_value) for o in modest if o.rank] == [(1, "AAA", D("360"))]
    assert next(o for o in modest if o.lot.symbol == "BBB").action == "below minimum"


def test_costs_are_the_half_spread_both_ways_plus_the_tracking_charge():
    replacements = {"AAA": Replacement("SPY", 0.9, 0.20, "correlation")}
    (found,) = scan_household(LOTS[:1], PRICES, AS_OF, [], valuer("300000", st="50000"), replacements)
    # 6,000 x 0.0005 x 2 = 6.00; tracking 6,000 x 0.20 x 0.2912 x 0.25 = 87.36
    assert found.costs == D("93.36")
    assert found.net_benefit == found.tax_value - D("93.36")


FACTS = WaitingModel(depth=0.05, deepening=0.10, recovery=0.05, reference_volatility=0.30)


def flat(rate: str):
    return lambda st_loss, lt_loss: ((st_loss + lt_loss) * D(rate)).quantize(D("0.01"))


def test_a_harvest_waits_when_the_expected_value_of_waiting_beats_harvesting_now():
    # AAA: worth 6,000, a 4,000 loss, costs 6.00 (no tracking error), tax at a flat 40%; correlation 0.9.
    # Deepening 600.00 (10% of 6,000), recovery 300.00. p = 0.9:
    # now  = 1,600 - 6 + 0.9 x (0.4 x (4,000 + 540) - 1,600 - 6) = 1,594 + 0.9 x 210 = 1,783.00
    # wait = 0.9 x (0.4 x 4,600 - 6) + 0.1 x (0.4 x 3,700 - 6) = 1,650.60 + 147.40 = 1,798.00 -> wait
    deep = {"AAA": Outlook(0.9, 0.30, "v1")}
    (found,) = scan_household(LOTS[:1], PRICES, AS_OF, [], flat("0.4"), REPLACEMENTS, outlooks=deep, waiting=FACTS)
    assert (found.action, found.waiting.now, found.waiting.wait) == ("wait", D("1783.00"), D("1798.00"))
    assert (found.waiting.deeper_loss, found.waiting.recovered_loss, found.score) == (D("4600.00"), D("3700.00"), 0.9)
    # p = 0.5: now = 1,594 + 105 = 1,699.00; wait = 0.5 x 1,834 + 0.5 x 1,474 = 1,654.00 -> harvest now.
    even = {"AAA": Outlook(0.5, 0.30, "v1")}
    (found,) = scan_household(LOTS[:1], PRICES, AS_OF, [], flat("0.4"), REPLACEMENTS, outlooks=even, waiting=FACTS)
    assert (found.action, found.waiting.now, found.waiting.wait) == ("harvest", D("1699.00"), D("1654.00"))
    # The policy can switch the forecast off: the same lot is harvested, with nothing weighed.
    policy = ScanPolicy(wait_for_forecast=False)
    (found,) = scan_household(LOTS[:1], PRICES, AS_OF, [], flat("0.4"), REPLACEMENTS, policy, deep, waiting=FACTS)
    assert (found.action, found.waiting) == ("harvest", None)


def test_the_threshold_scales_with_the_forecast_volatility():
    # CCC is down 9% (worth 9,100 of 10,000): under the 10% threshold at ordinary volatility (0.30), over
    # it when the forecast volatility is 0.24 (threshold 10% x 0.8 = 8%), and well under at 0.60 (20%).
    ccc = [lot(3, "CCC", "182", "10000", date(2025, 3, 3))]
    policy = ScanPolicy(min_loss_fraction=D("0.10"), wait_for_forecast=False)
    steady = {"CCC": Outlook(0.3, 0.24)}
    (found,) = scan_household(ccc, PRICES, AS_OF, [], flat("0.4"), REPLACEMENTS, policy, steady, waiting=FACTS)
    assert (found.action, found.threshold, found.loss) == ("harvest", D("0.0800"), D("900.00"))
    volatile = {"CCC": Outlook(0.3, 0.60)}
    assert scan_household(ccc, PRICES, AS_OF, [], flat("0.4"), REPLACEMENTS, policy, volatile, waiting=FACTS) == []
    assert scan_household(ccc, PRICES, AS_OF, [], flat("0.4"), REPLACEMENTS, policy) == []


def test_the_replacement_is_the_best_correlated_security_not_identical_and_not_blocked():
    rng = np.random.default_rng(0)
    market = rng.normal(0, 0.01, 300)
    returns = np.column_stack(
        [market + rng.normal(0, s, 300) for s in (0.002, 0.001, 0.004, 0.02)]
    )  # AAA, AAB (AAA's other share class), BBB, CCC
    symbols = ["AAA", "AAB", "BBB", "CCC"]
    identity = {"AAA": "A", "AAB": "A"}
    chosen = choose_replacements(returns, symbols, ["AAA"], symbols, identity)
    assert chosen["AAA"].symbol == "BBB"  # AAB correlates more but is substantially identical
    assert choose_replacements(returns, symbols, ["AAA"], symbols, identity, blocked={"BBB"})["AAA"].symbol == "CCC"
    paired = choose_replacements(returns, symbols, ["AAA"], symbols, identity, pairs={"AAA": "CCC"})["AAA"]
    assert (paired.symbol, paired.source) == ("CCC", "firm pair")
