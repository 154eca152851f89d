"""What every state module shares: the federal figures a state return starts from, and bracket arithmetic.

Pure Python, no Django: the state modules and ``taxprofiles/rules/state_tax.py`` import it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

D = Decimal
ZERO = D(0)
CENT = D("0.01")

SINGLE = "single"
JOINT = "married_joint"
SEPARATE = "married_separate"
HEAD = "head_of_household"
STATUSES = (SINGLE, JOINT, SEPARATE, HEAD)


@dataclass(frozen=True, slots=True)
class StateIncome:
    """The federal return's figures that a state return starts from, for one tax year.

    Gains are this year's realized net gains (negative for net losses) before carryforwards;
    ``net_st``/``net_lt`` are Schedule D lines 7 and 15 (after carryforwards); ``capital_income`` is
    what capital gains and losses add to federal AGI (a net loss is limited to $3,000 / $1,500).
    ``federal_income_tax`` is the regular tax plus the AMT (for the states that let it be deducted).
    ``itemized`` is None when the client takes the federal standard deduction. ``city`` is a local
    income tax the client pays (``"nyc"`` for New York City), or "".
    """

    status: str
    agi: Decimal
    federal_taxable: Decimal
    ordinary: Decimal
    qualified_dividends: Decimal = ZERO
    st_gains: Decimal = ZERO
    lt_gains: Decimal = ZERO
    net_st: Decimal = ZERO
    net_lt: Decimal = ZERO
    capital_income: Decimal = ZERO
    preferential_gain: Decimal = ZERO
    federal_income_tax: Decimal = ZERO
    federal_standard_deduction: Decimal = ZERO
    itemized: Decimal | None = None
    city: str = ""

    @property
    def joint(self) -> bool:
        return self.status == JOINT

    @property
    def persons(self) -> int:
        """Personal exemptions on the return: two on a joint return, one otherwise (no dependents)."""
        return 2 if self.status == JOINT else 1

    @property
    def gains_only_capital(self) -> Decimal:
        """Capital income where losses offset only the year's gains (no net loss, no carryforward)."""
        return max(ZERO, self.st_gains + self.lt_gains)


@dataclass(frozen=True, slots=True)
class Brackets:
    """A graduated rate schedule: ``thresholds[i]`` is where ``rates[i]`` starts (the first is 0)."""

    thresholds: tuple[Decimal, ...]
    rates: tuple[Decimal, ...]
    base: tuple[Decimal, ...] = field(init=False)  # the tax on each bracket's threshold

    def __post_init__(self) -> None:
        base = [ZERO]
        for i in range(1, len(self.thresholds)):
            base.append(base[-1] + (self.thresholds[i] - self.thresholds[i - 1]) * self.rates[i - 1])
        object.__setattr__(self, "base", tuple(base))

    def tax(self, taxable: Decimal) -> Decimal:
        """The tax on ``taxable`` dollars (unrounded); nothing on zero or less."""
        if taxable <= ZERO:
            return ZERO
        i = bisect_right(self.thresholds, taxable) - 1
        return self.base[i] + (taxable - self.thresholds[i]) * self.rates[i]

    def rate(self, taxable: Decimal) -> Decimal:
        """The statutory marginal rate at ``taxable`` dollars."""
        return self.rates[max(0, bisect_right(self.thresholds, taxable) - 1)]


def brackets(*pairs: tuple[int | str, str]) -> Brackets:
    """Build ``Brackets`` from ``(threshold, rate)`` pairs, thresholds in dollars and rates as strings."""
    thresholds = tuple(D(str(t)) for t, _ in pairs)
    if not thresholds or thresholds[0] != 0 or list(thresholds) != sorted(thresholds):
        raise ValueError("brackets start at 0 and rise")
    return Brackets(thresholds, tuple(D(r) for _, r in pairs))


def flat(rate: str) -> Brackets:
    return brackets((0, rate))


def by_status(values: Mapping[str, int | str] | int | str) -> dict[str, Decimal]:
    """A figure per filing status: one figure for all, or a mapping (married filing separately defaults to single)."""
    if not isinstance(values, Mapping):
        return dict.fromkeys(STATUSES, D(str(values)))
    out = {status: D(str(values[status])) for status in values}
    out.setdefault(SEPARATE, out[SINGLE])
    out.setdefault(HEAD, out[SINGLE])
    return out


def schedules(
    values: Mapping[str, Sequence[tuple[int | str, str]]] | Sequence[tuple[int | str, str]],
) -> dict[str, Brackets]:
    """Brackets per filing status: one schedule for all, or a mapping (separate and head default to single)."""
    if not isinstance(values, Mapping):
        one = brackets(*values)
        return dict.fromkeys(STATUSES, one)
    out = {status: brackets(*pairs) for status, pairs in values.items()}
    out.setdefault(SEPARATE, out[SINGLE])
    out.setdefault(HEAD, out[SINGLE])
    return out


def cents(amount: Decimal) -> Decimal:
    """Round to the cent, half up, never below zero (a tax, not a refund)."""
    return max(ZERO, amount).quantize(CENT, ROUND_HALF_UP)


def phase_down(amount: Decimal, income: Decimal, start: Decimal, step: Decimal, per_step: Decimal) -> Decimal:
    """Reduce ``amount`` by ``per_step`` for each ``step`` (or part of one) of ``income`` above ``start``."""
    if income <= start:
        return amount
    # "or fraction thereof": the number of steps rounds up (Decimal's // truncates toward zero).
    steps = ((income - start) / step).to_integral_value(ROUND_CEILING)
    return max(ZERO, amount - steps * per_step)
