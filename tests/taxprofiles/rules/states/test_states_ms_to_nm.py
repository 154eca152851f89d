"""Mississippi, Missouri, Montana, Nebraska, New Jersey and New Mexico: worked examples to the cent.

Each figure is computed by hand from the statute and form (the arithmetic is in the comment) and was
cross-checked with PolicyEngine-US 2.68.0's ``state_income_tax`` (within $5).
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.federal import FilingStatus, federal_law
from taxprofiles.rules.federal_tax import Income, federal_tax
from taxprofiles.rules.law.states.common import StateIncome
from taxprofiles.rules.state_tax import state_income_tax

D = Decimal
_STANDARD = {2022: (12_950, 25_900), 2023: (13_850, 27_700), 2024: (14_600, 29_200), 2025: (15_750, 31_500)}


def income(year: int, status: str, wages: int, st: int = 0, lt: int = 0, qd: int = 0) -> StateIncome:
    """The StateIncome the product builds: federal AGI, taxable income and income tax from the federal engine."""
    fed = federal_tax(
        federal_law(year, FilingStatus(status)),
        Income(ordinary=D(wages), st_gains=D(st), lt_gains=D(lt), qualified_dividends=D(qd)),
    )
    net = D(st + lt)
    limit = D(1_500) if status == "married_separate" else D(3_000)
    capital = net if net >= 0 else max(net, -limit)
    standard = D(_STANDARD[year][1] if status == "married_joint" else _STANDARD[year][0])
    agi = D(wages + qd) + capital
    assert agi == fed.agi
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
        preferential_gain=max(D(0), min(D(lt), net)),
        federal_income_tax=fed.income_tax + fed.amt,
        federal_standard_deduction=standard,
    )


# New Jersey ------------------------------------------------------------------------------------


def test_nj_single_wages_and_long_term_gain_2024() -> None:
    # Gross income 90,000 + 20,000 = 110,000; less the $1,000 exemption: 109,000.
    # 20,000 x 1.4% = 280 + 15,000 x 1.75% = 262.50 + 5,000 x 3.5% = 175 + 35,000 x 5.525% = 1,933.75
    # + (109,000 - 75,000) x 6.37% = 2,165.80: 4,817.05.
    assert state_income_tax(2024, "NJ", income(2024, "single", 90_000, lt=20_000)) == D("4817.05")


def test_nj_joint_net_capital_loss_counts_as_zero_2023() -> None:
    # Net gains -30,000 + 10,000 = -20,000: the category is zero and does not offset wages.
    # 200,000 - 2,000 exemptions = 198,000: 20,000 x 1.4% = 280 + 30,000 x 1.75% = 525 + 20,000 x 2.45% = 490
    # + 10,000 x 3.5% = 350 + 70,000 x 5.525% = 3,867.50 + 48,000 x 6.37% = 3,057.60: 8,570.10.
    assert state_income_tax(2023, "NJ", income(2023, "married_joint", 200_000, st=-30_000, lt=10_000)) == D("8570.10")


def test_nj_harvested_loss_saves_only_up_to_the_years_gains() -> None:
    # Single, 2025, wages 150,000 and a 30,000 long-term gain: taxable 179,000, at 6.37%.
    before = state_income_tax(2025, "NJ", income(2025, "single", 150_000, lt=30_000))
    # A 50,000 harvested loss wipes out the 30,000 gain (30,000 x 6.37% = 1,911.00) ...
    after = state_income_tax(2025, "NJ", income(2025, "single", 150_000, lt=30_000, st=-50_000))
    assert before - after == D("1911.00")
    # ... and the 20,000 beyond the gain saves nothing: no offset against wages, no carryforward.
    just_enough = state_income_tax(2025, "NJ", income(2025, "single", 150_000, lt=30_000, st=-30_000))
    assert just_enough == after


# Missouri --------------------------------------------------------------------------------------


def test_mo_single_with_federal_tax_deduction_2024() -> None:
    # AGI 110,000. Federal tax: taxable 95,400 = ordinary 75,400 + 20,000 gain at 15% (3,000); the
    # ordinary tax from the Tax Table (row 75,400-75,450, at 75,425): 1,160 + 35,550 x 12% = 4,266
    # + 28,275 x 22% = 6,220.50: 11,647 (rounded) + 3,000 = 14,647.
    # Missouri AGI 110,000 is from 100,000 to 125,000: 5% of 14,647 = 732.35 is deductible.
    # Taxable 110,000 - 14,600 - 732.35 = 94,667.65. Tax: 1,273 x (2 + 2.5 + 3 + 3.5 + 4 + 4.5)% = 248.235
    # + (94,667.65 - 8,911) x 4.8% = 4,116.3192: 4,364.5542.
    mo = income(2024, "single", 90_000, lt=20_000)
    assert mo.federal_income_tax == D(14_647)
    assert state_income_tax(2024, "MO", mo) == D("4364.55")


def test_mo_joint_capital_gain_subtraction_2025() -> None:
    # AGI 170,000; HB 594 subtracts the 50,000 gain: Missouri AGI 120,000 (5% federal tax share).
    # Federal tax: taxable 138,500 = ordinary 88,500 (Tax Table at 88,525: 2,385 + 64,675 x 12% = 10,146)
    # + 50,000 gain (8,200 at 0% up to 96,700, 41,800 x 15% = 6,270): 16,416; 5% = 820.80.
    # Taxable 120,000 - 31,500 - 820.80 = 87,679.20. Tax: 1,313 x 19.5% = 256.035
    # + (87,679.20 - 9,191) x 4.7% = 3,688.9454: 3,944.9804.
    mo = income(2025, "married_joint", 120_000, lt=50_000)
    assert mo.federal_income_tax == D(16_416)
    assert state_income_tax(2025, "MO", mo) == D("3944.98")


def test_mo_harvested_loss_from_2025_saves_only_a_net_loss() -> None:
    # Single, wages 200,000 (no federal tax deduction at Missouri AGI of 125,000 or more), 30,000 gain.
    before = state_income_tax(2025, "MO", income(2025, "single", 200_000, lt=30_000))
    # From 2025 the gain is subtracted anyway: a 20,000 loss that leaves a 10,000 gain saves nothing ...
    partial = state_income_tax(2025, "MO", income(2025, "single", 200_000, lt=30_000, st=-20_000))
    assert partial == before
    # ... a 50,000 loss leaves a 20,000 net loss, of which 3,000 reduces AGI: 3,000 x 4.7% = 141.00.
    full = state_income_tax(2025, "MO", income(2025, "single", 200_000, lt=30_000, st=-50_000))
    assert before - full == D("141.00")
    # In 2024 the gain is taxed: the 20,000 loss saves 20,000 x 4.8% = 960.00.
    saved_2024 = state_income_tax(2024, "MO", income(2024, "single", 200_000, lt=30_000)) - state_income_tax(
        2024, "MO", income(2024, "single", 200_000, lt=30_000, st=-20_000)
    )
    assert saved_2024 == D("960.00")


# Montana ---------------------------------------------------------------------------------------


def test_mt_single_capital_gain_rates_2024() -> None:
    # Federal taxable 110,000 - 14,600 = 95,400; net long-term gain 20,000; ordinary 75,400.
    # 20,500 x 4.7% = 963.50 + 54,900 x 5.9% = 3,239.10; the gain is above the 20,500 threshold: x 4.1% = 820.
    assert state_income_tax(2024, "MT", income(2024, "single", 90_000, lt=20_000)) == D("5022.60")


def test_mt_joint_old_system_with_capital_loss_2023() -> None:
    # AGI 100,000 - 3,000 = 97,000; standard deduction 20% capped at 11,080 (federal tax 7,876 is less);
    # exemptions 2 x 2,960. Taxable 97,000 - 11,080 - 5,920 = 80,000.
    # 36 + 54 + 102 + 132 + 190 + 288 + (80,000 - 21,600) x 6.75% = 3,942: 4,744.00; no capital gain credit.
    assert state_income_tax(2023, "MT", income(2023, "married_joint", 100_000, st=-10_000)) == D("4744.00")


def test_mt_old_system_capital_gain_credit_2022() -> None:
    # Single, wages 60,000 and a 10,000 gain: AGI 70,000 - 5,090 - 2,710 = 62,200.
    # 33 + 50 + 93 + 124 + 170 + 264 + (62,200 - 19,800) x 6.75% = 2,862: 3,596; less 2% x 10,000 = 200.
    assert state_income_tax(2022, "MT", income(2022, "single", 60_000, lt=10_000)) == D("3396.00")


def test_mt_harvested_loss_saves_the_capital_gain_rate_then_the_ordinary_rate() -> None:
    # Single 2025, wages 150,000, 40,000 long-term gain: ordinary 134,250 above the 21,100 threshold.
    before = state_income_tax(2025, "MT", income(2025, "single", 150_000, lt=40_000))
    # 991.70 + (134,250 - 21,100) x 5.9% = 6,675.85, + 40,000 x 4.1% = 1,640: 9,307.55.
    assert before == D("9307.55")
    # A 10,000 loss takes 10,000 off the gain: 410.00.
    ten = state_income_tax(2025, "MT", income(2025, "single", 150_000, lt=40_000, st=-10_000))
    assert before - ten == D("410.00")
    # A 50,000 loss: the gain is gone (1,640) and 3,000 comes off ordinary income (177): 1,817.00.
    fifty = state_income_tax(2025, "MT", income(2025, "single", 150_000, lt=40_000, st=-50_000))
    assert before - fifty == D("1817.00")


# Nebraska --------------------------------------------------------------------------------------


def test_ne_single_2024() -> None:
    # Taxable 110,000 - 8,350 = 101,650: 3,900 x 2.46% = 95.94 + 19,470 x 3.51% = 683.397
    # + 14,300 x 5.01% = 716.43 + 63,980 x 5.84% = 3,736.432: 5,232.199, less the 166 exemption credit.
    assert state_income_tax(2024, "NE", income(2024, "single", 90_000, lt=20_000)) == D("5066.20")


def test_ne_limited_to_federal_tax_2025() -> None:
    # Joint, wages 40,000 and a 50,000 long-term gain: Nebraska tax on 90,000 - 17,200 = 72,800 is
    # 197.784 + 1,411.371 + 1,229.955 = 2,839.11, less 2 x 171 = 2,497.11; but the federal tax is only
    # 853 (8,500 ordinary: Tax Table at 8,525 x 10%; the gain at 0%), and Nebraska tax cannot exceed it.
    ne = income(2025, "married_joint", 40_000, lt=50_000)
    assert ne.federal_income_tax == D(853)
    assert state_income_tax(2025, "NE", ne) == D("853.00")


def test_ne_harvested_loss_saves_the_top_rate_on_gains_and_3000() -> None:
    # Single 2025, wages 200,000 and a 10,000 short-term gain; a 40,000 harvested loss leaves a
    # 30,000 net loss, 3,000 deductible: 13,000 x 5.2% = 676.00.
    before = state_income_tax(2025, "NE", income(2025, "single", 200_000, st=10_000))
    after = state_income_tax(2025, "NE", income(2025, "single", 200_000, st=10_000, lt=-40_000))
    assert before - after == D("676.00")


# New Mexico ------------------------------------------------------------------------------------


def test_nm_single_capital_gains_deduction_2024() -> None:
    # AGI 110,000 - 14,600 - 40% x 20,000 = 8,000: 87,400. 93.50 + 176 + 235 + 50,500 x 4.9% = 2,474.50
    # + 20,900 x 4.9% = 1,024.10: 4,003.10.
    assert state_income_tax(2024, "NM", income(2024, "single", 90_000, lt=20_000)) == D("4003.10")


def test_nm_joint_low_and_middle_income_exemption_2023() -> None:
    # AGI 45,000 - 2,000 = 43,000; exemption (2,500 - 13,000 x 10%) x 2 = 2,400; no net capital gain.
    # Taxable 43,000 - 27,700 - 2,400 = 12,900: 8,000 x 1.7% = 136 + 4,900 x 3.2% = 156.80.
    assert state_income_tax(2023, "NM", income(2023, "married_joint", 45_000, lt=-2_000)) == D("292.80")


def test_nm_joint_2025_rates_and_capped_deduction() -> None:
    # AGI 60,000 (no exemption above 55,000); the gain deduction is 2,500 from 2025.
    # Taxable 60,000 - 31,500 - 2,500 = 26,000: 8,000 x 1.5% = 120 + 17,000 x 3.2% = 544 + 1,000 x 4.3% = 43.
    assert state_income_tax(2025, "NM", income(2025, "married_joint", 50_000, lt=10_000)) == D("707.00")


def test_nm_harvested_loss_saves_net_of_the_deduction() -> None:
    # Single, wages 150,000 and a 50,000 long-term gain; a 20,000 long-term loss.
    # 2024: 40% of the gain is deducted, so only 60% of the loss counts: 12,000 x 4.9% = 588.00.
    saved_2024 = state_income_tax(2024, "NM", income(2024, "single", 150_000, lt=50_000)) - state_income_tax(
        2024, "NM", income(2024, "single", 150_000, lt=30_000)
    )
    assert saved_2024 == D("588.00")
    # 2025: the deduction is a flat 2,500, so the whole loss counts: 20,000 x 4.9% = 980.00.
    saved_2025 = state_income_tax(2025, "NM", income(2025, "single", 150_000, lt=50_000)) - state_income_tax(
        2025, "NM", income(2025, "single", 150_000, lt=30_000)
    )
    assert saved_2025 == D("980.00")


# Mississippi -----------------------------------------------------------------------------------


def test_ms_single_2024() -> None:
    # 110,000 - 2,300 - 6,000 = 101,700; (101,700 - 10,000) x 4.7% = 4,309.90.
    assert state_income_tax(2024, "MS", income(2024, "single", 90_000, lt=20_000)) == D("4309.90")


def test_ms_joint_capital_loss_2025() -> None:
    # 150,000 - 3,000 = 147,000 - 4,600 - 12,000 = 130,400; 120,400 x 4.4% = 5,297.60.
    assert state_income_tax(2025, "MS", income(2025, "married_joint", 150_000, st=-40_000)) == D("5297.60")


def test_ms_harvested_loss_saves_the_flat_rate_on_gains_and_3000() -> None:
    # Single 2025, wages 120,000 and a 20,000 gain; a 30,000 loss: AGI falls 23,000 x 4.4% = 1,012.00.
    before = state_income_tax(2025, "MS", income(2025, "single", 120_000, lt=20_000))
    after = state_income_tax(2025, "MS", income(2025, "single", 120_000, lt=20_000, st=-30_000))
    assert before - after == D("1012.00")
