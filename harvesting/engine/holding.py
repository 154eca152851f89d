"""Holding periods: when a position turns long-term."""

from __future__ import annotations

from datetime import date


def one_year_after(start: date) -> date:
    """Return the anniversary of ``start`` (Feb 29 maps to Feb 28 in a common year)."""
    try:
        return start.replace(year=start.year + 1)
    except ValueError:
        return start.replace(year=start.year + 1, day=28)


def is_long_term(holding_start: date, sold_on: date) -> bool:
    """Return whether a sale is long-term: held more than one year.

    Bought 2024-03-15: a sale on 2025-03-15 is short-term, on 2025-03-16 long-term.
    """
    return sold_on > one_year_after(holding_start)


def days_held(holding_start: date, sold_on: date) -> int:
    return (sold_on - holding_start).days
