"""Lot relief: replaying a ledger into open lots and sales, to the cent."""

from __future__ import annotations

import dataclasses
import pkgutil
import subprocess
import sys
from collections import defaultdict, deque
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harvesting.engine.lots import (
    Action,
    LedgerEntry,
    LedgerError,
    OpenLot,
    ReliefMethod,
    Replay,
    Sale,
    replay_ledger,
    shares,
)
from harvesting.engine.money import to_cents
from tests.harvesting.engine.entries import acting
from tests.harvesting.engine.entries import entry as shared_entry

D = Decimal
PROJECT_ROOT = Path(__file__).resolve().parents[3]
ENGINE_DIR = PROJECT_ROOT / "harvesting" / "engine"


entry = partial(shared_entry, symbol="AAPL")
buy = acting(Action.BUY, "AAPL")
sell = acting(Action.SELL, "AAPL")


def lots_by_name(replay: Replay) -> dict[str, OpenLot]:
    return {lot.lot: lot for lot in replay.open_lots}


# --- opening lots ---------------------------------------------------------------------------------


def test_buy_basis_is_quantity_times_price_plus_fees_to_the_cent() -> None:
    replay = replay_ledger([buy(1, date(2024, 1, 2), "10", "12.3456", fees="4.95")])

    (lot,) = replay.open_lots
    assert lot == OpenLot(
        account="A1",
        symbol="AAPL",
        lot="2024-01-02",
        quantity=D("10"),
        cost_basis=D("128.41"),
        acquired=date(2024, 1, 2),
        holding_start=date(2024, 1, 2),
    )
    assert replay.sales == ()


def test_buy_basis_rounds_half_a_cent_up() -> None:
    # 2 x 15.1825 = 30.365: half up gives 30.37 (banker's rounding would give 30.36).
    replay = replay_ledger([buy(1, date(2024, 1, 2), "2", "15.1825")])

    assert replay.open_lots[0].cost_basis == D("30.37")


def test_transfer_in_keeps_its_given_cost_basis_and_acquisition_date() -> None:
    transfer = entry(
        7,
        Action.TRANSFER_IN,
        date(2024, 5, 10),
        "5",
        "0",
        cost_basis="512.34",
        acquired=date(2019, 6, 1),
    )

    (lot,) = replay_ledger([transfer]).open_lots

    assert lot.quantity == D("5")
    assert lot.cost_basis == D("512.34")
    assert lot.acquired == date(2019, 6, 1)
    assert lot.holding_start == date(2019, 6, 1)
    assert lot.lot == "2019-06-01"


def test_transfer_in_basis_ignores_the_trade_price_and_fees() -> None:
    transfer = entry(
        1,
        Action.TRANSFER_IN,
        date(2024, 5, 10),
        "5",
        "250",
        fees="9.99",
        cost_basis="512.34",
        acquired=date(2019, 6, 1),
    )

    assert replay_ledger([transfer]).open_lots[0].cost_basis == D("512.34")


def test_a_transferred_lot_sold_is_long_term_from_its_original_acquisition() -> None:
    transfer = entry(1, Action.TRANSFER_IN, date(2024, 5, 10), "5", "0", cost_basis="500.00", acquired=date(2019, 6, 1))

    (sale,) = replay_ledger([transfer, sell(2, date(2024, 6, 3), "5", "120")]).sales

    assert sale.acquired == date(2019, 6, 1)
    assert sale.long_term is True
    assert sale.days_held == (date(2024, 6, 3) - date(2019, 6, 1)).days


def test_reinvest_opens_a_lot_at_quantity_times_price() -> None:
    reinvest = entry(3, Action.REINVEST, date(2024, 3, 28), "0.4132", "121.00")

    (lot,) = replay_ledger([reinvest]).open_lots

    assert lot.quantity == D("0.4132")
    assert lot.cost_basis == D("50.00")  # 49.9972
    assert lot.acquired == date(2024, 3, 28)
    assert lot.holding_start == date(2024, 3, 28)
    assert lot.lot == "2024-03-28"


def test_auto_lot_names_are_the_date_then_numbered_for_more_lots_the_same_day() -> None:
    day = date(2024, 1, 2)
    replay = replay_ledger([buy(1, day, "1", "10"), buy(2, day, "2", "11"), buy(3, day, "3", "12")])

    assert [(lot.lot, lot.quantity) for lot in replay.open_lots] == [
        ("2024-01-02", D("1")),
        ("2024-01-02-2", D("2")),
        ("2024-01-02-3", D("3")),
    ]


def test_auto_lot_names_are_numbered_per_position() -> None:
    day = date(2024, 1, 2)
    replay = replay_ledger(
        [
            buy(1, day, "1", "10"),
            buy(2, day, "1", "10", account="A2"),
            buy(3, day, "1", "10", symbol="MSFT"),
        ]
    )

    assert [(lot.account, lot.symbol, lot.lot) for lot in replay.open_lots] == [
        ("A1", "AAPL", "2024-01-02"),
        ("A2", "AAPL", "2024-01-02"),
        ("A1", "MSFT", "2024-01-02"),
    ]


