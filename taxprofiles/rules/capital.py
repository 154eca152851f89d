"""Capital gain netting (Schedule D) and the capital loss carryover (IRS Capital Loss Carryover Worksheet).

Amounts are Decimal dollars. Gains are positive and losses negative; carryforwards are the positive
size of a loss carried in from earlier years, keeping its character.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Netting:
    """Schedule D's result for one year.

    ``net_st``/``net_lt``: lines 7 and 15 (this year's gains and losses less carryforwards);
    ``capital_income``: what enters AGI (a net gain, or minus the allowed loss);
    ``preferential_gain``: the net capital gain taxed at long-term rates (min of lines 15 and 16).
    """

    net_st: Decimal
    net_lt: Decimal
    capital_income: Decimal
    preferential_gain: Decimal
    loss_deducted: Decimal


def net_capital(
    st_gains: Decimal, lt_gains: Decimal, st_carryforward: Decimal, lt_carryforward: Decimal, loss_limit: Decimal
) -> Netting:
    """Net short-term with short-term and long-term with long-term, then across; apply the loss limit."""
    net_st = st_gains - st_carryforward
    net_lt = lt_gains - lt_carryforward
    combined = net_st + net_lt
    if combined >= ZERO:
        preferential = min(net_lt, combined) if net_lt > ZERO else ZERO
        return Netting(net_st, net_lt, combined, preferential, ZERO)
    deducted = min(-combined, loss_limit)
    return Netting(net_st, net_lt, -deducted, ZERO, deducted)


def carryforward(netting: Netting, taxable_income: Decimal) -> tuple[Decimal, Decimal]:
    """Return the (short-term, long-term) loss carried to next year.

    Follows the Capital Loss Carryover Worksheet: the deduction counts as used only up to the
    taxable income it could reduce (line 5); it uses short-term loss first.
    ``taxable_income`` is Form 1040's taxable income figured with the deduction (may be negative).
    """
    if netting.loss_deducted == ZERO:
        return ZERO, ZERO
    line4 = max(ZERO, taxable_income + netting.loss_deducted)
    line5 = min(netting.loss_deducted, line4)
    st_loss = -netting.net_st if netting.net_st < ZERO else ZERO
    lt_loss = -netting.net_lt if netting.net_lt < ZERO else ZERO
    st_gain = netting.net_st if netting.net_st > ZERO else ZERO
    lt_gain = netting.net_lt if netting.net_lt > ZERO else ZERO
    st_carry = max(ZERO, st_loss - (line5 + lt_gain)) if st_loss else ZERO
    lt_carry = max(ZERO, lt_loss - (st_gain + max(ZERO, line5 - st_loss))) if lt_loss else ZERO
    return st_carry, lt_carry
