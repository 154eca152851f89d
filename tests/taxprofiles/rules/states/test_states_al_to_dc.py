"""Alabama, Arizona, Arkansas, Colorado, Connecticut, Delaware and DC: worked examples to the cent.

Each figure is computed by hand from the statute and the state's form (the arithmetic is in the comment)
and was cross-checked with PolicyEngine-US 2.68.0 to the cent, except where the module's docstring names
a difference: Alabama (PolicyEngine itemizes the payroll tax: 5% of 7.65% of wages less the standard
deduction lower) and DC's harvest (PolicyEngine itemizes federally after the harvest and drops DC's
standard deduction).
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import StateIncome
from taxprofiles.rules.state_tax import state_income_tax

D = Decimal
FEDERAL_STANDARD = {
    2022: {"single": 12950, "married_joint": 25900},
    2023: {"single": 13850, "married_joint": 27700},
    2024: {"single": 14600, "married_joint": 29200},
    2025: {"single": 15750, "married_joint": 31500},
}


def income(year: int, status: str, wages: int, st: int = 0, lt: int = 0, federal_tax: int = 0) -> StateIncome:
    """The federal figures of a return with wages and this year's gains (no carryforwards)."""
    net = st + lt
    capital = net if net >= 0 else max(net, -3000)
    agi = wages + capital
    standard = FEDERAL_STANDARD[year][status]
    return StateIncome(
        status=status,
        agi=D(agi),
        federal_taxable=D(max(0, agi - standard)),
        ordinary=D(wages),
        st_gains=D(st),
        lt_gains=D(lt),
        net_st=D(st),
        net_lt=D(lt),
        capital_income=D(capital),
        preferential_gain=D(max(0, min(lt, net))),
        federal_income_tax=D(federal_tax),
        federal_standard_deduction=D(standard),
    )


def tax(year: int, state: str, **kwargs: int | str) -> Decimal:
    return state_income_tax(year, state, income(year, **kwargs))  # type: ignore[arg-type]


# Alabama


def test_alabama_deducts_the_federal_income_tax() -> None:
    # AGI 110,000; standard deduction 2,500 (the least: 3,000 - 25 x 169 steps); federal tax 14,641
    # (11,641 on 75,400 of ordinary income + 15% of 20,000);
    # exemption 1,500: taxable 91,359. Tax 2% x 500 + 4% x 2,500 + 5% x 88,359 = 10 + 100 + 4,417.95.
    assert tax(2024, "AL", status="single", wages=90000, lt=20000, federal_tax=14641) == D("4527.95")


def test_alabama_deducts_a_capital_loss_in_full() -> None:
    # Federal AGI 147,000 (3,000 loss), federal tax on 117,800: 16,022. Alabama AGI 150,000 - 20,000 =
    # 130,000; standard deduction 5,000; exemption 3,000: taxable 105,978.
    # Tax 2% x 1,000 + 4% x 5,000 + 5% x 99,978 = 20 + 200 + 4,998.90.
    assert tax(2024, "AL", status="married_joint", wages=150000, st=-20000, federal_tax=16022) == D("5218.90")


def test_alabama_a_harvested_loss_beyond_gains_saves_five_percent_of_all_of_it() -> None:
    # No gains: the 10,000 loss comes off Alabama AGI in full; the federal tax falls by 22% x 3,000 = 660
    # (13,841 -> 13,181), which Alabama then deducts 660 less: 5% x (10,000 - 660) = 467.
    before = tax(2024, "AL", status="single", wages=100000, federal_tax=13841)
    after = tax(2024, "AL", status="single", wages=100000, st=-10000, federal_tax=13181)
    assert before - after == D("467.00")


# Arizona


def test_arizona_subtracts_a_quarter_of_the_long_term_gain() -> None:
    # AGI 110,000 - 25% x 20,000 = 105,000; standard deduction 14,600: 90,400 x 2.5%.
    assert tax(2024, "AZ", status="single", wages=90000, lt=20000) == D("2260.00")


def test_arizona_2022_brackets_with_a_capital_loss() -> None:
    # AGI 117,000 (3,000 loss); standard deduction 25,900: 91,100.
    # 2.55% x 57,305 + 2.98% x 33,795 = 1,461.2775 + 1,007.091 = 2,468.3685.
    assert tax(2022, "AZ", status="married_joint", wages=120000, lt=-10000) == D("2468.37")


def test_arizona_a_harvested_long_term_loss_saves_on_three_quarters_of_it() -> None:
    # 10,000 less long-term gain: AZ AGI falls by 75% x 10,000 = 7,500; x 2.5%.
    before = tax(2025, "AZ", status="single", wages=100000, lt=50000)
    after = tax(2025, "AZ", status="single", wages=100000, lt=40000)
    assert before - after == D("187.50")


# Arkansas


def test_arkansas_exempts_half_the_net_capital_gain_and_uses_the_tax_table() -> None:
    # AGI 110,000 - 50% x 20,000 = 100,000; standard deduction 2,410: net income 97,590. Tax table row
    # 97,501-97,600, middle 97,550.5: 3.9% x 97,550.5 - 87.40 = 3,717.07, rounded 3,717; personal credit 29.
    assert tax(2024, "AR", status="single", wages=90000, lt=20000) == D("3688.00")