def test_an_auto_lot_name_is_not_reused_after_its_lot_is_closed() -> None:
    day = date(2024, 1, 2)
    replay = replay_ledger([buy(1, day, "5", "10"), sell(2, day, "5", "11"), buy(3, day, "4", "12")])

    assert [lot.lot for lot in replay.open_lots] == ["2024-01-02-2"]
    assert [sale.lot for sale in replay.sales] == ["2024-01-02"]


def test_an_auto_lot_name_skips_a_name_given_explicitly() -> None:
    day = date(2024, 1, 2)
    replay = replay_ledger([buy(1, day, "1", "10", lot="2024-01-02"), buy(2, day, "1", "10")])

    assert [lot.lot for lot in replay.open_lots] == ["2024-01-02", "2024-01-02-2"]


def test_an_explicit_lot_name_is_kept() -> None:
    replay = replay_ledger([buy(1, date(2024, 1, 2), "3", "10", lot="TAX-LOT-17")])

    assert replay.open_lots[0].lot == "TAX-LOT-17"


def test_an_empty_ledger_replays_to_nothing() -> None:
    assert replay_ledger([]) == Replay(open_lots=(), sales=())


# --- relief -----------------------------------------------------------------------------------------


def three_lots(**kwargs: object) -> list[LedgerEntry]:
    """Three 10-share lots: 1000.00, 1101.00 and 1234.57 of basis."""
    return [
        buy(1, date(2024, 1, 2), "10", "100", **kwargs),
        buy(2, date(2024, 2, 1), "10", "110", fees="1.00", **kwargs),
        buy(3, date(2024, 3, 1), "10", "123.457", **kwargs),
    ]


def test_fifo_relieves_the_oldest_lot_first() -> None:
    replay = replay_ledger([*three_lots(), sell(4, date(2024, 6, 3), "25", "130", fees="7.00")])

    assert [(sale.lot, sale.quantity, sale.cost_basis, sale.proceeds) for sale in replay.sales] == [
        ("2024-01-02", D("10"), D("1000.00"), D("1297.20")),
        ("2024-02-01", D("10"), D("1101.00"), D("1297.20")),
        ("2024-03-01", D("5"), D("617.29"), D("648.60")),
    ]
    (left,) = replay.open_lots
    assert (left.lot, left.quantity, left.cost_basis) == ("2024-03-01", D("5"), D("617.28"))


def test_a_partial_relief_conserves_the_lot_basis_to_the_cent() -> None:
    replay = replay_ledger([*three_lots(), sell(4, date(2024, 6, 3), "25", "130")])

    sold_from_third = [sale for sale in replay.sales if sale.lot == "2024-03-01"]
    assert sum(sale.cost_basis for sale in sold_from_third) + replay.open_lots[0].cost_basis == D("1234.57")


def test_a_partially_relieved_lot_keeps_its_dates() -> None:
    replay = replay_ledger([buy(1, date(2024, 1, 2), "10", "100"), sell(2, date(2024, 6, 3), "4", "90")])

    (left,) = replay.open_lots
    assert (left.quantity, left.cost_basis, left.acquired, left.holding_start) == (
        D("6"),
        D("600.00"),
        date(2024, 1, 2),
        date(2024, 1, 2),
    )


def test_sale_records_describe_the_closed_part_of_the_lot() -> None:
    replay = replay_ledger([buy(1, date(2024, 1, 2), "10", "100"), sell(9, date(2024, 6, 3), "4", "90", fees="1")])

    assert replay.sales == (
        Sale(
            row=9,
            account="A1",
            symbol="AAPL",
            lot="2024-01-02",
            quantity=D("4"),
            acquired=date(2024, 1, 2),
            holding_start=date(2024, 1, 2),
            sold=date(2024, 6, 3),
            proceeds=D("359.00"),
            cost_basis=D("400.00"),
        ),
    )


def test_proceeds_are_split_across_lots_so_the_parts_add_up_to_the_total() -> None:
    day = date(2024, 1, 2)
    ledger = [buy(1, day, "1", "90"), buy(2, day, "1", "95"), buy(3, day, "1", "97")]

    # 3 x 100 - 0.01 = 299.99, which does not split evenly into thirds.
    replay = replay_ledger([*ledger, sell(4, date(2024, 2, 1), "3", "100", fees="0.01")])

    assert [sale.proceeds for sale in replay.sales] == [D("100.00"), D("100.00"), D("99.99")]
    assert sum(sale.proceeds for sale in replay.sales) == D("299.99")


def test_proceeds_round_half_a_cent_up() -> None:
    # 3 x 10.005 = 30.015: half up gives 30.02.
    replay = replay_ledger([buy(1, date(2024, 1, 2), "3", "10"), sell(2, date(2024, 2, 1), "3", "10.005")])

    assert replay.sales[0].proceeds == D("30.02")


