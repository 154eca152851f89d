"""Schedule D netting and the capital loss carryover, against the IRS Capital Loss Carryover Worksheet.

``worksheet_carryover`` below is the worksheet from the Schedule D instructions written out line by
line (it has 13 lines), independent of ``taxprofiles.rules.capital``; the hand cases and a
hypothesis property compare the product with it.  Pub. 550: the carryover is the net loss less the
smaller of the allowed deduction and taxable income increased by that deduction, using a negative
taxable income when deductions exceed income; short-term loss is used first.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxprofiles.rules.capital import carryforward, net_capital
from taxprofiles.rules.federal import FilingStatus, federal_law
from taxprofiles.rules.federal_tax import Income, federal_tax

D = Decimal
ZERO = D(0)


def worksheet_carryover(
    taxable_income: Decimal, line7: Decimal, line15: Decimal, loss_deducted: Decimal
) -> tuple[Decimal, Decimal]:
    """Return (short-term, long-term) carryover by the Capital Loss Carryover Worksheet.

    ``taxable_income``: Form 1040 line 15, negative if deductions exceed income; ``line7``/``line15``:
    Schedule D lines 7 and 15 (net short- and long-term, carryovers included, losses negative);
    ``loss_deducted``: Schedule D line 21 as a positive amount.
    """
    line1 = taxable_income
    line2 = loss_deducted
    line3 = max(ZERO, line1 + line2)
    line4 = min(line2, line3)
    line5 = -line7 if line7 < 0 else ZERO
    line8 = ZERO
    if line7 < 0:
        line6 = max(ZERO, line15)
        line7_ws = line4 + line6
        line8 = max(ZERO, line5 - line7_ws)
    line13 = ZERO
    if line15 < 0:
        line9 = -line15
        line10 = max(ZERO, line7)
        line11 = max(ZERO, line4 - line5)
        line12 = line10 + line11
        line13 = max(ZERO, line9 - line12)
    return line8, line13


def schedule_d(
    st_gains: Decimal, lt_gains: Decimal, st_carry: Decimal, lt_carry: Decimal, limit: Decimal
) -> tuple[Decimal, Decimal, Decimal]:
    """Return Schedule D lines 7, 15 and 21 (the last as the positive deducted loss)."""
    line7 = st_gains - st_carry
    line15 = lt_gains - lt_carry
    line16 = line7 + line15
    line21 = min(-line16, limit) if line16 < 0 else ZERO
    return line7, line15, line21


def product_carryover(
    ordinary: int, st_gains: int, lt_gains: int, st_carry: int = 0, lt_carry: int = 0, status=FilingStatus.SINGLE
) -> tuple[Decimal, Decimal]:
    result = federal_tax(
        federal_law(2025, status), Income(D(ordinary), D(st_gains), D(lt_gains), D(st_carry), D(lt_carry))
    )
    return result.carryforward_st, result.carryforward_lt


@pytest.mark.parametrize(
    ("case", "ordinary", "st_gains", "lt_gains", "st_carry", "lt_carry", "expected"),
    [
        # Wages 60,000, single 2025 (standard deduction 15,750) unless noted.  Taxable = 60,000 - 3,000 - 15,750
        # = 41,250; line 3 = 44,250, line 4 = 3,000 used.
        ("ST loss only: 10,000 - 3,000", 60000, -10000, 0, 0, 0, (7000, 0)),
        ("LT loss only: line 11 = 3,000 - 0", 60000, 0, -10000, 0, 0, (0, 7000)),
        # ST loss 20,000 and LT gain 5,000: line 7 = 3,000 + 5,000; 20,000 - 8,000 = 12,000.
        ("ST loss with LT gain", 60000, -20000, 5000, 0, 0, (12000, 0)),
        # LT loss 20,000 and ST gain 5,000: line 12 = 5,000 + 3,000; 20,000 - 8,000 = 12,000.
        ("LT loss with ST gain", 60000, 5000, -20000, 0, 0, (0, 12000)),
        # Both losses: the 3,000 uses the 2,000 ST loss first, then 1,000 of the LT loss: 10,000 - 1,000.
        ("both losses, ST first", 60000, -2000, -10000, 0, 0, (0, 9000)),
        ("both losses, ST larger than the limit", 60000, -5000, -10000, 0, 0, (2000, 10000)),
        # Prior-year carryforwards keep their character.
        ("ST carryforward alone", 60000, 0, 0, 8000, 0, (5000, 0)),
        # LT carryforward 8,000 against a 2,000 ST gain: 8,000 - (2,000 + 3,000) = 3,000.
        ("LT carryforward with ST gain", 60000, 2000, 0, 0, 8000, (0, 3000)),
        ("LT carryforward absorbed by LT gain", 60000, 0, 5000, 0, 8000, (0, 0)),
        ("carryforwards of both characters", 60000, 0, 0, 4000, 6000, (1000, 6000)),
        ("net gain: nothing carried", 60000, -10000, 12000, 0, 0, (0, 0)),
        # Wages 17,000: taxable 14,000 - 15,750 = -1,750 (negative); line 3 = -1,750 + 3,000 = 1,250 used.
        ("negative taxable income uses less than 3,000", 17000, -10000, 0, 0, 0, (8750, 0)),
        # Wages 10,000: taxable -8,750; line 3 = max(0, -5,750) = 0: nothing used, all carried.
        ("deeply negative taxable income uses nothing", 10000, -10000, 0, 0, 0, (10000, 0)),
        ("no income: the LT loss is all carried", 0, 0, -4000, 0, 0, (0, 4000)),
    ],
)
def test_the_carryforward_follows_the_capital_loss_carryover_worksheet(
    case: str,
    ordinary: int,
    st_gains: int,
    lt_gains: int,
    st_carry: int,
    lt_carry: int,
    expected: tuple[int, int],
) -> None:
    law = federal_law(2025, FilingStatus.SINGLE)
    line7, line15, line21 = schedule_d(D(st_gains), D(lt_gains), D(st_carry), D(lt_carry), law.capital_loss_limit)
    taxable = D(ordinary) - line21 - law.standard_deduction
    assert worksheet_carryover(taxable, line7, line15, line21) == expected, "the reference disagrees with the hand case"
    assert product_carryover(ordinary, st_gains, lt_gains, st_carry, lt_carry) == expected


def test_married_filing_separately_carries_all_but_1500() -> None:
    # Wages 90,000: taxable 90,000 - 1,500 - 15,750 = 72,750; 1,500 used; 10,000 - 1,500 = 8,500.
    assert product_carryover(90000, -10000, 0, status=FilingStatus.MARRIED_SEPARATE) == (D(8500), ZERO)
    assert product_carryover(90000, 0, -10000, status=FilingStatus.MARRIED_SEPARATE) == (ZERO, D(8500))


def test_netting_reports_schedule_d_lines_and_the_allowed_loss() -> None:
    netting = net_capital(D(-20000), D(5000), D(1000), D(0), D(3000))
    assert (netting.net_st, netting.net_lt) == (D(-21000), D(5000))
    assert netting.capital_income == D(-3000)
    assert netting.loss_deducted == D(3000)
    assert netting.preferential_gain == 0


@pytest.mark.parametrize(
    ("st_gains", "lt_gains", "capital_income", "preferential"),
    [
        (10000, 20000, 30000, 20000),  # net capital gain = the LT gain
        (-5000, 20000, 15000, 15000),  # ST loss reduces the LT gain taxed at preferential rates
        (20000, -5000, 15000, 0),  # LT loss: the net gain is all short-term, ordinary
        (-30000, 20000, -3000, 0),  # net loss
        (0, 0, 0, 0),
    ],
)
def test_the_preferential_gain_is_the_smaller_of_lines_15_and_16(
    st_gains: int, lt_gains: int, capital_income: int, preferential: int
) -> None:
    netting = net_capital(D(st_gains), D(lt_gains), ZERO, ZERO, D(3000))
    assert netting.capital_income == D(capital_income)
    assert netting.preferential_gain == D(preferential)


money = st.integers(min_value=-30000000, max_value=30000000).map(lambda cents: D(cents) / 100)
carries = st.integers(min_value=0, max_value=20000000).map(lambda cents: D(cents) / 100)


@settings(max_examples=500, deadline=None)
@given(
    st_gains=money,
    lt_gains=money,
    st_carry=carries,
    lt_carry=carries,
    taxable_before_capital=st.integers(min_value=-50000, max_value=200000).map(D),
    limit=st.sampled_from([D(3000), D(1500)]),
)
def test_the_carryforward_matches_the_worksheet_for_any_inputs(
    st_gains: Decimal,
    lt_gains: Decimal,
    st_carry: Decimal,
    lt_carry: Decimal,
    taxable_before_capital: Decimal,
    limit: Decimal,
) -> None:
    line7, line15, line21 = schedule_d(st_gains, lt_gains, st_carry, lt_carry, limit)
    taxable = taxable_before_capital - line21  # may be negative
    expected = worksheet_carryover(taxable, line7, line15, line21)
    netting = net_capital(st_gains, lt_gains, st_carry, lt_carry, limit)
    assert netting.loss_deducted == line21
    assert carryforward(netting, taxable) == expected
    carry_st, carry_lt = expected
    if line21:
        # Nothing is lost or created: carried + used (worksheet line 4) = the net loss.
        used = min(line21, max(ZERO, taxable + line21))
        assert carry_st + carry_lt + used == -(line7 + line15)
        assert carry_st <= max(ZERO, -line7)
        assert carry_lt <= max(ZERO, -line15)


@settings(max_examples=300, deadline=None)
@given(
    status=st.sampled_from(list(FilingStatus)),
    year=st.sampled_from([2025, 2026]),
    ordinary=st.integers(min_value=0, max_value=150000),
    st_gains=st.integers(min_value=-300000, max_value=300000),
    lt_gains=st.integers(min_value=-300000, max_value=300000),
    st_carry=st.integers(min_value=0, max_value=100000),
    lt_carry=st.integers(min_value=0, max_value=100000),
)
def test_federal_tax_carries_forward_what_the_worksheet_says(
    status: FilingStatus, year: int, ordinary: int, st_gains: int, lt_gains: int, st_carry: int, lt_carry: int
) -> None:
    law = federal_law(year, status)
    line7, line15, line21 = schedule_d(D(st_gains), D(lt_gains), D(st_carry), D(lt_carry), law.capital_loss_limit)
    taxable = D(ordinary) - line21 - law.standard_deduction  # Form 1040 line 15, negative if need be
    result = federal_tax(law, Income(D(ordinary), D(st_gains), D(lt_gains), D(st_carry), D(lt_carry)))
    assert (result.carryforward_st, result.carryforward_lt) == worksheet_carryover(taxable, line7, line15, line21)