def test_arkansas_joint_return_with_a_capital_loss() -> None:
    # AGI 147,000; standard deduction 2 x 2,470: net income 142,060 (above the table):
    # 3.9% x 142,060 - 91.00 = 5,449.34; two personal credits 58.
    assert tax(2025, "AR", status="married_joint", wages=150000, st=-20000) == D("5391.34")


def test_arkansas_a_harvested_long_term_loss_saves_on_half_of_it() -> None:
    # 10,000 less long-term gain: 5,000 less net income, x 3.9% = 195 (net income 222,530 -> 217,530).
    before = tax(2025, "AR", status="single", wages=200000, lt=50000)
    after = tax(2025, "AR", status="single", wages=200000, lt=40000)
    assert before - after == D("195.00")


# Colorado


def test_colorado_taxes_federal_taxable_income() -> None:
    # Federal taxable income 110,000 - 14,600 = 95,400 x 4.25% (2024).
    assert tax(2024, "CO", status="single", wages=90000, lt=20000) == D("4054.50")


def test_colorado_adds_back_federal_deductions_above_300000_of_agi() -> None:
    # AGI 403,000 - 3,000 = 400,000; federal taxable 372,300; addition 27,700 - 16,000 = 11,700:
    # 384,000 x 4.4%.
    assert tax(2023, "CO", status="married_joint", wages=403000, st=-10000) == D("16896.00")


def test_colorado_a_harvested_loss_beyond_gains_saves_the_3000_deduction() -> None:
    before = tax(2025, "CO", status="single", wages=100000)
    after = tax(2025, "CO", status="single", wages=100000, st=-10000)
    assert before - after == D("132.00")  # 3,000 x 4.4%


# Connecticut


def test_connecticut_phases_out_the_2_percent_rate_and_recaptures_the_45_percent_one() -> None:
    # AGI 110,000: no exemption (above 44,000). 2% x 10,000 + 4.5% x 40,000 + 5.5% x 50,000 + 6% x 10,000
    # = 200 + 1,800 + 2,750 + 600 = 5,350; Table C: 11 steps of 5,000 above 56,500 x 25 = 275, at most 250;
    # low recapture: 1 step above 105,000 x 25 = 25; personal credit 0% above 64,500: 5,625.
    assert tax(2024, "CT", status="single", wages=90000, lt=20000) == D("5625.00")


def test_connecticut_exemption_and_personal_credit_with_a_capital_loss() -> None:
    # AGI 57,000; exemption 24,000 - 9 x 1,000 = 15,000; taxable 42,000: 3% x 20,000 + 5% x 22,000 = 1,700;
    # personal credit 10% (AGI above 52,000 up to 96,000): 1,700 x 0.9.
    assert tax(2022, "CT", status="married_joint", wages=60000, st=-10000) == D("1530.00")


def test_connecticut_a_harvested_loss_also_undoes_recapture_steps() -> None:
    # AGI 212,000 -> 202,000. The 6.5% bracket above 200,000: 12,000 -> 2,000 (650 saved); the recapture of
    # $90 per 5,000 (or part) above 200,000: 3 steps -> 1 step (180 saved).
    before = tax(2024, "CT", status="single", wages=200000, st=12000)
    after = tax(2024, "CT", status="single", wages=200000, st=2000)
    assert before - after == D("830.00")


# Delaware


def test_delaware_brackets_and_personal_credit() -> None:
    # 110,000 - 3,250 = 106,750: 2.2% x 3,000 + 3.9% x 5,000 + 4.8% x 10,000 + 5.2% x 5,000
    # + 5.55% x 35,000 + 6.6% x 46,750 = 66 + 195 + 480 + 260 + 1,942.50 + 3,085.50 = 6,029; credit 110.
    assert tax(2024, "DE", status="single", wages=90000, lt=20000) == D("5919.00")


def test_delaware_joint_return_with_a_capital_loss() -> None:
    # 77,000 - 6,500 = 70,500: 2,943.50 up to 60,000 + 6.6% x 10,500 = 693; two credits 220.
    assert tax(2023, "DE", status="married_joint", wages=80000, lt=-20000) == D("3416.50")


def test_delaware_a_harvested_loss_beyond_gains_saves_the_3000_deduction() -> None:
    before = tax(2024, "DE", status="single", wages=100000)
    after = tax(2024, "DE", status="single", wages=100000, lt=-10000)
    assert before - after == D("198.00")  # 3,000 x 6.6%


# District of Columbia


def test_dc_brackets_and_standard_deduction() -> None:
    # 110,000 - 14,600 = 95,400: 4% x 10,000 + 6% x 30,000 + 6.5% x 20,000 + 8.5% x 35,400
    # = 400 + 1,800 + 1,300 + 3,009.
    assert tax(2024, "DC", status="single", wages=90000, lt=20000) == D("6509.00")


def test_dc_2025_standard_deduction_with_a_capital_loss() -> None:
    # 297,000 - 30,000 (DC's 2025 amount) = 267,000: 3,500 to 60,000 + 8.5% x 190,000 + 9.25% x 17,000
    # = 3,500 + 16,150 + 1,572.50.
    assert tax(2025, "DC", status="married_joint", wages=300000, st=-5000) == D("21222.50")


def test_dc_a_harvested_gain_offset_saves_at_the_marginal_rate() -> None:
    # Taxable 585,000 -> 565,000, all in the 9.75% bracket: 20,000 x 9.75%.
    before = tax(2025, "DC", status="single", wages=500000, lt=100000)
    after = tax(2025, "DC", status="single", wages=500000, lt=80000)
    assert before - after == D("1950.00")