def test_fees_larger_than_the_sale_value_give_negative_proceeds() -> None:
    replay = replay_ledger(
        [buy(1, date(2024, 1, 2), "1", "1.00"), sell(2, date(2024, 2, 1), "0.001", "1.00", fees="4.95")]
    )

    assert replay.sales[0].proceeds == D("-4.95")


def test_selling_the_whole_position_closes_every_lot() -> None:
    replay = replay_ledger([*three_lots(), sell(4, date(2024, 6, 3), "30", "130")])

    assert replay.open_lots == ()
    assert sum(sale.cost_basis for sale in replay.sales) == D("3335.57")
    assert sum(sale.proceeds for sale in replay.sales) == D("3900.00")


def test_hifo_relieves_the_highest_per_share_basis_first() -> None:
    ledger = [
        buy(1, date(2024, 1, 2), "10", "100"),
        buy(2, date(2024, 2, 1), "10", "130"),
        buy(3, date(2024, 3, 1), "10", "115"),
        sell(4, date(2024, 6, 3), "15", "120"),
    ]

    replay = replay_ledger(ledger, relief_methods={"A1": ReliefMethod.HIFO})

    assert [(sale.lot, sale.quantity, sale.cost_basis, sale.proceeds) for sale in replay.sales] == [
        ("2024-02-01", D("10"), D("1300.00"), D("1200.00")),
        ("2024-03-01", D("5"), D("575.00"), D("600.00")),
    ]
    assert [(lot.lot, lot.quantity, lot.cost_basis) for lot in replay.open_lots] == [
        ("2024-01-02", D("10"), D("1000.00")),
        ("2024-03-01", D("5"), D("575.00")),
    ]


def test_hifo_compares_basis_per_share_not_total_basis() -> None:
    ledger = [
        buy(1, date(2024, 1, 2), "100", "10"),  # 1000.00 total, 10.00 a share
        buy(2, date(2024, 2, 1), "2", "50"),  # 100.00 total, 50.00 a share
        sell(3, date(2024, 6, 3), "2", "20"),
    ]

    replay = replay_ledger(ledger, relief_methods={"A1": ReliefMethod.HIFO})

    assert [(sale.lot, sale.cost_basis) for sale in replay.sales] == [("2024-02-01", D("100.00"))]


def test_hifo_counts_fees_in_the_basis_per_share() -> None:
    ledger = [
        buy(1, date(2024, 1, 2), "10", "100", fees="20"),  # 102.00 a share
        buy(2, date(2024, 2, 1), "10", "101"),  # 101.00 a share
        sell(3, date(2024, 6, 3), "10", "90"),
    ]

    replay = replay_ledger(ledger, relief_methods={"A1": ReliefMethod.HIFO})

    assert [sale.lot for sale in replay.sales] == ["2024-01-02"]


def test_hifo_breaks_ties_by_the_oldest_acquisition() -> None:
    ledger = [
        buy(1, date(2024, 3, 1), "10", "100", lot="newer"),
        entry(2, Action.TRANSFER_IN, date(2024, 3, 2), "10", "0", cost_basis="1000.00", acquired=date(2020, 1, 2)),
        sell(3, date(2024, 6, 3), "10", "90"),
    ]

    replay = replay_ledger(ledger, relief_methods={"A1": ReliefMethod.HIFO})

    assert [sale.lot for sale in replay.sales] == ["2020-01-02"]


def test_relief_methods_apply_per_account_with_fifo_as_the_default() -> None:
    ledger = [
        *three_lots(account="A1"),
        *three_lots(account="A2"),
        sell(7, date(2024, 6, 3), "10", "120", account="A1"),
        sell(8, date(2024, 6, 3), "10", "120", account="A2"),
    ]

    replay = replay_ledger(ledger, relief_methods={"A2": ReliefMethod.HIFO})

    assert [(sale.account, sale.lot) for sale in replay.sales] == [("A1", "2024-01-02"), ("A2", "2024-03-01")]


def test_an_explicit_fifo_method_relieves_the_oldest_lot_first() -> None:
    ledger = [*three_lots(), sell(4, date(2024, 6, 3), "10", "120")]

    replay = replay_ledger(ledger, relief_methods={"A1": ReliefMethod.FIFO})

    assert [sale.lot for sale in replay.sales] == ["2024-01-02"]


def test_specific_identification_relieves_the_named_lot_only() -> None:
    ledger = [*three_lots(), sell(4, date(2024, 6, 3), "4", "120", lot="2024-02-01")]

    replay = replay_ledger(ledger)

    assert [(sale.lot, sale.quantity, sale.cost_basis, sale.proceeds) for sale in replay.sales] == [
        ("2024-02-01", D("4"), D("440.40"), D("480.00")),
    ]
    assert [(lot.lot, lot.quantity, lot.cost_basis) for lot in replay.open_lots] == [
        ("2024-01-02", D("10"), D("1000.00")),
        ("2024-02-01", D("6"), D("660.60")),
        ("2024-03-01", D("10"), D("1234.57")),
    ]


