"""The household plan: harvests and switch-backs decided together, so that no item washes another."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from harvesting.engine.scan import Plan, Replacement, ScanLot, SwitchBackLot, scan_household

D = Decimal
AS_OF = date(2022, 12, 28)


def lot(ref: int, symbol: str, quantity: str, basis: str, acquired: date = date(2022, 3, 1), account: str = "T1"):
    return ScanLot(ref, account, False, symbol, f"L{ref}", D(quantity), D(basis), acquired, acquired)


def flat_rate(st: Decimal, lt: Decimal) -> Decimal:
    """40% of short-term and 20% of long-term losses: enough for every harvest here to clear the minimum."""
    return (st * D("0.40") + lt * D("0.20")).quantize(D("0.01"))


def candidates(*symbols: str) -> tuple[Replacement, ...]:
    return tuple(Replacement(symbol, 0.9 - i / 100, 0.0, "correlation") for i, symbol in enumerate(symbols))


def washing_pairs(found, identity=None):
    """Pairs (a, b) of the plan where b's purchase is substantially identical to a's loss sale."""
    group = (identity or {}).get
    sold = [o for o in found if o.rank and o.loss > 0]
    bought = [o for o in found if o.rank]
    return [
        (a.lot.symbol, b.replacement.symbol)
        for a in sold
        for b in bought
        if (group(a.lot.symbol) or a.lot.symbol) == (group(b.replacement.symbol) or b.replacement.symbol)
    ]


def test_jpm_into_bac_and_bac_into_jpm_is_never_one_plan():
    lots = [lot(1, "JPM", "100", "15000"), lot(2, "BAC", "300", "12000")]
    prices = {"JPM": D("130"), "BAC": D("33")}  # JPM: a 2,000.00 loss; BAC: 12,000 - 9,900 = 2,100.00
    replacements = {"JPM": candidates("BAC"), "BAC": candidates("JPM")}
    found = scan_household(lots, prices, AS_OF, [], flat_rate, replacements)
    by_symbol = {o.lot.symbol: o for o in found}
    # The larger loss (BAC) is harvested into JPM; the plan buys JPM, so selling JPM at a loss would wash.
    assert (by_symbol["BAC"].action, by_symbol["BAC"].replacement.symbol, by_symbol["BAC"].rank) == (
        "harvest",
        "JPM",
        1,
    )
    assert (by_symbol["JPM"].action, by_symbol["JPM"].rank) == ("blocked", None)
    assert by_symbol["JPM"].blocked_by == "the plan buys JPM to replace BAC"
    assert by_symbol["JPM"].blocked_until == date(2023, 1, 28)
    assert washing_pairs(found) == []


def test_a_replacement_the_plan_sells_at_a_loss_gives_way_to_the_next_candidate():
    lots = [lot(1, "AAA", "100", "10000"), lot(2, "BBB", "100", "20000")]
    prices = {"AAA": D("90"), "BBB": D("150")}  # AAA: 1,000 loss; BBB: 5,000 loss, harvested first
    replacements = {"AAA": candidates("BBB", "CCC"), "BBB": candidates("DDD")}
    found = scan_household(lots, prices, AS_OF, [], flat_rate, replacements)
    chosen = {o.lot.symbol: o.replacement.symbol for o in found if o.rank}
    assert chosen == {"BBB": "DDD", "AAA": "CCC"}  # AAA's best replacement, BBB, is sold at a loss by the plan


def test_share_classes_count_as_one_security_in_the_plan():
    identity = {"GOOG": "alphabet", "GOOGL": "alphabet"}
    lots = [lot(1, "GOOG", "100", "15000"), lot(2, "MSFT", "50", "20000")]
    prices = {"GOOG": D("90"), "MSFT": D("240")}  # MSFT: an 8,000 loss, first; GOOG: 6,000
    replacements = {"MSFT": candidates("GOOGL", "AAPL"), "GOOG": candidates("MSFT")}
    found = scan_household(lots, prices, AS_OF, [], flat_rate, replacements, identity=identity)
    by_symbol = {o.lot.symbol: o for o in found}
    assert (by_symbol["MSFT"].replacement.symbol, by_symbol["GOOG"].action) == ("GOOGL", "blocked")
    assert washing_pairs(found, identity) == []


def test_approved_harvests_under_way_and_recent_loss_sales_seed_the_plan():
    lots = [lot(1, "JPM", "100", "15000"), lot(2, "AAPL", "100", "20000")]
    prices = {"JPM": D("130"), "AAPL": D("130")}
    replacements = {"JPM": candidates("BAC", "WFC"), "AAPL": candidates("MSFT", "GOOG")}
    under_way = Plan(
        sold_at_a_loss={"BAC": "BAC sold at a loss in the last 30 days"}, buying={"AAPL": "AAPL (approved)"}
    )
    found = scan_household(lots, prices, AS_OF, [], flat_rate, replacements, plan=under_way)
    by_symbol = {o.lot.symbol: o for o in found}
    assert by_symbol["JPM"].replacement.symbol == "WFC"
    assert (by_symbol["AAPL"].action, by_symbol["AAPL"].blocked_by) == ("blocked", "the plan buys AAPL (approved)")
    assert under_way.buying == {"AAPL": "AAPL (approved)"}  # the caller's plan is not changed


def test_a_switch_back_joins_the_plan_only_when_it_washes_nothing():
    replacement_lot = lot(3, "BAC", "100", "3000", acquired=date(2022, 11, 1))  # bought 57 days ago, at 30
    switch = SwitchBackLot(replacement_lot, "JPM", date(2022, 11, 1))
    prices = {"BAC": D("29.50"), "JPM": D("130")}
    # Nothing else in the plan: switch back (sell BAC at a 50.00 loss, buy JPM).
    (back,) = scan_household([], prices, AS_OF, [], flat_rate, {}, switch_backs=[switch])
    assert (back.action, back.replacement.symbol, back.loss, back.rank) == ("switch back", "JPM", D("50.00"), 1)
    # Switch-backs join the plan first: it buys JPM back, so selling a JPM lot at a loss today would wash.
    jpm = lot(1, "JPM", "100", "15000")
    found = scan_household([jpm], prices, AS_OF, [], flat_rate, {"JPM": candidates("WFC")}, switch_backs=[switch])
    assert [(o.lot.symbol, o.action, o.blocked_by) for o in found] == [
        ("BAC", "switch back", ""),
        ("JPM", "blocked", "the plan buys JPM to switch back from BAC"),
    ]
    # The household sold JPM at a loss in the last 30 days: buying it back would wash that, so it waits.
    sold = Plan(sold_at_a_loss={"JPM": "JPM sold at a loss in the last 30 days"})
    assert scan_household([], prices, AS_OF, [], flat_rate, {}, switch_backs=[switch], plan=sold) == []


def test_a_switch_back_waits_31_days():
    replacement_lot = lot(3, "BAC", "100", "3000", acquired=date(2022, 11, 28))  # 30 days ago
    switch = SwitchBackLot(replacement_lot, "JPM", date(2022, 11, 28))
    assert scan_household([], {"BAC": D("29"), "JPM": D("130")}, AS_OF, [], flat_rate, {}, switch_backs=[switch]) == []


def test_no_random_household_plan_contains_a_washing_pair():
    rng = random.Random(17)
    symbols = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF"]
    identity = {"EEE": "ef", "FFF": "ef"}
    for _ in range(300):
        lots = [
            lot(i, rng.choice(symbols), str(rng.randint(10, 200)), str(rng.randint(5000, 20000)))
            for i in range(rng.randint(2, 8))
        ]
        prices = {s: D(rng.randint(10, 60)) for s in symbols}
        replacements = {s: candidates(*rng.sample([t for t in symbols if t != s], 3)) for s in symbols}
        found = scan_household(lots, prices, AS_OF, [], flat_rate, replacements, identity=identity)
        assert washing_pairs(found, identity) == []
