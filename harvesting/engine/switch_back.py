"""The switch-back rule: when a harvest's replacement may be sold to buy the original security back.

Buying the original back within 30 days after the loss sale would make it a replacement and
disallow the harvested loss (IRC §1091), so the switch-back waits until ``SWITCH_BACK_AFTER`` (31
calendar days) has passed. Once allowed, selling the replacement should not throw away the harvest
by realizing a short-term gain larger than the advisor's ``material_gain``: losses and long-term
gains do not hold a switch-back up.

Amounts are Decimal dollars; quantities Decimal shares; the half-spread in basis points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from harvesting.engine.holding import is_long_term
from harvesting.engine.money import ZERO, to_cents

SWITCH_BACK_AFTER = timedelta(days=31)  # calendar days after the harvest before switching back is allowed
BASIS_POINTS = Decimal(10_000)


@dataclass(frozen=True, slots=True)
class HeldReplacement:
    """One lot of the replacement held since the harvest."""

    quantity: Decimal
    cost_basis: Decimal  # adjusted basis, dollars
    holding_start: date


def switch_back_blocker(
    lots: Sequence[HeldReplacement],
    price: Decimal,
    harvested_on: date,
    as_of: date,
    material_gain: Decimal,
    half_spread_bps: Decimal = Decimal(0),
) -> str | None:
    """Return None when selling the replacement lots at ``price`` (less the half-spread) and buying the
    original back on ``as_of`` is allowed; else the reason it is not, in words an advisor reads:
    too soon (before harvested_on + 31 days: 'allowed from <ISO date>'), or it would realize a
    short-term gain above ``material_gain`` ('would realize a short-term gain of $X').
    """
    allowed_from = harvested_on + SWITCH_BACK_AFTER
    if as_of < allowed_from:
        return f"allowed from {allowed_from.isoformat()}"
    gain = short_term_gain(lots, price, as_of, half_spread_bps)
    if gain > material_gain:
        return f"would realize a short-term gain of ${gain:,.2f}"
    return None


def short_term_gain(
    lots: Sequence[HeldReplacement], price: Decimal, as_of: date, half_spread_bps: Decimal = Decimal(0)
) -> Decimal:
    """Return the net gain (negative: a loss) of selling the short-term ``lots`` at ``price`` on
    ``as_of``, less the half-spread, to the cent.
    """
    net_price = price * (1 - half_spread_bps / BASIS_POINTS)
    return to_cents(
        sum(
            (lot.quantity * net_price - lot.cost_basis for lot in lots if not is_long_term(lot.holding_start, as_of)),
            ZERO,
        )
    )