def test_specific_identification_overrides_the_account_method() -> None:
    ledger = [*three_lots(), sell(4, date(2024, 6, 3), "10", "120", lot="2024-01-02")]

    replay = replay_ledger(ledger, relief_methods={"A1": ReliefMethod.HIFO})

    assert [sale.lot for sale in replay.sales] == ["2024-01-02"]


def test_specific_identification_can_close_the_named_lot() -> None:
    ledger = [*three_lots(), sell(4, date(2024, 6, 3), "10", "120", lot="2024-02-01")]

    replay = replay_ledger(ledger)

    assert [lot.lot for lot in replay.open_lots] == ["2024-01-02", "2024-03-01"]
    assert replay.sales[0].cost_basis == D("1101.00")


def test_lots_in_other_accounts_and_symbols_are_not_relieved() -> None:
    day = date(2024, 1, 2)
    ledger = [
        buy(1, day, "10", "100", account="A2"),
        buy(2, day, "10", "100", symbol="MSFT"),
        buy(3, date(2024, 2, 1), "10", "110"),
        sell(4, date(2024, 6, 3), "10", "120"),
    ]

    replay = replay_ledger(ledger)

    assert [(sale.account, sale.symbol, sale.lot) for sale in replay.sales] == [("A1", "AAPL", "2024-02-01")]
    assert {(lot.account, lot.symbol) for lot in replay.open_lots} == {("A2", "AAPL"), ("A1", "MSFT")}


# --- sale properties ----------------------------------------------------------------------------------


def test_gain_loss_is_proceeds_minus_cost_basis() -> None:
    replay = replay_ledger([*three_lots(), sell(4, date(2024, 6, 3), "25", "130", fees="7.00")])

    assert [sale.gain_loss for sale in replay.sales] == [D("297.20"), D("196.20"), D("31.31")]


def test_a_sale_at_a_loss_has_a_negative_gain_loss() -> None:
    replay = replay_ledger([buy(1, date(2024, 1, 2), "10", "100"), sell(2, date(2024, 6, 3), "10", "87.5")])

    assert replay.sales[0].gain_loss == D("-125.00")


def test_a_sale_is_long_term_only_after_more_than_a_year() -> None:
    ledger = [
        buy(1, date(2024, 3, 15), "2", "100"),
        sell(2, date(2025, 3, 15), "1", "120"),
        sell(3, date(2025, 3, 16), "1", "120"),
    ]

    short, long = replay_ledger(ledger).sales

    assert (short.long_term, short.days_held) == (False, 365)
    assert (long.long_term, long.days_held) == (True, 366)


def test_a_leap_day_lot_turns_long_term_after_february_28() -> None:
    ledger = [
        buy(1, date(2024, 2, 29), "2", "100"),
        sell(2, date(2025, 2, 28), "1", "120"),
        sell(3, date(2025, 3, 1), "1", "120"),
    ]

    short, long = replay_ledger(ledger).sales

    assert (short.long_term, short.days_held) == (False, 365)
    assert (long.long_term, long.days_held) == (True, 366)


# --- errors -------------------------------------------------------------------------------------------


def test_selling_more_than_is_held_names_the_row_and_the_shortfall() -> None:
    ledger = [buy(1, date(2024, 1, 2), "8.00", "100"), sell(2, date(2024, 2, 1), "20.000", "110")]

    with pytest.raises(LedgerError) as caught:
        replay_ledger(ledger)

    assert caught.value.row == 2
    assert caught.value.reason == "sells 20 AAPL in A1 but only 8 are held"
    assert str(caught.value) == "row 2: sells 20 AAPL in A1 but only 8 are held"


def test_selling_more_than_is_held_counts_every_lot_of_the_position() -> None:
    ledger = [
        buy(1, date(2024, 1, 2), "3.25", "100"),
        buy(2, date(2024, 1, 3), "2.25000", "100"),
        sell(3, date(2024, 2, 1), "12.50000000", "110"),
    ]

    with pytest.raises(LedgerError, match=r"^row 3: sells 12\.5 AAPL in A1 but only 5\.5 are held$"):
        replay_ledger(ledger)


def test_selling_a_position_never_held_says_none_are_held() -> None:
    with pytest.raises(LedgerError, match=r"^row 1: sells 5 MSFT in A9 but only 0 are held$"):
        replay_ledger([sell(1, date(2024, 2, 1), "5", "110", account="A9", symbol="MSFT")])


def test_selling_a_lot_that_is_not_open_is_an_error() -> None:
    ledger = [buy(1, date(2024, 1, 2), "8", "100", lot="L1"), sell(2, date(2024, 2, 1), "1", "110", lot="L9")]

    with pytest.raises(LedgerError) as caught:
        replay_ledger(ledger)

    assert caught.value.row == 2
    assert caught.value.reason == "no open lot 'L9' of AAPL in A1"


