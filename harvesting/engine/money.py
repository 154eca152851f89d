"""Rounding rules shared by the engine: money is kept to the cent, half up, as brokers report it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")


def to_cents(amount: Decimal) -> Decimal:
    """Round an amount of dollars to the cent, half up."""
    return amount.quantize(CENT, ROUND_HALF_UP)  # positional: measurably faster on this hot path


def prorate(total: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """Return the cents of ``total`` that belong to ``part`` of ``whole`` shares.

    Callers subtract the result from the total, so rounding never creates or loses a cent.
    """
    if part == whole:
        return total
    return (total * part / whole).quantize(CENT, ROUND_HALF_UP)
