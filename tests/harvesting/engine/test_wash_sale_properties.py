"""Wash-sale invariants on random household ledgers, and a naive share-by-share reference to compare with."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harvesting.engine.identity import identity_groups
from harvesting.engine.lots import Action, LedgerEntry, ReliefMethod, Replay, WashSaleReading, replay_ledger
from harvesting.engine.money import ZERO, to_cents

D = Decimal
WINDOW = timedelta(days=30)
PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


# --- random households -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Household:
    entries: list[LedgerEntry]
    methods: dict[str, ReliefMethod]
    tax_deferred: tuple[str, ...]
    identity: dict[str, str] | None


PRICES = st.decimals(min_value=D("50"), max_value=D("150"), places=2, allow_nan=False, allow_infinity=False)
FEES = st.one_of(st.just(D("0")), st.decimals(min_value=D("0"), max_value=D("5"), places=2, allow_nan=False))
QUANTITIES = st.one_of(
    st.integers(min_value=1, max_value=100).map(D),
    st.decimals(min_value=D("0.0001"), max_value=D("50"), places=4, allow_nan=False, allow_infinity=False),
)


@st.composite
def households(draw: st.DrawFn, *, allow_tax_deferred: bool = True, liquidate: bool = False) -> Household:
    """Draw a household's ledger: 2-3 accounts (maybe one IRA), 1-3 symbols, purchases close together.

    Sells never exceed what the account holds. With ``liquidate``, the ledger ends with a sale of every
    position on a day more than 31 days after the last purchase.
    """
    accounts = ("A1", "A2", "A3")[: draw(st.integers(min_value=2, max_value=3))]
    tax_deferred: tuple[str, ...] = ()
    if allow_tax_deferred and draw(st.booleans()):
        tax_deferred = (draw(st.sampled_from(accounts)),)
    symbols = draw(st.lists(st.sampled_from(["VOO", "IVV", "AAPL"]), min_size=1, max_size=3, unique=True))
    identity = identity_groups([["VOO", "IVV"]]) if draw(st.booleans()) else None
    methods = {account: draw(st.sampled_from(list(ReliefMethod))) for account in accounts}
    held: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    day = date(2024, 1, 2)
    entries: list[LedgerEntry] = []
    for row in range(1, draw(st.integers(min_value=1, max_value=25)) + 1):
        day += timedelta(days=draw(st.integers(min_value=0, max_value=12)))
        account, symbol = draw(st.sampled_from(accounts)), draw(st.sampled_from(symbols))
        price, fees = draw(PRICES), draw(FEES)
        holding = held[account, symbol]
        if holding > 0 and draw(st.booleans()):
            quantity = draw(
                st.one_of(
                    st.just(holding),
                    st.decimals(min_value=D("0.0001"), max_value=holding, places=4, allow_nan=False),
                )
            )
            held[account, symbol] -= quantity
            entries.append(LedgerEntry(row, account, symbol, Action.SELL, day, quantity, price, fees))
        else:
            action = draw(st.sampled_from([Action.BUY, Action.BUY, Action.REINVEST]))
            quantity = draw(QUANTITIES)
            held[account, symbol] += quantity
            entries.append(LedgerEntry(row, account, symbol, action, day, quantity, price, fees))
    if liquidate:
        day += timedelta(days=draw(st.integers(min_value=32, max_value=60)))
        for row, ((account, symbol), quantity) in enumerate(sorted(held.items()), start=len(entries) + 1):
            if quantity > 0:
                entries.append(LedgerEntry(row, account, symbol, Action.SELL, day, quantity, draw(PRICES), draw(FEES)))
    return Household(entries, methods, tax_deferred, identity)


def replay(household: Household) -> Replay:
    return replay_ledger(
        household.entries,
        relief_methods=household.methods,
        tax_deferred=household.tax_deferred,
        identity=household.identity,
    )


def paid(entry: LedgerEntry) -> Decimal:
    return to_cents(entry.quantity * entry.price + entry.fees)


def received(entry: LedgerEntry) -> Decimal:
    return to_cents(entry.quantity * entry.price - entry.fees)


# --- invariants -------------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(households())
def test_wash_sales_conserve_shares_per_position(household: Household) -> None:
    result = replay(household)

    net: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    sold: dict[int, Decimal] = defaultdict(Decimal)
    for item in household.entries:
        net[item.account, item.symbol] += -item.quantity if item.action is Action.SELL else item.quantity
        if item.action is Action.SELL:
            sold[item.row] += item.quantity
    open_shares: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for lot in result.open_lots:
        open_shares[lot.account, lot.symbol] += lot.quantity
    relieved: dict[int, Decimal] = defaultdict(Decimal)
    for sale in result.sales:
        relieved[sale.row] += sale.quantity
    assert {key: value for key, value in net.items() if value} == dict(open_shares)
    assert relieved == sold
    assert all(lot.quantity > 0 for lot in result.open_lots)


@PROPERTY_SETTINGS
@given(households(allow_tax_deferred=False, liquidate=True))
def test_once_everything_is_sold_wash_sales_only_defer_so_the_total_gain_is_what_was_made(
    household: Household,
) -> None:
    result = replay(household)

    sells = [item for item in household.entries if item.action is Action.SELL]
    purchases = [item for item in household.entries if item.action is not Action.SELL]
    assert result.open_lots == ()
    assert sum((sale.gain_loss for sale in result.sales), D(0)) == sum(map(received, sells), D(0)) - sum(
        map(paid, purchases), D(0)
    )


@PROPERTY_SETTINGS
@given(households())
def test_an_adjustment_never_exceeds_the_loss_and_a_gain_is_never_adjusted(household: Household) -> None:
    result = replay(household)

    for sale in result.sales:
        assert D(0) <= sale.adjustment <= max(D(0), sale.cost_basis - sale.proceeds)
        assert sale.adjustment == to_cents(sale.adjustment)
        if sale.proceeds >= sale.cost_basis or sale.tax_deferred:
            assert sale.adjustment == 0
        assert sale.code == ("W" if sale.adjustment else "")


@PROPERTY_SETTINGS
@given(households())
def test_each_sells_adjustment_is_the_sum_of_its_wash_sales(household: Household) -> None:
    result = replay(household)

    adjusted: dict[int, Decimal] = defaultdict(Decimal)
    for sale in result.sales:
        if sale.adjustment:
            adjusted[sale.row] += sale.adjustment
    disallowed: dict[int, Decimal] = defaultdict(Decimal)
    for wash in result.wash_sales:
        assert wash.shares > 0
        assert wash.disallowed >= 0
        disallowed[wash.sale_row] += wash.disallowed
    assert {row: value for row, value in disallowed.items() if value} == adjusted


@PROPERTY_SETTINGS
@given(households())
def test_a_purchase_replaces_at_most_its_own_shares_within_the_window(household: Household) -> None:
    result = replay(household)

    by_row = {item.row: item for item in household.entries}
    group = household.identity or {}
    used: dict[int, Decimal] = defaultdict(Decimal)
    for wash in result.wash_sales:
        sold, replacement = by_row[wash.sale_row], by_row[wash.replacement_row]
        used[wash.replacement_row] += wash.shares
        assert sold.action is Action.SELL
        assert sold.account not in household.tax_deferred
        assert replacement.action is not Action.SELL
        assert abs(replacement.trade_date - sold.trade_date) <= WINDOW
        assert group.get(replacement.symbol, replacement.symbol) == group.get(sold.symbol, sold.symbol)
        assert wash.replacement_account == replacement.account
        assert wash.permanent is (replacement.account in household.tax_deferred)
    for row, shares in used.items():
        assert shares <= by_row[row].quantity


@PROPERTY_SETTINGS
@given(households())
def test_basis_is_conserved_plus_the_losses_carried_into_replacements(household: Household) -> None:
    result = replay(household)

    bought = sum((paid(item) for item in household.entries if item.action is not Action.SELL), D(0))
    carried = sum((wash.disallowed for wash in result.wash_sales if not wash.permanent), D(0))
    relieved = sum((sale.cost_basis for sale in result.sales), D(0))
    still_open = sum((lot.cost_basis for lot in result.open_lots), D(0))
    assert relieved + still_open == bought + carried
    for lot in result.open_lots:
        assert lot.adjustment >= 0
        assert lot.holding_start <= lot.acquired
        if lot.account in household.tax_deferred:
            assert (lot.adjustment, lot.holding_start) == (D(0), lot.acquired)


# --- a naive reference ------------------------------------------------------------------------------------


@dataclass(eq=False)
class Share:
    """One whole share, as the reference follows it."""

    purchase: int  # the position of its purchase in the date-ordered ledger
    account: str
    lot: str
    acquired: date
    basis: Decimal
    holding_start: date
    replacement: bool = False  # it has absorbed a loss, and can absorb no other
    sale: int | None = None  # the row of the sell that sold it
    adjustment: Decimal = ZERO  # the loss its sale disallowed


@dataclass
class Reference:
    # (sell row, lot, holding start) -> [shares, cost basis, adjustment]
    sales: dict[tuple[int, str, date], list[Decimal]]
    # (account, lot, holding start) -> [shares, cost basis]
    open_lots: dict[tuple[str, str, date], list[Decimal]]
    # A loss took shares of a lot that the same sell partly relieved (see test_wash_sales.py).
    replaced_by_the_rest_of_a_lot_sold_in_the_same_sell: bool = False


def reference_replay(entries: list[LedgerEntry], reading: WashSaleReading = WashSaleReading.STATUTE) -> Reference:
    """Replay whole shares of one symbol, FIFO, all accounts taxable, one share at a time.

    Each sold share at a loss looks for one replacement share: first the shares bought 30 days before
    the sale or later, not of its own purchase and not yet a replacement, oldest purchase first: those
    still held and, under the statute reading, after them those sold by an earlier sell, in order of
    sale; then the shares of later purchases up to 30 days after the sale that no earlier loss has
    claimed, in order of purchase and, within a purchase, first share first. The replacement takes the
    loss into its basis (its sale's, if sold) and starts its holding period as many days before its
    acquisition as the sold share was held.
    """
    ordered = sorted(entries, key=lambda item: item.trade_date)
    # For each share of each purchase still to come: the (loss, days held) it will absorb, if any.
    claims: dict[int, list[tuple[Decimal, int] | None]] = {
        index: [None] * int(item.quantity) for index, item in enumerate(ordered) if item.action is not Action.SELL
    }
    held: list[Share] = []  # every account's shares in the order they were bought
    sold_before: list[Share] = []  # every share sold, in the order sold
    result = Reference(sales=defaultdict(lambda: [D(0)] * 3), open_lots=defaultdict(lambda: [D(0)] * 2))
    for index, item in enumerate(ordered):
        if item.action is not Action.SELL:
            for claim in claims[index]:
                share = Share(index, item.account, item.lot, item.trade_date, item.price, item.trade_date)
                if claim is not None:
                    loss, days = claim
                    share.basis += loss
                    share.holding_start -= timedelta(days=days)
                    share.replacement = True
                held.append(share)
            continue
        sold = [share for share in held if share.account == item.account][: int(item.quantity)]
        held = [share for share in held if share not in sold]
        sold_purchases = {share.purchase for share in sold}
        for share in sold:
            loss = share.basis - item.price
            adjustment = D(0)
            if loss > 0:
                days = (item.trade_date - share.holding_start).days
                earlier = sold_before if reading is WashSaleReading.STATUTE else []
                replacement = next(
                    (
                        other
                        for other in sorted([*held, *earlier], key=lambda other: other.purchase)
                        if not other.replacement
                        and other.purchase != share.purchase
                        and other.acquired >= item.trade_date - WINDOW
                    ),
                    None,
                )
                if replacement is not None:
                    adjustment = loss
                    replacement.replacement = True
                    replacement.basis += loss
                    replacement.holding_start = replacement.acquired - timedelta(days=days)
                    if replacement.purchase in sold_purchases:
                        result.replaced_by_the_rest_of_a_lot_sold_in_the_same_sell = True
                else:
                    for later in range(index + 1, len(ordered)):
                        if ordered[later].trade_date > item.trade_date + WINDOW:
                            break
                        if later in claims and None in claims[later]:
                            claims[later][claims[later].index(None)] = (loss, days)
                            adjustment = loss
                            break
            share.sale, share.adjustment = item.row, adjustment
        sold_before.extend(sold)
    for share in sold_before:
        assert share.sale is not None
        figures = result.sales[share.sale, share.lot, share.holding_start]
        figures[0] += 1
        figures[1] += share.basis
        figures[2] += share.adjustment
    for share in held:
        figures = result.open_lots[share.account, share.lot, share.holding_start]
        figures[0] += 1
        figures[1] += share.basis
    return result


@st.composite
def small_ledgers(draw: st.DrawFn) -> list[LedgerEntry]:
    """Draw whole-share buys, reinvestments and sells of one symbol in one or two taxable accounts, no fees.

    Each purchase names its lot after its row, so that its parts can be found after wash sales split it.
    """
    accounts = draw(st.sampled_from([("A1",), ("A1", "A2")]))
    held: dict[str, int] = defaultdict(int)
    day = date(2024, 1, 2)
    entries: list[LedgerEntry] = []
    for row in range(1, draw(st.integers(min_value=1, max_value=15)) + 1):
        day += timedelta(days=draw(st.integers(min_value=0, max_value=15)))
        account = draw(st.sampled_from(accounts))
        price = draw(st.decimals(min_value=D("5"), max_value=D("15"), places=2, allow_nan=False, allow_infinity=False))
        if held[account] and draw(st.booleans()):
            quantity = draw(st.integers(min_value=1, max_value=held[account]))
            held[account] -= quantity
            entries.append(LedgerEntry(row, account, "XYZ", Action.SELL, day, D(quantity), price))
        else:
            quantity = draw(st.integers(min_value=1, max_value=10))
            held[account] += quantity
            action = draw(st.sampled_from([Action.BUY, Action.BUY, Action.REINVEST]))
            entries.append(LedgerEntry(row, account, "XYZ", action, day, D(quantity), price, lot=f"P{row}"))
    return entries


def engine_figures(result: Replay) -> Reference:
    """Total the engine's sales and open lots the way the reference keeps them."""
    figures = Reference(sales=defaultdict(lambda: [D(0)] * 3), open_lots=defaultdict(lambda: [D(0)] * 2))
    for sale in result.sales:
        totals = figures.sales[sale.row, sale.lot, sale.holding_start]
        totals[0] += sale.quantity
        totals[1] += sale.cost_basis
        totals[2] += sale.adjustment
    for lot in result.open_lots:
        totals = figures.open_lots[lot.account, lot.lot, lot.holding_start]
        totals[0] += lot.quantity
        totals[1] += lot.cost_basis
    return figures


@pytest.mark.parametrize("reading", list(WashSaleReading))
@PROPERTY_SETTINGS
@given(entries=small_ledgers())
def test_wash_sales_match_a_naive_share_by_share_reference(
    reading: WashSaleReading, entries: list[LedgerEntry]
) -> None:
    expected = reference_replay(entries, reading)

    actual = engine_figures(replay_ledger(entries, reading=reading))

    assert dict(actual.sales) == dict(expected.sales)
    assert dict(actual.open_lots) == dict(expected.open_lots)


def test_the_reference_and_the_engine_agree_when_a_sell_leaves_part_of_a_recent_lot() -> None:
    # FIFO sells the 5 shares of P1 and 2 of P2; P2's other 3 shares, bought 10 days earlier, are still held.
    entries = [
        LedgerEntry(1, "A1", "XYZ", Action.BUY, date(2024, 1, 2), D(5), D("10.00"), lot="P1"),
        LedgerEntry(2, "A1", "XYZ", Action.BUY, date(2024, 2, 1), D(5), D("9.00"), lot="P2"),
        LedgerEntry(3, "A1", "XYZ", Action.SELL, date(2024, 2, 11), D(7), D("8.00")),
    ]
    expected = reference_replay(entries)

    actual = engine_figures(replay_ledger(entries))

    assert expected.replaced_by_the_rest_of_a_lot_sold_in_the_same_sell
    assert dict(actual.sales) == dict(expected.sales)
    assert dict(actual.open_lots) == dict(expected.open_lots)


def test_the_reference_reproduces_pub_550s_february_example() -> None:
    entries = [
        LedgerEntry(1, "A1", "XYZ", Action.BUY, date(2024, 9, 24), D(100), D("30"), lot="P1"),
        LedgerEntry(2, "A1", "XYZ", Action.SELL, date(2025, 2, 3), D(100), D("20")),
        *(
            LedgerEntry(row, "A1", "XYZ", Action.BUY, date(2025, 2, 9 + row), D(50), D(18 + row), lot=f"P{row}")
            for row in (3, 4, 5, 6)
        ),
    ]

    expected = reference_replay(entries)

    assert dict(expected.sales) == {(2, "P1", date(2024, 9, 24)): [D(100), D("3000"), D("1000")]}
    assert dict(expected.open_lots) == {
        ("A1", "P3", date(2024, 10, 3)): [D(50), D("1550")],
        ("A1", "P4", date(2024, 10, 4)): [D(50), D("1600")],
        ("A1", "P5", date(2025, 2, 14)): [D(50), D("1150")],
        ("A1", "P6", date(2025, 2, 15)): [D(50), D("1200")],
    }
    assert engine_figures(replay_ledger(entries)) == expected