def test_selling_a_lot_that_was_already_closed_is_an_error() -> None:
    ledger = [
        buy(1, date(2024, 1, 2), "8", "100", lot="L1"),
        buy(2, date(2024, 1, 2), "8", "100", lot="L2"),
        sell(3, date(2024, 2, 1), "8", "110", lot="L1"),
        sell(4, date(2024, 2, 2), "1", "110", lot="L1"),
    ]

    with pytest.raises(LedgerError, match=r"^row 4: no open lot 'L1' of AAPL in A1$"):
        replay_ledger(ledger)


def test_selling_a_lot_of_another_account_is_an_error() -> None:
    ledger = [
        buy(1, date(2024, 1, 2), "8", "100", lot="L1", account="A2"),
        buy(2, date(2024, 1, 2), "8", "100", lot="L2"),
        sell(3, date(2024, 2, 1), "1", "110", lot="L1"),
    ]

    with pytest.raises(LedgerError, match=r"^row 3: no open lot 'L1' of AAPL in A1$"):
        replay_ledger(ledger)


def test_selling_more_than_the_named_lot_holds_is_an_error() -> None:
    ledger = [
        buy(1, date(2024, 1, 2), "5.0", "100", lot="L1"),
        buy(2, date(2024, 1, 3), "10", "100", lot="L2"),
        sell(3, date(2024, 2, 1), "7.00", "110", lot="L1"),
    ]

    with pytest.raises(LedgerError) as caught:
        replay_ledger(ledger)

    assert caught.value.row == 3
    assert caught.value.reason == "sells 7 AAPL from lot 'L1', which holds 5"


def test_a_reused_lot_name_is_an_error() -> None:
    ledger = [buy(1, date(2024, 1, 2), "5", "100", lot="L1"), buy(2, date(2024, 1, 3), "5", "100", lot="L1")]

    with pytest.raises(LedgerError) as caught:
        replay_ledger(ledger)

    assert caught.value.row == 2
    assert caught.value.reason == "lot 'L1' already exists in A1 AAPL"


def test_a_lot_name_of_a_closed_lot_cannot_be_reused() -> None:
    ledger = [
        buy(1, date(2024, 1, 2), "5", "100", lot="L1"),
        sell(2, date(2024, 1, 3), "5", "100"),
        buy(3, date(2024, 1, 4), "5", "100", lot="L1"),
    ]

    with pytest.raises(LedgerError, match=r"^row 3: lot 'L1' already exists in A1 AAPL$"):
        replay_ledger(ledger)


def test_an_explicit_name_equal_to_an_earlier_auto_name_is_an_error() -> None:
    ledger = [buy(1, date(2024, 1, 2), "5", "100"), buy(2, date(2024, 1, 3), "5", "100", lot="2024-01-02")]

    with pytest.raises(LedgerError, match=r"^row 2: lot '2024-01-02' already exists in A1 AAPL$"):
        replay_ledger(ledger)


def test_the_same_lot_name_may_be_used_in_different_positions() -> None:
    day = date(2024, 1, 2)
    ledger = [buy(1, day, "5", "100", lot="L1"), buy(2, day, "5", "100", lot="L1", account="A2")]

    assert [lot.lot for lot in replay_ledger(ledger).open_lots] == ["L1", "L1"]


@pytest.mark.parametrize(
    ("cost_basis", "acquired"),
    [(None, date(2019, 6, 1)), ("512.34", None), (None, None)],
)
def test_a_transfer_in_without_its_basis_or_acquisition_date_is_an_error(
    cost_basis: str | None, acquired: date | None
) -> None:
    transfer = entry(4, Action.TRANSFER_IN, date(2024, 5, 10), "5", "0", cost_basis=cost_basis, acquired=acquired)

    with pytest.raises(LedgerError) as caught:
        replay_ledger([transfer])

    assert caught.value.row == 4
    assert caught.value.reason == "a transfer-in needs its cost basis and acquisition date"


def test_a_ledger_error_is_a_value_error() -> None:
    assert issubclass(LedgerError, ValueError)


