"""Kansas, Kentucky, Louisiana, Maine, Maryland, Michigan and Minnesota: worked examples to the cent.

Every figure below was computed by hand from the module's sources (the arithmetic is in the comments)
and agrees with PolicyEngine-US 2.68.0's ``state_income_tax`` for the same household (one earner, no
dependents) within a cent.
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import JOINT, SEPARATE, SINGLE, StateIncome
from taxprofiles.rules.state_tax import state_income_tax

D = Decimal
_FEDERAL_STANDARD = {2023: (13_850, 27_700), 2024: (14_600, 29_200), 2025: (15_750, 31_500)}


def _income(year: int, status: str, wages: int, st: int = 0, lt: int = 0, qd: int = 0) -> StateIncome:
    """The figures the product passes: realized gains, the federal $3,000 ($1,500) loss limit in AGI."""
    net = D(st + lt)
    limit = D(1_500) if status == SEPARATE else D(3_000)
    capital = net if net >= 0 else max(net, -limit)
    agi = D(wages + qd) + capital
    standard = D(_FEDERAL_STANDARD[year][1 if status == JOINT else 0])
    return StateIncome(
        status=status,
        agi=agi,
        federal_taxable=max(D(0), agi - standard),
        ordinary=D(wages),
        qualified_dividends=D(qd),
        st_gains=D(st),
        lt_gains=D(lt),
        net_st=D(st),
        net_lt=D(lt),
        capital_income=capital,
        preferential_gain=max(D(0), min(D(lt), net)) if net > 0 else D(0),
        federal_standard_deduction=standard,
    )


# Kansas ------------------------------------------------------------------------------------------


def test_kansas_single_with_long_term_gain_2024() -> None:
    # AGI 90,000 + 20,000 = 110,000; less standard deduction 3,605 and exemption 9,160 = 97,235.
    # 23,000 x 5.2% = 1,196 + (97,235 - 23,000) x 5.58% = 4,142.313 -> 5,338.31
    assert state_income_tax(2024, "KS", _income(2024, SINGLE, 90_000, lt=20_000)) == D("5338.31")


def test_kansas_joint_with_capital_loss_2024() -> None:
    # AGI 150,000 - 3,000 (loss limit) = 147,000; less 8,240 + 18,320 = 120,440.
    # 46,000 x 5.2% = 2,392 + 74,440 x 5.58% = 4,153.752 -> 6,545.75
    assert state_income_tax(2024, "KS", _income(2024, JOINT, 150_000, st=-10_000)) == D("6545.75")


def test_kansas_2023_three_brackets() -> None:
    # Joint 2023: AGI 100,000 less 8,000 + 2 x 2,250 = 87,500.
    # 30,000 x 3.1% = 930 + 30,000 x 5.25% = 1,575 + 27,500 x 5.7% = 1,567.50 -> 4,072.50
    assert state_income_tax(2023, "KS", _income(2023, JOINT, 80_000, lt=20_000)) == D("4072.50")


def test_kansas_harvest_saves_the_top_rate() -> None:
    # A 20,000 long-term loss against a 30,000 gain: taxable income falls 20,000 at 5.58% = 1,116.
    before = state_income_tax(2024, "KS", _income(2024, SINGLE, 120_000, lt=30_000))
    after = state_income_tax(2024, "KS", _income(2024, SINGLE, 120_000, lt=10_000))
    assert (before, after) == (D("7570.31"), D("6454.31"))
    assert before - after == D("1116.00")


# Kentucky ----------------------------------------------------------------------------------------


def test_kentucky_single_with_long_term_gain_2024() -> None:
    # (110,000 - 3,160) x 4% = 4,273.60
    assert state_income_tax(2024, "KY", _income(2024, SINGLE, 90_000, lt=20_000)) == D("4273.60")


def test_kentucky_joint_with_capital_loss_2024() -> None:
    # One standard deduction on a joint return: (147,000 - 3,160) x 4% = 5,753.60
    assert state_income_tax(2024, "KY", _income(2024, JOINT, 150_000, st=-10_000)) == D("5753.60")


def test_kentucky_2023_rate() -> None:
    # (350,000 - 2,980) x 4.5% = 15,615.90
    assert state_income_tax(2023, "KY", _income(2023, SINGLE, 300_000, lt=50_000)) == D("15615.90")


def test_kentucky_loss_beyond_gains_is_limited_to_3000() -> None:
    # A 20,000 loss against a 5,000 gain: AGI 105,000 -> 97,000 (15,000 net loss, 3,000 allowed).
    # 8,000 x 4% = 320 (the other 12,000 carries forward).
    before = state_income_tax(2024, "KY", _income(2024, SINGLE, 100_000, st=5_000))
    after = state_income_tax(2024, "KY", _income(2024, SINGLE, 100_000, st=-15_000))
    assert (before, after) == (D("4073.60"), D("3753.60"))
    assert before - after == D("320.00")


# Louisiana ---------------------------------------------------------------------------------------


def test_louisiana_single_with_long_term_gain_2024() -> None:
    # 12,500 x 1.85% = 231.25 + 37,500 x 3.5% = 1,312.50 + 60,000 x 4.25% = 2,550 = 4,093.75,
    # less the exemption 4,500 x 1.85% = 83.25 -> 4,010.50
    assert state_income_tax(2024, "LA", _income(2024, SINGLE, 90_000, lt=20_000)) == D("4010.50")


def test_louisiana_joint_with_capital_loss_2024() -> None:
    # 25,000 x 1.85% = 462.50 + 75,000 x 3.5% = 2,625 + 47,000 x 4.25% = 1,997.50 = 5,085,
    # less 9,000 x 1.85% = 166.50 -> 4,918.50
    assert state_income_tax(2024, "LA", _income(2024, JOINT, 150_000, st=-10_000)) == D("4918.50")


def test_louisiana_flat_tax_2025_and_harvest() -> None:
    # 2025: 3% of AGI less the 25,000 joint standard deduction: (500,000 - 25,000) x 3% = 14,250.
    # A 40,000 harvested loss saves 40,000 x 3% = 1,200.
    before = state_income_tax(2025, "LA", _income(2025, JOINT, 400_000, lt=100_000))
    after = state_income_tax(2025, "LA", _income(2025, JOINT, 400_000, lt=60_000))
    assert (before, after) == (D("14250.00"), D("13050.00"))


# Maine -------------------------------------------------------------------------------------------


def test_maine_single_below_the_phase_outs_2024() -> None:
    # AGI 90,000 (below 97,150): 90,000 - 14,600 - 5,000 = 70,400.
    # 26,050 x 5.8% = 1,510.90 + 35,550 x 6.75% = 2,399.625 + 8,800 x 7.15% = 629.20 = 4,539.725 -> 4,539.73
    assert state_income_tax(2024, "ME", _income(2024, SINGLE, 70_000, lt=20_000)) == D("4539.73")


def test_maine_joint_with_capital_loss_2024() -> None:
    # 147,000 - 29,200 - 2 x 5,000 = 107,800: 52,100 x 5.8% = 3,021.80 + 55,700 x 6.75% = 3,759.75 -> 6,781.55
    assert state_income_tax(2024, "ME", _income(2024, JOINT, 150_000, st=-10_000)) == D("6781.55")


def test_maine_single_in_the_deduction_phase_out_2024() -> None:
    # AGI 110,000: the deduction keeps 1 - (110,000 - 97,150) / 75,000 of 14,600 = 12,098.5333.
    # 110,000 - 12,098.5333 - 5,000 = 92,901.4667: 1,510.90 + 2,399.625 + 31,301.4667 x 7.15% = 2,238.0548
    # = 6,148.5798 -> 6,148.58
    assert state_income_tax(2024, "ME", _income(2024, SINGLE, 90_000, lt=20_000)) == D("6148.58")


def test_maine_harvest_in_the_phase_out_saves_more_than_the_top_rate() -> None:
    # AGI 150,000 -> 130,000, both inside the deduction phase-out (97,150 to 172,150): each dollar of
    # loss also restores 14,600 / 75,000 of deduction, so 20,000 x 7.15% x (1 + 0.194667) = 1,708.37.
    before = state_income_tax(2024, "ME", _income(2024, SINGLE, 120_000, lt=30_000))
    after = state_income_tax(2024, "ME", _income(2024, SINGLE, 120_000, lt=10_000))
    assert (before, after) == (D("9565.33"), D("7856.95"))
    assert before - after == D("1708.38")  # 1,708.3733 with each year's tax rounded to the cent


# Maryland ----------------------------------------------------------------------------------------


def test_maryland_single_with_long_term_gain_2024() -> None:
    # Standard deduction 15% of 110,000 capped at 2,700; exemption 1,600 (AGI over 100,000, not over 125,000).
    # 110,000 - 2,700 - 1,600 = 105,700: 20 + 30 + 40 = 90 + 97,000 x 4.75% = 4,607.50 + 5,700 x 5% = 285
    # -> 4,982.50 (county tax not included)
    assert state_income_tax(2024, "MD", _income(2024, SINGLE, 90_000, lt=20_000)) == D("4982.50")


def test_maryland_joint_with_capital_loss_2024() -> None:
    # 147,000 - 5,450 (joint maximum) - 2 x 3,200 = 135,150: 90 + 132,150 x 4.75% = 6,277.125 -> 6,367.13
    assert state_income_tax(2024, "MD", _income(2024, JOINT, 150_000, st=-10_000)) == D("6367.13")


def test_maryland_capital_gains_surtax_2025_and_harvest() -> None:
    # Joint 2025, AGI 500,000 (> 350,000): 500,000 - 6,700 - 0 (no exemption above 200,000) = 493,300.
    # 90 + 147,000 x 4.75% = 6,982.50 + 1,250 + 2,625 + 4,125 + 193,300 x 5.75% = 11,114.75 = 26,187.25,
    # plus 2% of the 100,000 net capital gain = 2,000 -> 28,187.25.
    # A 40,000 harvested loss saves 40,000 x (5.75% + 2%) = 3,100.
    before = state_income_tax(2025, "MD", _income(2025, JOINT, 400_000, lt=100_000))
    after = state_income_tax(2025, "MD", _income(2025, JOINT, 400_000, lt=60_000))
    assert (before, after) == (D("28187.25"), D("25087.25"))


# Michigan ----------------------------------------------------------------------------------------


def test_michigan_single_with_long_term_gain_2024() -> None:
    # (110,000 - 5,600) x 4.25% = 4,437.00 (city income taxes not included)
    assert state_income_tax(2024, "MI", _income(2024, SINGLE, 90_000, lt=20_000)) == D("4437.00")


def test_michigan_joint_with_capital_loss_2024() -> None:
    # (147,000 - 2 x 5,600) x 4.25% = 135,800 x 4.25% = 5,771.50
    assert state_income_tax(2024, "MI", _income(2024, JOINT, 150_000, st=-10_000)) == D("5771.50")


def test_michigan_2023_reduced_rate() -> None:
    # (100,000 - 2 x 5,400) x 4.05% = 89,200 x 4.05% = 3,612.60
    assert state_income_tax(2023, "MI", _income(2023, JOINT, 80_000, lt=20_000)) == D("3612.60")


def test_michigan_loss_beyond_gains_is_limited_to_3000() -> None:
    # AGI 105,000 -> 97,000: 8,000 x 4.25% = 340.
    before = state_income_tax(2024, "MI", _income(2024, SINGLE, 100_000, st=5_000))
    after = state_income_tax(2024, "MI", _income(2024, SINGLE, 100_000, st=-15_000))
    assert (before, after) == (D("4224.50"), D("3884.50"))


# Minnesota ---------------------------------------------------------------------------------------


def test_minnesota_single_with_long_term_gain_2024() -> None:
    # 110,000 - 14,575 = 95,425: 31,690 x 5.35% = 1,695.415 + 63,735 x 6.8% = 4,333.98 = 6,029.395 -> 6,029.40
    assert state_income_tax(2024, "MN", _income(2024, SINGLE, 90_000, lt=20_000)) == D("6029.40")


def test_minnesota_joint_with_capital_loss_2024() -> None:
    # 147,000 - 29,150 = 117,850: 46,330 x 5.35% = 2,478.655 + 71,520 x 6.8% = 4,863.36 = 7,342.015 -> 7,342.02
    assert state_income_tax(2024, "MN", _income(2024, JOINT, 150_000, st=-10_000)) == D("7342.02")


def test_minnesota_standard_deduction_phase_out_2023() -> None:
    # AGI 350,000: reduction 3% x (304,970 - 220,650) = 2,529.60 + 10% x (350,000 - 304,970) = 4,503
    # = 7,032.60 (under 80% of 13,825): deduction 6,792.40, taxable 343,207.60.
    # 30,070 x 5.35% = 1,608.745 + 68,690 x 6.8% = 4,670.92 + 84,580 x 7.85% = 6,639.53
    # + 159,867.60 x 9.85% = 15,746.9586 = 28,666.1536 -> 28,666.15
    assert state_income_tax(2023, "MN", _income(2023, SINGLE, 300_000, lt=50_000)) == D("28666.15")


def test_minnesota_deduction_reduced_by_80_percent_2025() -> None:
    # AGI 1,520,000 (> 1,083,150): deduction 14,950 x 20% = 2,990; taxable 1,517,010.
    # 1,742.495 + 74,420 x 6.8% = 5,060.56 + 91,640 x 7.85% = 7,193.74 + 1,318,380 x 9.85% = 129,860.43
    # = 143,857.225 -> 143,857.23 (net investment income 320,000: no NIIT)
    income = _income(2025, SINGLE, 1_200_000, lt=300_000, qd=20_000)
    assert state_income_tax(2025, "MN", income) == D("143857.23")


def test_minnesota_net_investment_income_tax_and_harvest_2025() -> None:
    # AGI 1,350,000: taxable 1,347,010: 1,742.495 + 5,060.56 + 7,193.74 + 1,148,380 x 9.85% = 113,115.43
    # = 127,112.225, plus 1% of (1,150,000 - 1,000,000) net investment income = 1,500 -> 128,612.23.
    # A 100,000 harvested loss saves 100,000 x 9.85% = 9,850 plus 1% NIIT = 1,000: 10,850.
    before = state_income_tax(2025, "MN", _income(2025, SINGLE, 200_000, lt=1_100_000, qd=50_000))
    after = state_income_tax(2025, "MN", _income(2025, SINGLE, 200_000, lt=1_000_000, qd=50_000))
    assert before == D("128612.23")
    assert before - after == D("10850.00")
