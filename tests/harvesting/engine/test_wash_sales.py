"""Wash sales (DESIGN.md §3, IRC §1091, Treas. Reg. §1.1091-1, IRS Publication 550), to the cent.

Every figure is worked out by hand in the comments: a loss is disallowed share for share against
substantially identical shares acquired within 30 days before or after the sale, the disallowed
amount moves into the replacement's basis and the sold shares' holding period is tacked onto it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from harvesting.engine.identity import identity_groups
from harvesting.engine.lots import (
    Action,
    LedgerEntry,
    LedgerError,
    OpenLot,
    Replay,
    Sale,
    WashSale,
    WashSaleReading,
    replay_ledger,
)
from tests.harvesting.engine.entries import acting, entry

D = Decimal


buy = acting(Action.BUY)
reinvest = acting(Action.REINVEST)
sell = acting(Action.SELL)


def lot_figures(replay: Replay) -> list[tuple[str, str, Decimal, Decimal, Decimal, date]]:
    """Return each open lot as (account, lot, quantity, cost basis, adjustment, holding start)."""
    return [
        (lot.account, lot.lot, lot.quantity, lot.cost_basis, lot.adjustment, lot.holding_start)
        for lot in replay.open_lots
    ]


def sale_figures(replay: Replay) -> list[tuple[int, str, Decimal, Decimal, Decimal, Decimal, str, Decimal]]:
    """Return each sale as (row, lot, quantity, proceeds, cost basis, adjustment, code, gain or loss)."""
    return [
        (sale.row, sale.lot, sale.quantity, sale.proceeds, sale.cost_basis, sale.adjustment, sale.code, sale.gain_loss)
        for sale in replay.sales
    ]


# --- IRS Publication 550 ---------------------------------------------------------------------------------


def test_pub_550_a_repurchase_for_less_disallows_the_loss_and_carries_it_into_the_new_basis() -> None:
    # Buy 100 shares for $1,000, sell them for $750, buy 100 again within 30 days for $800:
    # the $250 loss is disallowed and the new shares' basis is $800 + $250 = $1,050.
    ledger = [
        buy(1, date(2024, 3, 1), "100", "10"),
        sell(2, date(2024, 7, 15), "100", "7.50"),
        buy(3, date(2024, 7, 29), "100", "8"),
    ]

    replay = replay_ledger(ledger)

    (sale,) = replay.sales
    assert (sale.proceeds, sale.cost_basis, sale.adjustment, sale.code, sale.gain_loss) == (
        D("750.00"),
        D("1000.00"),
        D("250.00"),
        "W",
        D("0.00"),
    )
    assert sale.days_held == 136
    # The old shares were held 136 days, so the new shares' holding period starts 136 days before 7/29.
    assert replay.open_lots == (
        OpenLot(
            account="A1",
            symbol="XYZ",
            lot="2024-07-29",
            quantity=D("100"),
            cost_basis=D("1050.00"),
            acquired=date(2024, 7, 29),
            holding_start=date(2024, 3, 15),
            adjustment=D("250.00"),
        ),
    )
    assert replay.wash_sales == (
        WashSale(
            sale_row=2,
            replacement_row=3,
            replacement_account="A1",
            symbol="XYZ",
            shares=D("100"),
            disallowed=D("250.00"),
            permanent=False,
        ),
    )


def test_pub_550_b_a_repurchase_for_more_still_adds_the_disallowed_loss_to_its_basis() -> None:
    # The same, but the new shares cost $1,100: their basis is $1,100 + $250 = $1,350.
    ledger = [
        buy(1, date(2024, 3, 1), "100", "10"),
        sell(2, date(2024, 7, 15), "100", "7.50"),
        buy(3, date(2024, 7, 29), "100", "11"),
    ]

    replay = replay_ledger(ledger)

    assert [(sale.adjustment, sale.code, sale.gain_loss) for sale in replay.sales] == [(D("250.00"), "W", D("0.00"))]
    assert lot_figures(replay) == [("A1", "2024-07-29", D("100"), D("1350.00"), D("250.00"), date(2024, 3, 15))]


def pub_550_february_purchases() -> list[LedgerEntry]:
    """100 shares bought 9/24/2024 and sold 2/3/2025 at a $1,000 loss; 50 shares bought on each of 2/12-2/15."""
    return [
        buy(1, date(2024, 9, 24), "100", "30"),
        sell(2, date(2025, 2, 3), "100", "20"),
        buy(3, date(2025, 2, 12), "50", "21"),
        buy(4, date(2025, 2, 13), "50", "22"),
        buy(5, date(2025, 2, 14), "50", "23"),
        buy(6, date(2025, 2, 15), "50", "24"),
    ]


def test_pub_550_c_the_loss_goes_to_the_earliest_replacement_shares_first() -> None:
    # $500 goes to the 50 shares bought 2/12 and $500 to the 50 bought 2/13; 2/14 and 2/15 are untouched.
    replay = replay_ledger(pub_550_february_purchases())

    assert sale_figures(replay) == [
        (2, "2024-09-24", D("100"), D("2000.00"), D("3000.00"), D("1000.00"), "W", D("0.00")),
    ]
    # The sold shares were held 132 days: 2/12 - 132 days = 10/3/2024, 2/13 - 132 days = 10/4/2024.
    assert lot_figures(replay) == [
        ("A1", "2025-02-12", D("50"), D("1550.00"), D("500.00"), date(2024, 10, 3)),
        ("A1", "2025-02-13", D("50"), D("1600.00"), D("500.00"), date(2024, 10, 4)),
        ("A1", "2025-02-14", D("50"), D("1150.00"), D("0"), date(2025, 2, 14)),
        ("A1", "2025-02-15", D("50"), D("1200.00"), D("0"), date(2025, 2, 15)),
    ]
    assert [(wash.replacement_row, wash.shares, wash.disallowed) for wash in replay.wash_sales] == [
        (3, D("50"), D("500.00")),
        (4, D("50"), D("500.00")),
    ]


def test_pub_550_d_buying_back_fewer_shares_disallows_only_their_part_of_the_loss() -> None:
    # Only 25 of the 100 shares are bought back: $250 is disallowed and $750 allowed.
    ledger = [
        buy(1, date(2024, 9, 24), "100", "30"),
        sell(2, date(2025, 2, 3), "100", "20"),
        buy(3, date(2025, 2, 12), "25", "21"),
    ]

    replay = replay_ledger(ledger)

    assert sale_figures(replay) == [
        (2, "2024-09-24", D("100"), D("2000.00"), D("3000.00"), D("250.00"), "W", D("-750.00")),
    ]
    assert lot_figures(replay) == [("A1", "2025-02-12", D("25"), D("775.00"), D("250.00"), date(2024, 10, 3))]


# --- the 61-day window -------------------------------------------------------------------------------------

# 10 shares bought 1/2/2024 for $1,000 and sold 6/14/2024 for $850: a $150 loss after 164 days.
BOUGHT = date(2024, 1, 2)
SOLD = date(2024, 6, 14)


def test_a_repurchase_exactly_30_days_after_the_sale_washes_it() -> None:
    ledger = [buy(1, BOUGHT, "10", "100"), sell(2, SOLD, "10", "85"), buy(3, date(2024, 7, 14), "10", "86")]

    replay = replay_ledger(ledger)

    assert [(sale.adjustment, sale.gain_loss) for sale in replay.sales] == [(D("150.00"), D("0.00"))]
    assert lot_figures(replay) == [("A1", "2024-07-14", D("10"), D("1010.00"), D("150.00"), date(2024, 2, 1))]


def test_a_repurchase_31_days_after_the_sale_does_not_wash_it() -> None:
    ledger = [buy(1, BOUGHT, "10", "100"), sell(2, SOLD, "10", "85"), buy(3, date(2024, 7, 15), "10", "86")]

    replay = replay_ledger(ledger)

    assert [(sale.adjustment, sale.code, sale.gain_loss) for sale in replay.sales] == [(D("0"), "", D("-150.00"))]
    assert lot_figures(replay) == [("A1", "2024-07-15", D("10"), D("860.00"), D("0"), date(2024, 7, 15))]
    assert replay.wash_sales == ()


def test_shares_bought_30_days_before_the_sale_and_still_held_wash_it() -> None:
    ledger = [
        buy(1, BOUGHT, "10", "100", lot="OLD"),
        buy(2, date(2024, 5, 15), "10", "80", lot="NEW"),
        sell(3, SOLD, "10", "85", lot="OLD"),
    ]

    replay = replay_ledger(ledger)

    assert sale_figures(replay) == [(3, "OLD", D("10"), D("850.00"), D("1000.00"), D("150.00"), "W", D("0.00"))]
    # The replacement was bought before the sale, yet its holding period still starts 164 days before 5/15.
    assert lot_figures(replay) == [("A1", "NEW", D("10"), D("950.00"), D("150.00"), date(2023, 12, 3))]
    assert [(wash.replacement_row, wash.shares) for wash in replay.wash_sales] == [(2, D("10"))]


def test_shares_bought_31_days_before_the_sale_do_not_wash_it() -> None:
    ledger = [
        buy(1, BOUGHT, "10", "100", lot="OLD"),
        buy(2, date(2024, 5, 14), "10", "80", lot="NEW"),
        sell(3, SOLD, "10", "85", lot="OLD"),
    ]

    replay = replay_ledger(ledger)

    assert [(sale.adjustment, sale.gain_loss) for sale in replay.sales] == [(D("0"), D("-150.00"))]
    assert lot_figures(replay) == [("A1", "NEW", D("10"), D("800.00"), D("0"), date(2024, 5, 14))]


def bought_and_sold_before_the_loss(sold_again: str = "10") -> list[LedgerEntry]:
    """OLD: 10 shares for $1,000 on 1/2, sold for $850 on 6/14 ($150 loss, held 164 days).
    NEW: 10 shares for $800 on 6/1 (13 days before the loss), ``sold_again`` of them at $84 on 6/5.
    """
    return [
        buy(1, BOUGHT, "10", "100", lot="OLD"),
        buy(2, date(2024, 6, 1), "10", "80", lot="NEW"),
        sell(3, date(2024, 6, 5), sold_again, "84", lot="NEW"),
        sell(4, SOLD, "10", "85", lot="OLD"),
    ]


def test_shares_bought_within_30_days_before_but_sold_before_the_loss_wash_it_under_the_statute() -> None:
    # NEW was acquired 13 days before the loss: §1091 asks nothing more. Its 10 shares absorb the whole
    # $150 loss, so their sale's basis is $800 + $150 = $950 ($840 - $950 = -$110) and their holding
    # period starts 164 days before 6/1, on 12/20/2023.
    replay = replay_ledger(bought_and_sold_before_the_loss())

    assert sale_figures(replay) == [
        (3, "NEW", D("10"), D("840.00"), D("950.00"), D("0"), "", D("-110.00")),
        (4, "OLD", D("10"), D("850.00"), D("1000.00"), D("150.00"), "W", D("0.00")),
    ]
    assert [sale.holding_start for sale in replay.sales] == [date(2023, 12, 20), BOUGHT]
    assert replay.wash_sales == (WashSale(4, 2, "A1", "XYZ", D("10"), D("150.00"), permanent=False),)
    # Either way the $150 is realized by 6/14; the statute moves it onto the earlier sale.
    assert sum(sale.gain_loss for sale in replay.sales) == D("-110.00")


def test_shares_bought_within_30_days_before_but_sold_before_the_loss_do_not_wash_it_if_held_at_sale() -> None:
    replay = replay_ledger(bought_and_sold_before_the_loss(), reading=WashSaleReading.HELD_AT_SALE)

    assert [(sale.row, sale.adjustment, sale.gain_loss) for sale in replay.sales] == [
        (3, D("0"), D("40.00")),
        (4, D("0"), D("-150.00")),
    ]
    assert replay.wash_sales == ()


def test_under_the_statute_the_held_shares_of_a_purchase_replace_before_those_sold_earlier() -> None:
    # 4 of NEW's 10 shares were sold on 6/5 for $336; 6 are still held at the loss. The held 6 absorb
    # $150 x 6/10 = $90 (basis $480 + $90 = $570), the 4 sold absorb the other $60 (basis $320 + $60 = $380,
    # a loss of $44 instead of a $16 gain). Under the narrower reading only the held 6 count: $90 disallowed.
    ledger = bought_and_sold_before_the_loss(sold_again="4")

    statute = replay_ledger(ledger)
    held_at_sale = replay_ledger(ledger, reading=WashSaleReading.HELD_AT_SALE)

    assert sale_figures(statute) == [
        (3, "NEW", D("4"), D("336.00"), D("380.00"), D("0"), "", D("-44.00")),
        (4, "OLD", D("10"), D("850.00"), D("1000.00"), D("150.00"), "W", D("0.00")),
    ]
    assert [(wash.shares, wash.disallowed) for wash in statute.wash_sales] == [
        (D("6"), D("90.00")),
        (D("4"), D("60.00")),
    ]
    assert sale_figures(held_at_sale) == [
        (3, "NEW", D("4"), D("336.00"), D("320.00"), D("0"), "", D("16.00")),
        (4, "OLD", D("10"), D("850.00"), D("1000.00"), D("90.00"), "W", D("-60.00")),
    ]
    expected_lot = [("A1", "NEW", D("6"), D("570.00"), D("90.00"), date(2023, 12, 20))]
    assert lot_figures(statute) == lot_figures(held_at_sale) == expected_lot


def test_under_the_statute_a_partly_matched_earlier_sale_is_split_to_the_cent() -> None:
    # OLD: 10 shares for $1,000.10; 3 sold on 6/14 for $255.00 against a basis of $300.03: a $45.03 loss.
    # NEW: 7 shares for $560.21 on 6/1, all sold on 6/5 for $588.49. Three of them replace the 3 OLD shares:
    # their part of the sale is $588.49 x 3/7 = $252.21 of proceeds and $560.21 x 3/7 = $240.09 + $45.03 =
    # $285.12 of basis, held from 12/20/2023; the other 4 keep $336.28 and $320.12, held from 6/1.
    ledger = [
        buy(1, BOUGHT, "10", "100.01", lot="OLD"),
        buy(2, date(2024, 6, 1), "7", "80.03", lot="NEW"),
        sell(3, date(2024, 6, 5), "7", "84.07", lot="NEW"),
        sell(4, SOLD, "3", "85", lot="OLD"),
    ]

    replay = replay_ledger(ledger)

    assert sale_figures(replay) == [
        (3, "NEW", D("3"), D("252.21"), D("285.12"), D("0"), "", D("-32.91")),
        (3, "NEW", D("4"), D("336.28"), D("320.12"), D("0"), "", D("16.16")),
        (4, "OLD", D("3"), D("255.00"), D("300.03"), D("45.03"), "W", D("0.00")),
    ]
    assert [sale.holding_start for sale in replay.sales] == [date(2023, 12, 20), date(2024, 6, 1), BOUGHT]
    assert replay.wash_sales == (WashSale(4, 2, "A1", "XYZ", D("3"), D("45.03"), permanent=False),)


def test_under_the_statute_a_replacement_bought_and_sold_in_an_ira_disallows_the_loss_for_good() -> None:
    ledger = [
        buy(1, BOUGHT, "10", "100", lot="OLD"),
        buy(2, date(2024, 6, 1), "10", "80", lot="NEW", account="IRA"),
        sell(3, date(2024, 6, 5), "10", "84", lot="NEW", account="IRA"),
        sell(4, SOLD, "10", "85", lot="OLD"),
    ]

    replay = replay_ledger(ledger, tax_deferred=("IRA",))

    assert sale_figures(replay) == [
        (3, "NEW", D("10"), D("840.00"), D("800.00"), D("0"), "", D("40.00")),
        (4, "OLD", D("10"), D("850.00"), D("1000.00"), D("150.00"), "W", D("0.00")),
    ]
    assert replay.sales[0].holding_start == date(2024, 6, 1)
    assert replay.wash_sales == (WashSale(4, 2, "IRA", "XYZ", D("10"), D("150.00"), permanent=True),)


def test_under_the_statute_shares_sold_after_replacing_a_loss_absorb_no_other() -> None:
    # NEW (6/1) replaces FIRST's $100 loss of 6/3 while held, is sold on 6/5, and cannot replace OLD's.
    ledger = [
        buy(1, BOUGHT, "10", "100", lot="OLD"),
        buy(2, BOUGHT, "10", "100", lot="FIRST"),
        buy(3, date(2024, 6, 1), "10", "80", lot="NEW"),
        sell(4, date(2024, 6, 3), "10", "90", lot="FIRST"),
        sell(5, date(2024, 6, 5), "10", "84", lot="NEW"),
        sell(6, SOLD, "10", "85", lot="OLD"),
    ]

    replay = replay_ledger(ledger)

    assert [(sale.row, sale.adjustment) for sale in replay.sales] == [(4, D("100.00")), (5, D("0")), (6, D("0"))]
    assert [(wash.sale_row, wash.replacement_row) for wash in replay.wash_sales] == [(4, 3)]


def test_a_repurchase_in_the_next_year_washes_a_december_loss() -> None:
    # Held 6/3 to 12/20/2024 (200 days); bought back 1/10/2025.
    ledger = [
        buy(1, date(2024, 6, 3), "10", "100"),
        sell(2, date(2024, 12, 20), "10", "80"),
        buy(3, date(2025, 1, 10), "10", "82"),
    ]

    replay = replay_ledger(ledger)

    assert [(sale.adjustment, sale.code, sale.gain_loss) for sale in replay.sales] == [(D("200.00"), "W", D("0.00"))]
    assert lot_figures(replay) == [("A1", "2025-01-10", D("10"), D("1020.00"), D("200.00"), date(2024, 6, 24))]


# --- partial wash sales and matching order -----------------------------------------------------------------


def test_a_partial_repurchase_disallows_the_loss_of_the_matched_shares_only() -> None:
    # 100 shares bought for $1,000 and sold for $800; 30 bought back for $255: 30/100 of $200 = $60 disallowed.
    ledger = [
        buy(1, date(2024, 1, 2), "100", "10"),
        sell(2, date(2024, 3, 1), "100", "8"),
        buy(3, date(2024, 3, 20), "30", "8.50"),
    ]

    replay = replay_ledger(ledger)

    assert sale_figures(replay) == [
        (2, "2024-01-02", D("100"), D("800.00"), D("1000.00"), D("60.00"), "W", D("-140.00")),
    ]
    assert lot_figures(replay) == [("A1", "2024-03-20", D("30"), D("315.00"), D("60.00"), date(2024, 1, 21))]


def test_a_partial_wash_sale_rounds_the_disallowed_loss_to_the_cent() -> None:
    # 7 shares bought for $70.07 and sold for $63.00: a $7.07 loss. 3 bought back:
    # 7.07 x 3/7 = 3.03; the other $4.04 stays deductible.
    ledger = [
        buy(1, date(2024, 1, 2), "7", "10.01"),
        sell(2, date(2024, 3, 1), "7", "9"),
        buy(3, date(2024, 3, 5), "3", "9.10"),
    ]

    replay = replay_ledger(ledger)

    assert [(sale.adjustment, sale.gain_loss) for sale in replay.sales] == [(D("3.03"), D("-4.04"))]
    assert [(lot.cost_basis, lot.adjustment) for lot in replay.open_lots] == [(D("30.33"), D("3.03"))]


def test_a_replacement_purchase_larger_than_the_loss_is_split_into_a_replacement_part_and_the_rest() -> None:
    # 10 shares lost $100; 25 bought back for $2,250: 10 of them absorb the loss, the other 15 are untouched.
    ledger = [
        buy(1, date(2024, 1, 2), "10", "100"),
        sell(2, date(2024, 3, 1), "10", "90"),
        buy(3, date(2024, 3, 8), "25", "90"),
    ]

    replay = replay_ledger(ledger)

    assert lot_figures(replay) == [
        ("A1", "2024-03-08", D("10"), D("1000.00"), D("100.00"), date(2024, 1, 9)),
        ("A1", "2024-03-08", D("15"), D("1350.00"), D("0"), date(2024, 3, 8)),
    ]
    assert sum(lot.quantity for lot in replay.open_lots) == D("25")


def test_two_losses_share_one_replacement_purchase_in_order_of_sale() -> None:
    # X: 10 shares for $1,000 sold 3/1 for $900 (loss $100, held 59 days).
    # Y: 10 shares for $600 sold 3/4 for $500 (loss $100, held 61 days).
    # 15 shares bought 3/10 for $780: X's loss takes 10 of them; Y's gets the other 5, so half its loss.
    ledger = [
        buy(1, date(2024, 1, 2), "10", "100", lot="X"),
        buy(2, date(2024, 1, 3), "10", "60", lot="Y"),
        sell(3, date(2024, 3, 1), "10", "90", lot="X"),
        sell(4, date(2024, 3, 4), "10", "50", lot="Y"),
        buy(5, date(2024, 3, 10), "15", "52", lot="R"),
    ]

    replay = replay_ledger(ledger)

    assert sale_figures(replay) == [
        (3, "X", D("10"), D("900.00"), D("1000.00"), D("100.00"), "W", D("0.00")),
        (4, "Y", D("10"), D("500.00"), D("600.00"), D("50.00"), "W", D("-50.00")),
    ]
    assert lot_figures(replay) == [
        ("A1", "R", D("10"), D("620.00"), D("100.00"), date(2024, 1, 11)),
        ("A1", "R", D("5"), D("310.00"), D("50.00"), date(2024, 1, 9)),
    ]
    assert [(wash.sale_row, wash.replacement_row, wash.shares, wash.disallowed) for wash in replay.wash_sales] == [
        (3, 5, D("10"), D("100.00")),
        (4, 5, D("5"), D("50.00")),
    ]


def test_a_replacement_share_absorbs_only_one_loss() -> None:
    # Both losses fall in the window of the same 10 shares: the first takes them all, the second is allowed.
    ledger = [
        buy(1, date(2024, 1, 2), "10", "100", lot="X"),
        buy(2, date(2024, 1, 3), "10", "100", lot="Y"),
        sell(3, date(2024, 3, 1), "10", "90", lot="X"),
        buy(4, date(2024, 3, 5), "10", "91", lot="R"),
        sell(5, date(2024, 3, 8), "10", "89", lot="Y"),
    ]

    replay = replay_ledger(ledger)

    assert [(sale.row, sale.adjustment, sale.gain_loss) for sale in replay.sales] == [
        (3, D("100.00"), D("0.00")),
        (5, D("0"), D("-110.00")),
    ]
    assert lot_figures(replay) == [("A1", "R", D("10"), D("1010.00"), D("100.00"), date(2024, 1, 6))]


def test_a_sale_relieving_a_gain_lot_and_a_loss_lot_washes_only_the_loss() -> None:
    # FIFO sells 10 bought at $90 (a $100 gain) and 10 bought at $110 (a $100 loss, held 60 days).
    # 20 bought back 4/10: only 10 of them replace the loss shares.
    ledger = [
        buy(1, date(2024, 1, 2), "10", "90"),
        buy(2, date(2024, 2, 1), "10", "110"),
        sell(3, date(2024, 4, 1), "20", "100"),
        buy(4, date(2024, 4, 10), "20", "101"),
    ]

    replay = replay_ledger(ledger)

    assert sale_figures(replay) == [
        (3, "2024-01-02", D("10"), D("1000.00"), D("900.00"), D("0"), "", D("100.00")),
        (3, "2024-02-01", D("10"), D("1000.00"), D("1100.00"), D("100.00"), "W", D("0.00")),
    ]
    assert lot_figures(replay) == [
        ("A1", "2024-04-10", D("10"), D("1110.00"), D("100.00"), date(2024, 2, 10)),
        ("A1", "2024-04-10", D("10"), D("1010.00"), D("0"), date(2024, 4, 10)),
    ]
    assert [(wash.sale_row, wash.shares, wash.disallowed) for wash in replay.wash_sales] == [(3, D("10"), D("100.00"))]


def test_the_unsold_rest_of_a_recent_lot_relieved_by_the_same_sell_replaces_an_older_lots_loss() -> None:
    # 100 shares bought 1/2 at $50 and 100 bought 6/1 at $45; FIFO sells 150 at $40 on 6/15:
    # all 100 old shares ($1,000 loss, held 165 days) and 50 of the new ($250 loss).
    # The other 50 new shares were acquired 14 days before the sale and are still held after it, so they
    # replace 50 of the old shares: $500 of the old lot's loss is disallowed. The 50 new shares sold have no
    # replacement (the rest of their own purchase never is), so their $250 loss is allowed.
    ledger = [
        buy(1, date(2024, 1, 2), "100", "50"),
        buy(2, date(2024, 6, 1), "100", "45"),
        sell(3, date(2024, 6, 15), "150", "40"),
    ]

    replay = replay_ledger(ledger)

    assert sale_figures(replay) == [
        (3, "2024-01-02", D("100"), D("4000.00"), D("5000.00"), D("500.00"), "W", D("-500.00")),
        (3, "2024-06-01", D("50"), D("2000.00"), D("2250.00"), D("0"), "", D("-250.00")),
    ]
    assert lot_figures(replay) == [("A1", "2024-06-01", D("50"), D("2750.00"), D("500.00"), date(2023, 12, 19))]


# --- what is never a replacement ---------------------------------------------------------------------------


def test_a_same_day_round_trip_without_another_purchase_is_not_a_wash_sale() -> None:
    day = date(2024, 5, 1)

    replay = replay_ledger([buy(1, day, "10", "100"), sell(2, day, "10", "95")])

    assert sale_figures(replay) == [(2, "2024-05-01", D("10"), D("950.00"), D("1000.00"), D("0"), "", D("-50.00"))]
    assert replay.open_lots == ()
    assert replay.wash_sales == ()


@pytest.mark.parametrize("reading", list(WashSaleReading))
def test_shares_of_the_same_purchase_sold_earlier_are_not_a_replacement(reading: WashSaleReading) -> None:
    # 100 shares bought 3/1: 40 sold at a $40 loss on 3/15, the other 60 at a $120 loss on 3/20.
    ledger = [
        buy(1, date(2024, 3, 1), "100", "10"),
        sell(2, date(2024, 3, 15), "40", "9"),
        sell(3, date(2024, 3, 20), "60", "8"),
    ]

    replay = replay_ledger(ledger, reading=reading)

    assert sale_figures(replay) == [
        (2, "2024-03-01", D("40"), D("360.00"), D("400.00"), D("0"), "", D("-40.00")),
        (3, "2024-03-01", D("60"), D("480.00"), D("600.00"), D("0"), "", D("-120.00")),
    ]
    assert replay.wash_sales == ()


def test_the_rest_of_the_purchase_sold_is_not_its_replacement() -> None:
    # 100 shares bought 3/1; 40 of them sold at a loss 14 days later. The 60 kept are of the same purchase.
    ledger = [buy(1, date(2024, 3, 1), "100", "10"), sell(2, date(2024, 3, 15), "40", "9")]

    replay = replay_ledger(ledger)

    assert [(sale.adjustment, sale.gain_loss) for sale in replay.sales] == [(D("0"), D("-40.00"))]
    assert lot_figures(replay) == [("A1", "2024-03-01", D("60"), D("600.00"), D("0"), date(2024, 3, 1))]
    assert replay.wash_sales == ()


def test_a_gain_is_never_adjusted_even_with_purchases_in_the_window() -> None:
    ledger = [
        buy(1, date(2024, 1, 2), "10", "100", lot="OLD"),
        buy(2, date(2024, 2, 20), "10", "130", lot="BEFORE"),
        sell(3, date(2024, 3, 1), "10", "120", lot="OLD"),
        buy(4, date(2024, 3, 10), "10", "118", lot="AFTER"),
    ]

    replay = replay_ledger(ledger)

    assert sale_figures(replay) == [(3, "OLD", D("10"), D("1200.00"), D("1000.00"), D("0"), "", D("200.00"))]
    assert lot_figures(replay) == [
        ("A1", "BEFORE", D("10"), D("1300.00"), D("0"), date(2024, 2, 20)),
        ("A1", "AFTER", D("10"), D("1180.00"), D("0"), date(2024, 3, 10)),
    ]
    assert replay.wash_sales == ()


def test_a_different_symbol_is_not_a_replacement_without_an_identity_group() -> None:
    ledger = [
        buy(1, date(2024, 1, 2), "10", "500", symbol="VOO"),
        sell(2, date(2024, 3, 1), "10", "450", symbol="VOO"),
        buy(3, date(2024, 3, 5), "10", "455", symbol="IVV"),
        buy(4, date(2024, 3, 6), "10", "455", symbol="AAPL"),
    ]

    replay = replay_ledger(ledger, identity=identity_groups([["SPY", "SPLG"]]))

    assert [(sale.adjustment, sale.gain_loss) for sale in replay.sales] == [(D("0"), D("-500.00"))]
    assert replay.wash_sales == ()
    assert {lot.adjustment for lot in replay.open_lots} == {D("0")}


@pytest.mark.parametrize(("sold", "bought"), [("VOO", "IVV"), ("IVV", "VOO")])
def test_symbols_in_one_identity_group_replace_each_other(sold: str, bought: str) -> None:
    # 10 shares held 59 days lose $500; 10 of the other fund bought 3/5 for $4,550 absorb it.
    ledger = [
        buy(1, date(2024, 1, 2), "10", "500", symbol=sold),
        sell(2, date(2024, 3, 1), "10", "450", symbol=sold),
        buy(3, date(2024, 3, 5), "10", "455", symbol=bought),
        buy(4, date(2024, 3, 6), "10", "180", symbol="AAPL"),
    ]

    replay = replay_ledger(ledger, identity=identity_groups([["VOO", "IVV"]]))

    assert [(sale.symbol, sale.adjustment, sale.code, sale.gain_loss) for sale in replay.sales] == [
        (sold, D("500.00"), "W", D("0.00")),
    ]
    assert [(lot.symbol, lot.cost_basis, lot.adjustment, lot.holding_start) for lot in replay.open_lots] == [
        (bought, D("5050.00"), D("500.00"), date(2024, 1, 6)),
        ("AAPL", D("1800.00"), D("0"), date(2024, 3, 6)),
    ]
    assert replay.wash_sales == (
        WashSale(
            sale_row=2,
            replacement_row=3,
            replacement_account="A1",
            symbol=sold,
            shares=D("10"),
            disallowed=D("500.00"),
            permanent=False,
        ),
    )


# --- chains, tacking and reinvestment ----------------------------------------------------------------------


def test_a_chain_of_wash_sales_carries_both_losses_into_the_last_replacement() -> None:
    # A: 10 for $1,000 on 1/2, sold 3/1 for $900 (loss $100, held 59 days).
    # B: 10 for $920 on 3/10 -> basis $1,020, holding from 3/10 - 59 days = 1/11.
    #    Sold 4/1 for $850: a $170 loss (held 81 days from 1/11), again disallowed.
    # C: 10 for $880 on 4/15 -> basis $880 + $170 = $1,050 (both losses), holding from 4/15 - 81 days = 1/25.
    #    Sold 6/3 for $1,100: a $50 gain, which is also the chain's net: $2,850 received - $2,800 paid.
    ledger = [
        buy(1, date(2024, 1, 2), "10", "100", lot="A"),
        sell(2, date(2024, 3, 1), "10", "90"),
        buy(3, date(2024, 3, 10), "10", "92", lot="B"),
        sell(4, date(2024, 4, 1), "10", "85"),
        buy(5, date(2024, 4, 15), "10", "88", lot="C"),
    ]
    before_last_sale = replay_ledger(ledger)

    replay = replay_ledger([*ledger, sell(6, date(2024, 6, 3), "10", "110")])

    assert lot_figures(before_last_sale) == [("A1", "C", D("10"), D("1050.00"), D("170.00"), date(2024, 1, 25))]
    assert sale_figures(replay) == [
        (2, "A", D("10"), D("900.00"), D("1000.00"), D("100.00"), "W", D("0.00")),
        (4, "B", D("10"), D("850.00"), D("1020.00"), D("170.00"), "W", D("0.00")),
        (6, "C", D("10"), D("1100.00"), D("1050.00"), D("0"), "", D("50.00")),
    ]
    assert [(sale.holding_start, sale.days_held) for sale in replay.sales] == [
        (date(2024, 1, 2), 59),
        (date(2024, 1, 11), 81),
        (date(2024, 1, 25), 130),
    ]
    assert sum(sale.gain_loss for sale in replay.sales) == D("50.00")


def test_tacking_makes_a_replacement_sold_70_days_after_purchase_long_term() -> None:
    # The original shares were held 300 days (1/3/2023 to 10/30/2023); the replacement bought 11/6/2023
    # starts its holding period 300 days earlier, on 1/10/2023, so selling it 70 days later (1/15/2024)
    # is a sale after 370 days: long-term.
    ledger = [
        buy(1, date(2023, 1, 3), "10", "100"),
        sell(2, date(2023, 10, 30), "10", "80"),
        buy(3, date(2023, 11, 6), "10", "81"),
        sell(4, date(2024, 1, 15), "10", "90"),
    ]

    replay = replay_ledger(ledger)

    first, second = replay.sales
    assert (first.days_held, first.long_term, first.adjustment) == (300, False, D("200.00"))
    assert (second.acquired, second.holding_start, second.days_held, second.long_term) == (
        date(2023, 11, 6),
        date(2023, 1, 10),
        370,
        True,
    )
    assert (second.cost_basis, second.gain_loss) == (D("1010.00"), D("-110.00"))


def test_a_dividend_reinvestment_after_a_loss_sale_is_a_small_partial_replacement() -> None:
    # 100 shares lose $500 on 6/10 (held 160 days); 0.5432 shares are reinvested 6/20 at $46 ($24.99):
    # 500 x 0.5432/100 = 2.716 -> $2.72 disallowed, $497.28 allowed.
    ledger = [
        buy(1, date(2024, 1, 2), "100", "50"),
        sell(2, date(2024, 6, 10), "100", "45"),
        reinvest(3, date(2024, 6, 20), "0.5432", "46"),
    ]

    replay = replay_ledger(ledger)

    assert [(sale.adjustment, sale.code, sale.gain_loss) for sale in replay.sales] == [(D("2.72"), "W", D("-497.28"))]
    assert lot_figures(replay) == [("A1", "2024-06-20", D("0.5432"), D("27.71"), D("2.72"), date(2024, 1, 12))]
    assert [(wash.replacement_row, wash.shares, wash.disallowed) for wash in replay.wash_sales] == [
        (3, D("0.5432"), D("2.72")),
    ]


def test_a_dividend_reinvested_before_the_sale_and_kept_is_a_replacement() -> None:
    # The classic trap: a dividend reinvested 5/31 (0.5 shares for $22.50), then the original 100 shares
    # are sold at a $500 loss on 6/10. The reinvested half share, still held, replaces half a share:
    # 500 x 0.5/100 = $2.50.
    ledger = [
        buy(1, date(2024, 1, 2), "100", "50"),
        reinvest(2, date(2024, 5, 31), "0.5", "45"),
        sell(3, date(2024, 6, 10), "100", "45"),
    ]

    replay = replay_ledger(ledger)

    assert [(sale.lot, sale.adjustment, sale.gain_loss) for sale in replay.sales] == [
        ("2024-01-02", D("2.50"), D("-497.50")),
    ]
    assert lot_figures(replay) == [("A1", "2024-05-31", D("0.5"), D("25.00"), D("2.50"), date(2023, 12, 23))]


# --- accounts of the household -----------------------------------------------------------------------------

# 10 shares bought for $1,000 on 1/2/2024 and sold 3/1 for $900: a $100 loss after 59 days.
CLIENT_LOSS = [
    buy(1, date(2024, 1, 2), "10", "100", account="CLIENT"),
    sell(2, date(2024, 3, 1), "10", "90", account="CLIENT"),
]


def test_a_purchase_in_the_spouses_taxable_account_washes_the_loss_and_takes_the_basis() -> None:
    ledger = [*CLIENT_LOSS, buy(3, date(2024, 3, 15), "10", "91", account="SPOUSE")]

    replay = replay_ledger(ledger)

    assert [(sale.account, sale.adjustment, sale.code, sale.gain_loss) for sale in replay.sales] == [
        ("CLIENT", D("100.00"), "W", D("0.00")),
    ]
    assert lot_figures(replay) == [("SPOUSE", "2024-03-15", D("10"), D("1010.00"), D("100.00"), date(2024, 1, 16))]
    assert [(wash.replacement_account, wash.permanent) for wash in replay.wash_sales] == [("SPOUSE", False)]


@pytest.mark.parametrize("account", ["IRA", "ROTH"])
@pytest.mark.parametrize("bought", [date(2024, 2, 20), date(2024, 3, 15)], ids=["before", "after"])
def test_a_replacement_in_an_ira_or_roth_disallows_the_loss_for_good(account: str, bought: date) -> None:
    ledger = [*CLIENT_LOSS, buy(3, bought, "10", "91", account=account)]

    replay = replay_ledger(ledger, tax_deferred=("IRA", "ROTH"))

    (sale,) = replay.sales
    assert (sale.adjustment, sale.code, sale.gain_loss, sale.tax_deferred) == (D("100.00"), "W", D("0.00"), False)
    # No basis change and no tacking: the IRA lot keeps its cost and its own holding period.
    assert lot_figures(replay) == [(account, bought.isoformat(), D("10"), D("910.00"), D("0"), bought)]
    assert replay.wash_sales == (
        WashSale(
            sale_row=2,
            replacement_row=3,
            replacement_account=account,
            symbol="XYZ",
            shares=D("10"),
            disallowed=D("100.00"),
            permanent=True,
        ),
    )


def test_a_loss_split_between_an_ira_and_a_taxable_replacement_is_part_permanent() -> None:
    # 4 shares bought in the IRA first, then 10 in the spouse's account: the IRA's 4 take 4/10 of the $100
    # for good; 6 of the spouse's shares take the other $60 into their basis.
    ledger = [
        *CLIENT_LOSS,
        buy(3, date(2024, 3, 4), "4", "91", account="IRA"),
        buy(4, date(2024, 3, 5), "10", "92", account="SPOUSE"),
    ]

    replay = replay_ledger(ledger, tax_deferred=("IRA",))

    assert [(sale.adjustment, sale.gain_loss) for sale in replay.sales] == [(D("100.00"), D("0.00"))]
    assert lot_figures(replay) == [
        ("IRA", "2024-03-04", D("4"), D("364.00"), D("0"), date(2024, 3, 4)),
        ("SPOUSE", "2024-03-05", D("6"), D("612.00"), D("60.00"), date(2024, 1, 6)),
        ("SPOUSE", "2024-03-05", D("4"), D("368.00"), D("0"), date(2024, 3, 5)),
    ]
    assert [(wash.replacement_account, wash.shares, wash.disallowed, wash.permanent) for wash in replay.wash_sales] == [
        ("IRA", D("4"), D("40.00"), True),
        ("SPOUSE", D("6"), D("60.00"), False),
    ]


def test_a_loss_inside_an_ira_is_not_a_wash_sale() -> None:
    ledger = [
        buy(1, date(2024, 1, 2), "10", "100", account="IRA"),
        sell(2, date(2024, 3, 1), "10", "90", account="IRA"),
        buy(3, date(2024, 3, 5), "10", "91", account="IRA"),
        buy(4, date(2024, 3, 6), "10", "92", account="CLIENT"),
    ]

    replay = replay_ledger(ledger, tax_deferred=("IRA",))

    assert [(sale.tax_deferred, sale.adjustment, sale.code) for sale in replay.sales] == [(True, D("0"), "")]
    assert lot_figures(replay) == [
        ("IRA", "2024-03-05", D("10"), D("910.00"), D("0"), date(2024, 3, 5)),
        ("CLIENT", "2024-03-06", D("10"), D("920.00"), D("0"), date(2024, 3, 6)),
    ]
    assert replay.wash_sales == ()


# --- transfers in -------------------------------------------------------------------------------------------


def test_an_unrelated_purchase_after_the_window_does_not_change_whether_a_transfer_in_replaces_a_loss() -> None:
    # A $100 loss on 3/1; shares acquired 3/10 (inside the window) are transferred in on 5/1. Alone, the
    # transfer-in absorbs the loss; with 10 shares also bought 4/15 (45 days after the sale, outside the
    # window, so irrelevant) it does not. Either answer may be argued; both at once cannot.
    loss = [buy(1, date(2024, 1, 2), "10", "100"), sell(2, date(2024, 3, 1), "10", "90")]
    transfer = entry(
        4,
        Action.TRANSFER_IN,
        date(2024, 5, 1),
        "10",
        "0",
        account="A2",
        cost_basis="950.00",
        acquired=date(2024, 3, 10),
    )

    alone = replay_ledger([*loss, transfer])
    with_purchase = replay_ledger([*loss, buy(3, date(2024, 4, 15), "10", "95"), transfer])

    assert [sale.adjustment for sale in with_purchase.sales] == [sale.adjustment for sale in alone.sales]
    assert with_purchase.wash_sales == alone.wash_sales


# --- rejected rows ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rejected",
    [
        buy(3, date(2024, 2, 5), "10", "95", lot="L1"),
        buy(3, date(2024, 2, 5), "10", "-95"),
        entry(3, Action.TRANSFER_IN, date(2024, 2, 5), "10", "0"),
    ],
    ids=["duplicate-lot-name", "negative-price", "transfer-in-without-basis"],
)
def test_a_rejected_purchase_is_not_a_replacement(rejected: LedgerEntry) -> None:
    # The loss of 2/1 has no replacement once row 3 is skipped: row 4 is bought 60 days after the sale.
    problems: list[LedgerError] = []
    ledger = [
        buy(1, date(2024, 1, 2), "10", "100", lot="L1"),
        sell(2, date(2024, 2, 1), "10", "90"),
        rejected,
        buy(4, date(2024, 4, 1), "10", "96"),
    ]

    replay = replay_ledger(ledger, problems=problems)

    assert [problem.row for problem in problems] == [3]
    assert [(sale.adjustment, sale.gain_loss) for sale in replay.sales] == [(D("0"), D("-100.00"))]
    assert lot_figures(replay) == [("A1", "2024-04-01", D("10"), D("960.00"), D("0"), date(2024, 4, 1))]
    assert replay.wash_sales == ()


def test_a_rejected_purchase_does_not_pass_its_wash_sale_on_to_an_ira_purchase() -> None:
    # Row 3 (a duplicate lot name) is skipped; the IRA's 10 shares bought 2/6 are the only replacement,
    # so the whole $100 loss is disallowed for good and the IRA lot keeps its $960 basis.
    problems: list[LedgerError] = []
    ledger = [
        buy(1, date(2024, 1, 2), "10", "100", lot="L1"),
        sell(2, date(2024, 2, 1), "10", "90"),
        buy(3, date(2024, 2, 5), "4", "95", lot="L1"),
        buy(4, date(2024, 2, 6), "10", "96", account="IRA"),
    ]

    replay = replay_ledger(ledger, problems=problems, tax_deferred=("IRA",))

    assert [problem.row for problem in problems] == [3]
    assert [(sale.adjustment, sale.gain_loss) for sale in replay.sales] == [(D("100.00"), D("0.00"))]
    assert lot_figures(replay) == [("IRA", "2024-02-06", D("10"), D("960.00"), D("0"), date(2024, 2, 6))]
    assert [(wash.replacement_row, wash.shares, wash.disallowed, wash.permanent) for wash in replay.wash_sales] == [
        (4, D("10"), D("100.00"), True),
    ]


def test_sale_records_carry_the_adjustment_as_form_8949_reports_it() -> None:
    ledger = [
        buy(1, date(2024, 1, 2), "10", "100"),
        sell(2, date(2024, 3, 1), "10", "90", fees="4.95"),
        buy(3, date(2024, 3, 8), "10", "91"),
    ]

    (sale,) = replay_ledger(ledger).sales

    assert sale == Sale(
        row=2,
        account="A1",
        symbol="XYZ",
        lot="2024-01-02",
        quantity=D("10"),
        acquired=date(2024, 1, 2),
        holding_start=date(2024, 1, 2),
        sold=date(2024, 3, 1),
        proceeds=D("895.05"),
        cost_basis=D("1000.00"),
        adjustment=D("104.95"),
    )
    assert (sale.code, sale.gain_loss, sale.long_term) == ("W", D("0.00"), False)