def test_with_a_problems_list_errors_are_collected_and_the_replay_continues() -> None:
    problems: list[LedgerError] = []
    ledger = [
        buy(1, date(2024, 1, 2), "8", "100", lot="L1"),
        sell(2, date(2024, 1, 3), "20", "110"),
        buy(3, date(2024, 1, 4), "5", "100", lot="L1"),
        entry(4, Action.TRANSFER_IN, date(2024, 1, 5), "5", "0", cost_basis="512.34"),
        sell(5, date(2024, 1, 6), "1", "110", lot="L9"),
        buy(6, date(2024, 1, 7), "2", "120"),
        sell(7, date(2024, 1, 8), "9", "110", lot="L1"),
        sell(8, date(2024, 1, 9), "3", "130"),
    ]

    replay = replay_ledger(ledger, problems=problems)

    assert [(problem.row, problem.reason) for problem in problems] == [
        (2, "sells 20 AAPL in A1 but only 8 are held"),
        (3, "lot 'L1' already exists in A1 AAPL"),
        (4, "a transfer-in needs its cost basis and acquisition date"),
        (5, "no open lot 'L9' of AAPL in A1"),
        (7, "sells 9 AAPL from lot 'L1', which holds 8"),
    ]
    # The bad rows changed nothing; the good rows after them still applied.
    assert [(sale.row, sale.lot, sale.quantity, sale.cost_basis) for sale in replay.sales] == [
        (8, "L1", D("3"), D("300.00")),
    ]
    assert [(lot.lot, lot.quantity, lot.cost_basis) for lot in replay.open_lots] == [
        ("L1", D("5"), D("500.00")),
        ("2024-01-07", D("2"), D("240.00")),
    ]


def test_with_an_empty_problems_list_a_clean_ledger_adds_no_problems() -> None:
    problems: list[LedgerError] = []

    replay = replay_ledger([*three_lots(), sell(4, date(2024, 6, 3), "25", "130")], problems=problems)

    assert problems == []
    assert len(replay.sales) == 3


def test_without_a_problems_list_the_first_error_stops_the_replay() -> None:
    ledger = [sell(1, date(2024, 1, 2), "1", "100"), sell(2, date(2024, 1, 3), "1", "100")]

    with pytest.raises(LedgerError) as caught:
        replay_ledger(ledger)

    assert caught.value.row == 1


# --- ordering -------------------------------------------------------------------------------------------


def test_a_buy_then_a_sell_on_the_same_day_replays() -> None:
    day = date(2024, 1, 2)

    replay = replay_ledger([buy(1, day, "10", "100"), sell(2, day, "10", "101")])

    assert replay.open_lots == ()
    assert [(sale.quantity, sale.days_held, sale.gain_loss) for sale in replay.sales] == [(D("10"), 0, D("10.00"))]


def test_same_day_entries_keep_the_given_order() -> None:
    day = date(2024, 1, 2)

    with pytest.raises(LedgerError, match=r"^row 1: sells 10 AAPL in A1 but only 0 are held$"):
        replay_ledger([sell(1, day, "10", "101"), buy(2, day, "10", "100")])


def test_same_day_lots_are_named_in_the_given_order() -> None:
    day = date(2024, 1, 2)

    replay = replay_ledger([buy(9, day, "1", "10"), buy(3, day, "2", "10")])

    assert [(lot.lot, lot.quantity) for lot in replay.open_lots] == [("2024-01-02", D("1")), ("2024-01-02-2", D("2"))]


def test_entries_are_replayed_by_trade_date_not_list_order() -> None:
    ledger = [
        sell(1, date(2024, 6, 3), "15", "120"),
        buy(2, date(2024, 2, 1), "10", "110"),
        buy(3, date(2024, 1, 2), "10", "100"),
    ]

    replay = replay_ledger(ledger)

    assert [(sale.lot, sale.quantity, sale.cost_basis) for sale in replay.sales] == [
        ("2024-01-02", D("10"), D("1000.00")),
        ("2024-02-01", D("5"), D("550.00")),
    ]
    assert [(lot.lot, lot.quantity, lot.cost_basis) for lot in replay.open_lots] == [
        ("2024-02-01", D("5"), D("550.00")),
    ]


def test_a_replay_accepts_any_iterable_of_entries() -> None:
    ledger = [*three_lots(), sell(4, date(2024, 6, 3), "25", "130")]

    assert replay_ledger(iter(ledger)) == replay_ledger(ledger)


# --- fractional shares ---------------------------------------------------------------------------------


def test_fractional_sells_conserve_shares_and_cents() -> None:
    ledger = [
        buy(1, date(2024, 1, 2), "1", "100"),
        sell(2, date(2024, 2, 1), "0.3333", "90"),
        sell(3, date(2024, 2, 2), "0.3333", "90"),
        sell(4, date(2024, 2, 3), "0.3333", "90"),
    ]

    replay = replay_ledger(ledger)

    assert [(sale.quantity, sale.cost_basis, sale.proceeds) for sale in replay.sales] == [
        (D("0.3333"), D("33.33"), D("30.00")),
        (D("0.3333"), D("33.33"), D("30.00")),
        (D("0.3333"), D("33.33"), D("30.00")),
    ]
    (left,) = replay.open_lots
    assert (left.quantity, left.cost_basis) == (D("0.0001"), D("0.01"))


def test_selling_the_last_fraction_of_a_lot_relieves_its_remaining_basis() -> None:
    ledger = [
        buy(1, date(2024, 1, 2), "1", "100"),
        *(sell(row, date(2024, 2, row), "0.3333", "90") for row in (2, 3, 4)),
        sell(5, date(2024, 2, 5), "0.0001", "90"),
    ]

    replay = replay_ledger(ledger)

    assert replay.open_lots == ()
    assert replay.sales[-1].cost_basis == D("0.01")
    assert sum(sale.quantity for sale in replay.sales) == D("1")
    assert sum(sale.cost_basis for sale in replay.sales) == D("100.00")


