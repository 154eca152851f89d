"""Harvest now or wait: the expected tax value of each, in dollars, from the forecast model's outlook.

Harvesting now realizes the loss ``L`` today, net of costs. It does not give up a further fall: the
replacement bought with the proceeds falls with the stock (by about its correlation times the fall), and
that new loss can be harvested in turn. Waiting the wash window (21 trading days) instead ends one of two
ways, with the model's chance ``p`` that the price falls ``depth`` (5%) or more below today's:
- it deepens: the loss grows by the mean 21-day fall of such windows (``deepening`` of the market value,
  scaled by this stock's forecast volatility over the ordinary level), harvested at the window's end;
- it does not: the loss moves by the mean return of such windows (``recovery``; positive shrinks it, scaled
  the same way), and is harvested then if anything is left.

    now  = value(L) - costs + p x max(value(L + rho x D) - value(L) - costs, 0)
    wait = p x (value(L + D) - costs) + (1 - p) x max(value(L - R) - costs, 0)

with ``D`` the deepening and ``R`` the recovery in dollars, ``rho`` the replacement's correlation, and
``value`` the client's tax saving for a loss of that size at the margin of the plan. Harvest now when
``now >= wait``. Both figures are what an advisor reads in the explanation, so they are Decimal dollars
to the cent. Simplifications (stated): no discounting over 21 days; the costs of a later harvest are
today's; the replacement's fall is the stock's times the correlation (not its beta).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
CENT = Decimal("0.01")
# A forecast volatility this far from the ordinary level is clamped: the scaling is a judgement, not a law.
SCALE_BOUNDS = (0.5, 3.0)


@dataclass(frozen=True, slots=True)
class Outlook:
    """The forecast model's view of one security today."""

    deepen_probability: float  # the chance it falls ``depth`` or more below today's close within 21 trading days
    volatility: float  # forecast annualized volatility of those 21 days
    version: str = ""  # the model version that produced it


@dataclass(frozen=True, slots=True)
class WaitingModel:
    """The version's facts about the 21 days after a date (``forecast.WaitingFacts``), as the decision uses them."""

    depth: float
    deepening: float
    recovery: float
    reference_volatility: float

    def volatility_scale(self, outlook: Outlook) -> float:
        """This security's forecast volatility over the ordinary level, clamped to ``SCALE_BOUNDS``."""
        if self.reference_volatility <= 0 or not outlook.volatility > 0:
            return 1.0
        low, high = SCALE_BOUNDS
        return min(max(outlook.volatility / self.reference_volatility, low), high)


@dataclass(frozen=True, slots=True)
class Waiting:
    """The two sides of the decision, in dollars, and what they assumed."""

    now: Decimal  # expected net tax value of harvesting today
    wait: Decimal  # expected net tax value of waiting the window
    deeper_loss: Decimal  # the loss if the price deepens
    recovered_loss: Decimal  # the loss if it does not
    probability: float

    @property
    def harvest_now(self) -> bool:
        return self.now >= self.wait


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def value_of_waiting(
    loss: Decimal,
    market_value: Decimal,
    costs: Decimal,
    value: Callable[[Decimal], Decimal],
    outlook: Outlook,
    model: WaitingModel,
    replacement_correlation: float,
) -> Waiting:
    """Compare harvesting ``loss`` now with waiting the window; ``value(x)`` is the tax saved by a loss of ``x``."""
    p = Decimal(repr(min(max(outlook.deepen_probability, 0.0), 1.0)))
    scale = Decimal(repr(model.volatility_scale(outlook)))
    deepening = _cents(market_value * Decimal(repr(model.deepening)) * scale)
    recovery = _cents(market_value * Decimal(repr(model.recovery)) * scale)
    rho = Decimal(repr(min(max(replacement_correlation, 0.0), 1.0)))
    now_value = value(loss)
    second = value(loss + _cents(rho * deepening)) - now_value - costs
    now = _cents(now_value - costs + p * max(second, ZERO))
    deeper = loss + deepening
    recovered = max(loss - recovery, ZERO)
    wait = _cents(p * (value(deeper) - costs) + (1 - p) * max(value(recovered) - costs, ZERO))
    return Waiting(now, wait, deeper, recovered, float(p))
