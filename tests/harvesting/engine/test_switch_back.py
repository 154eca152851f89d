"""The switch-back rule, to the cent: not before 31 days, and not at a material short-term gain."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from harvesting.engine.switch_back import SWITCH_BACK_AFTER, HeldReplacement, short_term_gain, switch_back_blocker

D = Decimal
HARVESTED = date(2025, 3, 3)
DAY_31 = date(2025, 4, 3)
# 100 shares bought at the harvest for $5,000.00 ($50 a share).
BOUGHT_AT_HARVEST = HeldReplacement(quantity=D(100), cost_basis=D("5000.00"), holding_start=HARVESTED)


def test_switching_back_waits_31_calendar_days() -> None:
    assert HARVESTED + SWITCH_BACK_AFTER == DAY_31

    day_30 = switch_back_blocker([BOUGHT_AT_HARVEST], D(50), HARVESTED, date(2025, 4, 2), material_gain=D(0))
    day_31 = switch_back_blocker([BOUGHT_AT_HARVEST], D(50), HARVESTED, DAY_31, material_gain=D(0))

    assert day_30 == "allowed from 2025-04-03"
    assert day_31 is None


def test_too_soon_is_the_reason_even_at_a_gain() -> None:
    blocker = switch_back_blocker([BOUGHT_AT_HARVEST], D(60), HARVESTED, date(2025, 3, 20), material_gain=D(0))

    assert blocker == "allowed from 2025-04-03"


def test_a_short_term_gain_above_the_threshold_blocks_the_switch_back() -> None:
    # 100 x $52.00 x (1 - 5 bp) = $5,197.40; less the $5,000.00 basis: a $197.40 short-term gain.
    lots = [BOUGHT_AT_HARVEST]

    blocker = switch_back_blocker(lots, D("52.00"), HARVESTED, DAY_31, material_gain=D(100), half_spread_bps=D(5))

    assert short_term_gain(lots, D("52.00"), DAY_31, half_spread_bps=D(5)) == D("197.40")
    assert blocker == "would realize a short-term gain of $197.40"


def test_a_short_term_gain_at_or_below_the_threshold_allows_the_switch_back() -> None:
    lots = [BOUGHT_AT_HARVEST]

    at_threshold = switch_back_blocker(lots, D("52.00"), HARVESTED, DAY_31, D("197.40"), half_spread_bps=D(5))
    below = switch_back_blocker(lots, D("52.00"), HARVESTED, DAY_31, D(200), half_spread_bps=D(5))

    assert at_threshold is None
    assert below is None


def test_the_gain_is_written_with_thousands_separators() -> None:
    # 1,000 shares bought for $10,000.00, worth $12,345.67 less nothing: a $2,345.67 gain.
    lots = [HeldReplacement(D(1000), D("10000.00"), HARVESTED)]

    blocker = switch_back_blocker(lots, D("12.34567"), HARVESTED, DAY_31, material_gain=D(0))

    assert blocker == "would realize a short-term gain of $2,345.67"


def test_a_long_term_gain_does_not_block_the_switch_back() -> None:
    # A replacement whose holding period was tacked back more than a year: its $1,000 gain is long-term.
    tacked = HeldReplacement(D(100), D("5000.00"), holding_start=date(2024, 3, 1))

    assert short_term_gain([tacked], D(60), DAY_31) == D("0.00")
    assert switch_back_blocker([tacked], D(60), HARVESTED, DAY_31, material_gain=D(0)) is None


def test_a_loss_is_allowed_and_nets_against_a_short_term_gain() -> None:
    # At $45: the lot bought at the harvest loses $500.00; a second lot, $200.00 basis for 10 shares,
    # gains $250.00: net short-term -$250.00.
    lots = [BOUGHT_AT_HARVEST, HeldReplacement(D(10), D("200.00"), date(2025, 3, 10))]

    assert short_term_gain(lots, D(45), DAY_31) == D("-250.00")
    assert switch_back_blocker(lots, D(45), HARVESTED, DAY_31, material_gain=D(0)) is None


def test_a_gain_rounds_to_the_cent_half_up() -> None:
    # 3 x $33.335 = $100.005, less $100.00: $0.005 rounds up to $0.01, above a zero threshold.
    lots = [HeldReplacement(D(3), D("100.00"), HARVESTED)]

    assert short_term_gain(lots, D("33.335"), DAY_31) == D("0.01")
    assert switch_back_blocker(lots, D("33.335"), HARVESTED, DAY_31, D(0)) == "would realize a short-term gain of $0.01"