def test_a_fractional_buy_rounds_its_basis_half_up() -> None:
    # 0.3333 x 150 = 49.995
    replay = replay_ledger([buy(1, date(2024, 1, 2), "0.3333", "150")])

    assert replay.open_lots[0].cost_basis == D("50.00")


def test_a_fractional_sell_across_fractional_lots_conserves_shares_and_cents() -> None:
    ledger = [
        buy(1, date(2024, 1, 2), "0.3333", "150"),  # 50.00
        buy(2, date(2024, 1, 3), "0.3333", "151"),  # 50.33
        sell(3, date(2024, 2, 1), "0.5", "149.99", fees="0.01"),  # 74.99
    ]

    replay = replay_ledger(ledger)

    assert [(sale.quantity, sale.cost_basis, sale.proceeds) for sale in replay.sales] == [
        (D("0.3333"), D("50.00"), D("49.99")),
        (D("0.1667"), D("25.17"), D("25.00")),
    ]
    (left,) = replay.open_lots
    assert (left.quantity, left.cost_basis) == (D("0.1666"), D("25.16"))


def test_shares_prints_quantities_without_trailing_zeros_or_exponent() -> None:
    assert shares(D("12.50000000")) == "12.5"
    assert shares(D("8.00")) == "8"
    assert shares(D("20")) == "20"
    assert shares(D("100")) == "100"
    assert shares(D("0.0001")) == "0.0001"
    assert shares(D("1E+2")) == "100"
    assert shares(D("0E-8")) == "0"


# --- purity --------------------------------------------------------------------------------------------


def test_a_replay_does_not_mutate_its_inputs() -> None:
    ledger = [
        *three_lots(),
        sell(4, date(2024, 6, 3), "25", "130", fees="7.00"),
        sell(5, date(2024, 6, 4), "1", "130", lot="2024-01-02"),
    ]
    before = list(ledger)
    methods = {"A1": ReliefMethod.HIFO}

    first = replay_ledger(ledger, relief_methods=methods)
    second = replay_ledger(ledger, relief_methods=methods)

    assert ledger == before
    assert all(now is then for now, then in zip(ledger, before, strict=True))
    assert methods == {"A1": ReliefMethod.HIFO}
    assert first == second


@pytest.mark.parametrize("cls", [LedgerEntry, OpenLot, Sale, Replay])
def test_engine_records_are_frozen_dataclasses(cls: type) -> None:
    assert dataclasses.is_dataclass(cls)
    assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_results_cannot_be_changed() -> None:
    replay = replay_ledger([buy(1, date(2024, 1, 2), "10", "100"), sell(2, date(2024, 6, 3), "4", "90")])

    with pytest.raises(dataclasses.FrozenInstanceError):
        replay.open_lots[0].quantity = D("99")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        replay.sales[0].proceeds = D("0")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        replay.sales = ()  # type: ignore[misc]
    assert isinstance(replay.open_lots, tuple)
    assert isinstance(replay.sales, tuple)


def engine_modules() -> list[str]:
    """Name every module under harvesting/engine/, found on disk."""
    found = pkgutil.walk_packages([str(ENGINE_DIR)], prefix="harvesting.engine.")
    return ["harvesting.engine", *sorted(module.name for module in found)]


def imports_django(module: str) -> subprocess.CompletedProcess[str]:
    script = (
        f"import sys, importlib; importlib.import_module({module!r}); "
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')); "
        "assert not loaded, loaded"
    )
    return subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)


def test_engine_module_discovery_finds_the_lot_engine() -> None:
    assert {"harvesting.engine.lots", "harvesting.engine.money", "harvesting.engine.holding"} <= set(engine_modules())


@pytest.mark.parametrize("module", engine_modules())
def test_an_engine_module_never_imports_django(module: str) -> None:
    result = imports_django(module)

    assert result.returncode == 0, result.stderr


