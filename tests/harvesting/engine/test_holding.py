"""Holding periods: long-term means held more than one year (DESIGN.md §3)."""

from __future__ import annotations

from datetime import date

import pytest

from harvesting.engine.holding import days_held, is_long_term, one_year_after


def test_one_year_after_is_the_same_day_next_year() -> None:
    assert one_year_after(date(2024, 3, 15)) == date(2025, 3, 15)


def test_one_year_after_a_leap_day_is_february_28_in_a_common_year() -> None:
    assert one_year_after(date(2024, 2, 29)) == date(2025, 2, 28)


def test_one_year_after_february_28_into_a_leap_year_stays_on_the_28th() -> None:
    assert one_year_after(date(2023, 2, 28)) == date(2024, 2, 28)


def test_one_year_after_crosses_the_year_end() -> None:
    assert one_year_after(date(2024, 12, 31)) == date(2025, 12, 31)


@pytest.mark.parametrize(
    ("sold_on", "long_term"),
    [
        (date(2024, 3, 15), False),
        (date(2024, 9, 1), False),
        (date(2025, 3, 14), False),
        (date(2025, 3, 15), False),
        (date(2025, 3, 16), True),
        (date(2026, 1, 1), True),
    ],
)
def test_a_sale_is_long_term_only_after_more_than_one_year(sold_on: date, long_term: bool) -> None:
    assert is_long_term(date(2024, 3, 15), sold_on) is long_term


@pytest.mark.parametrize(
    ("sold_on", "long_term"),
    [
        (date(2025, 2, 27), False),
        (date(2025, 2, 28), False),
        (date(2025, 3, 1), True),
    ],
)
def test_a_leap_day_purchase_turns_long_term_the_day_after_february_28(sold_on: date, long_term: bool) -> None:
    assert is_long_term(date(2024, 2, 29), sold_on) is long_term


def test_a_leap_day_sale_of_a_purchase_a_year_earlier_is_short_term_on_the_anniversary() -> None:
    assert is_long_term(date(2023, 2, 28), date(2024, 2, 28)) is False
    assert is_long_term(date(2023, 2, 28), date(2024, 2, 29)) is True


@pytest.mark.parametrize(
    ("start", "sold_on", "days"),
    [
        (date(2024, 3, 15), date(2024, 3, 15), 0),
        (date(2024, 3, 15), date(2024, 3, 16), 1),
        (date(2024, 3, 15), date(2025, 3, 15), 365),
        (date(2024, 3, 15), date(2025, 3, 16), 366),
        (date(2024, 2, 29), date(2025, 2, 28), 365),
        (date(2024, 2, 29), date(2025, 3, 1), 366),
        (date(2023, 3, 1), date(2024, 3, 1), 366),
    ],
)
def test_days_held_counts_calendar_days_from_the_holding_start(start: date, sold_on: date, days: int) -> None:
    assert days_held(start, sold_on) == days