def test_importing_the_lot_engine_loads_no_django() -> None:
    script = (
        "import sys, harvesting.engine.lots, harvesting.engine.money, harvesting.engine.holding; "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr


# --- properties ----------------------------------------------------------------------------------------

PRICES = st.decimals(min_value=D("0.01"), max_value=D("5000"), places=4, allow_nan=False, allow_infinity=False)
FEES = st.decimals(min_value=D("0"), max_value=D("10"), places=2, allow_nan=False, allow_infinity=False)
QUANTITIES = st.decimals(min_value=D("0.0001"), max_value=D("1000"), places=4, allow_nan=False, allow_infinity=False)
PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[list[LedgerEntry], dict[str, ReliefMethod]]:
    """Draw a replayable ledger in date order: buys, reinvestments and sells that never exceed the holding."""
    accounts = draw(st.sampled_from([("A1",), ("A1", "A2")]))
    symbols = ("AAPL", "VTI")
    methods = {account: draw(st.sampled_from(list(ReliefMethod))) for account in accounts}
    held: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    day = date(2020, 1, 2)
    entries: list[LedgerEntry] = []
    for row in range(1, draw(st.integers(min_value=1, max_value=30)) + 1):
        day += timedelta(days=draw(st.integers(min_value=0, max_value=90)))
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
            action = Action.SELL
            held[account, symbol] -= quantity
        else:
            quantity = draw(QUANTITIES)
            action = draw(st.sampled_from([Action.BUY, Action.BUY, Action.REINVEST]))
            held[account, symbol] += quantity
        entries.append(LedgerEntry(row, account, symbol, action, day, quantity, price, fees))
    return entries, methods


def naive_fifo(entries: list[LedgerEntry]) -> dict[tuple[str, str], list[Decimal]]:
    """Return each position's open lot quantities, oldest first, by a plain FIFO queue."""
    queues: dict[tuple[str, str], deque[Decimal]] = defaultdict(deque)
    for item in sorted(entries, key=lambda e: e.trade_date):
        queue = queues[item.account, item.symbol]
        if item.action is not Action.SELL:
            queue.append(item.quantity)
            continue
        left = item.quantity
        while left:
            if queue[0] <= left:
                left -= queue.popleft()
            else:
                queue[0] -= left
                left = D(0)
    return {key: list(queue) for key, queue in queues.items() if queue}


@PROPERTY_SETTINGS
@given(ledgers())
def test_a_replay_conserves_shares_per_position(drawn: tuple[list[LedgerEntry], dict[str, ReliefMethod]]) -> None:
    entries, methods = drawn

    replay = replay_ledger(entries, relief_methods=methods)

    net: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for item in entries:
        net[item.account, item.symbol] += -item.quantity if item.action is Action.SELL else item.quantity
    open_shares: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for lot in replay.open_lots:
        open_shares[lot.account, lot.symbol] += lot.quantity
    assert {key: value for key, value in net.items() if value} == dict(open_shares)
    sold = sum((item.quantity for item in entries if item.action is Action.SELL), D(0))
    assert sum((sale.quantity for sale in replay.sales), D(0)) == sold
    assert all(lot.quantity > 0 for lot in replay.open_lots)
    assert all(sale.quantity > 0 for sale in replay.sales)


@PROPERTY_SETTINGS
@given(ledgers())
def test_a_replay_conserves_cents_of_basis(drawn: tuple[list[LedgerEntry], dict[str, ReliefMethod]]) -> None:
    entries, methods = drawn

    replay = replay_ledger(entries, relief_methods=methods)

    bought = sum(
        (to_cents(item.quantity * item.price + item.fees) for item in entries if item.action is not Action.SELL), D(0)
    )
    # A wash sale moves a disallowed loss into its replacement's basis: those cents are added, never lost.
    carried = sum((wash.disallowed for wash in replay.wash_sales if not wash.permanent), D(0))
    relieved = sum((sale.cost_basis for sale in replay.sales), D(0))
    still_open = sum((lot.cost_basis for lot in replay.open_lots), D(0))
    assert relieved + still_open == bought + carried
    assert sum((sale.adjustment for sale in replay.sales), D(0)) == carried
    assert all(value == to_cents(value) for value in [*(s.cost_basis for s in replay.sales), still_open])


@PROPERTY_SETTINGS
@given(ledgers())
def test_each_sells_proceeds_add_up_to_its_rounded_net_amount(
    drawn: tuple[list[LedgerEntry], dict[str, ReliefMethod]],
) -> None:
    entries, methods = drawn

    replay = replay_ledger(entries, relief_methods=methods)

    sells = [item for item in entries if item.action is Action.SELL]
    by_row: dict[int, Decimal] = defaultdict(Decimal)
    for sale in replay.sales:
        by_row[sale.row] += sale.proceeds
    assert by_row == {item.row: to_cents(item.quantity * item.price - item.fees) for item in sells}
    assert sum(by_row.values(), D(0)) == sum((to_cents(s.quantity * s.price - s.fees) for s in sells), D(0))


@PROPERTY_SETTINGS
@given(ledgers())
def test_fifo_matches_a_naive_queue(drawn: tuple[list[LedgerEntry], dict[str, ReliefMethod]]) -> None:
    entries, _ = drawn

    replay = replay_ledger(entries)

    # A wash sale splits a replacement purchase into parts that keep its lot name: add them back up.
    positions: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
    for lot in replay.open_lots:
        by_name = positions[lot.account, lot.symbol]
        by_name[lot.lot] = by_name.get(lot.lot, D(0)) + lot.quantity
    assert {key: list(by_name.values()) for key, by_name in positions.items()} == naive_fifo(entries)
