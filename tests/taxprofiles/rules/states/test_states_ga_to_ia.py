"""Georgia, Hawaii, Idaho, Illinois, Indiana and Iowa: worked examples to the cent.

Each figure is computed by hand from the statute and form (the arithmetic is in the comment) and was
cross-checked with PolicyEngine-US 2.68.0's ``state_income_tax`` (within $5).
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import StateIncome
from taxprofiles.rules.state_tax import state_income_tax, state_notes

D = Decimal
_STANDARD = {2023: (13_850, 27_700), 2024: (14_600, 29_200), 2025: (15_750, 31_500)}


def income(year: int, status: str, wages: int, st: int = 0, lt: int = 0) -> StateIncome:
    """The StateIncome the product builds for wages and this year's realized gains (no carryforwards)."""
    net = D(st + lt)
    limit = D(1_500) if status == "married_separate" else D(3_000)
    capital = net if net >= 0 else max(net, -limit)
    standard = D(_STANDARD[year][1] if status == "married_joint" else _STANDARD[year][0])
    agi = D(wages) + capital
    return StateIncome(
        status=status,
        agi=agi,
        federal_taxable=max(D(0), agi - standard),
        ordinary=D(wages),
        st_gains=D(st),
        lt_gains=D(lt),
        net_st=D(st),
        net_lt=D(lt),
        capital_income=capital,
        preferential_gain=max(D(0), min(D(lt), net)),
        federal_standard_deduction=standard,
    )


def saving(year: int, state: str, before: StateIncome, after: StateIncome) -> Decimal:
    return state_income_tax(year, state, before) - state_income_tax(year, state, after)


# Georgia -----------------------------------------------------------------------------------------


def test_ga_single_wages_and_long_term_gain_2024() -> None:
    # AGI 90,000 + 20,000 = 110,000; less the 12,000 standard deduction: 98,000 x 5.39% = 5,282.20.
    assert state_income_tax(2024, "GA", income(2024, "single", 90_000, lt=20_000)) == D("5282.20")


def test_ga_joint_capital_loss_2023_graduated() -> None:
    # AGI 150,000 - 3,000 (loss limit) = 147,000; less 7,100 standard and 7,400 exemption: 132,500.
    # 1,000 x 1% = 10 + 2,000 x 2% = 40 + 2,000 x 3% = 60 + 2,000 x 4% = 80 + 3,000 x 5% = 150
    # + (132,500 - 10,000) x 5.75% = 7,043.75: 7,383.75.
    assert state_income_tax(2023, "GA", income(2023, "married_joint", 150_000, st=-10_000)) == D("7383.75")


def test_ga_harvest_saves_the_flat_rate_2025() -> None:
    # A 10,000 long-term loss against a 30,000 gain lowers AGI by 10,000: 10,000 x 5.19% = 519.00.
    before = income(2025, "single", 200_000, lt=30_000)
    after = income(2025, "single", 200_000, lt=20_000)
    assert state_income_tax(2025, "GA", before) == D("11314.20")  # (230,000 - 12,000) x 5.19%
    assert saving(2025, "GA", before, after) == D("519.00")


# Hawaii ------------------------------------------------------------------------------------------


def test_hi_single_long_term_gain_capped_at_7_25_percent_2024() -> None:
    # Taxable 110,000 - 4,400 standard - 1,144 exemption = 104,456. Regular schedule: tax on 48,000 is
    # 33.60 + 76.80 + 264 + 307.20 + 326.40 + 345.60 + 912 + 948 = 3,213.60, + 56,456 x 8.25% = 4,657.62:
    # 7,871.22. Capital gains worksheet: 84,456 on the schedule (3,213.60 + 36,456 x 8.25% = 6,221.22)
    # + 20,000 x 7.25% = 1,450: 7,671.22, the lower.
    assert state_income_tax(2024, "HI", income(2024, "single", 90_000, lt=20_000)) == D("7671.22")


def test_hi_joint_capital_loss_2025_brackets() -> None:
    # AGI 250,000 - 3,000 = 247,000 (above the $200,000 limit for deducting state income tax, so the
    # standard deduction is the rule): 247,000 - 8,800 standard - 2 x 1,144 = 235,912. Tax on 96,000
    # (Act 46 joint brackets): 268.80 + 307.20 + 528 + 614.40 + 1,632 + 1,728 = 5,078.40,
    # + 139,912 x 7.6% = 10,633.312: 15,711.71.
    assert state_income_tax(2025, "HI", income(2025, "married_joint", 250_000, st=-10_000)) == D("15711.71")


def test_hi_harvested_long_term_loss_saves_7_25_percent() -> None:
    # The gain stays taxed at the 7.25% cap: a 20,000 loss saves 20,000 x 7.25% = 1,450.00, not 11%.
    before = income(2025, "single", 300_000, lt=100_000)
    after = income(2025, "single", 300_000, lt=80_000)
    assert saving(2025, "HI", before, after) == D("1450.00")


# Idaho -------------------------------------------------------------------------------------------


def test_id_single_wages_and_long_term_gain_2024() -> None:
    # Taxable 110,000 - 14,600 = 95,400; (95,400 - 4,673) x 5.695% = 5,166.90; + 10 building fund
    # - 120 grocery credit: 5,056.90.
    assert state_income_tax(2024, "ID", income(2024, "single", 90_000, lt=20_000)) == D("5056.90")


def test_id_joint_capital_loss_2025() -> None:
    # Taxable 147,000 - 31,500 = 115,500; (115,500 - 9,622) x 5.3% = 5,611.534; + 10 - 2 x 155: 5,311.53.
    assert state_income_tax(2025, "ID", income(2025, "married_joint", 150_000, st=-10_000)) == D("5311.53")


def test_id_harvest_saves_the_flat_rate_2023() -> None:
    before = income(2023, "single", 90_000, lt=30_000)
    after = income(2023, "single", 90_000, lt=20_000)
    assert saving(2023, "ID", before, after) == D("580.00")  # 10,000 x 5.8%


# Illinois ----------------------------------------------------------------------------------------


def test_il_single_wages_and_long_term_gain_2024() -> None:
    # (110,000 - 2,775 exemption) x 4.95% = 5,307.6375: 5,307.64.
    assert state_income_tax(2024, "IL", income(2024, "single", 90_000, lt=20_000)) == D("5307.64")


def test_il_joint_above_the_exemption_limit_2025() -> None:
    # AGI 510,000 exceeds 500,000: no exemption. 510,000 x 4.95% = 25,245.00.
    assert state_income_tax(2025, "IL", income(2025, "married_joint", 480_000, lt=30_000)) == D("25245.00")


def test_il_harvest_below_the_exemption_limit_restores_the_exemption() -> None:
    # A 15,000 loss brings AGI to 495,000: (495,000 - 2 x 2,850) x 4.95% = 24,220.35. The saving is
    # 15,000 x 4.95% = 742.50 plus 5,700 x 4.95% = 282.15: 1,024.65.
    before = income(2025, "married_joint", 480_000, lt=30_000)
    after = income(2025, "married_joint", 480_000, lt=15_000)
    assert state_income_tax(2025, "IL", after) == D("24220.35")
    assert saving(2025, "IL", before, after) == D("1024.65")


# Indiana -----------------------------------------------------------------------------------------


def test_in_single_wages_and_long_term_gain_2024() -> None:
    # (110,000 - 1,000 exemption) x 3.05% = 3,324.50 (county tax not included).
    assert state_income_tax(2024, "IN", income(2024, "single", 90_000, lt=20_000)) == D("3324.50")


def test_in_joint_capital_loss_2023() -> None:
    # AGI 120,000 - 3,000 = 117,000; (117,000 - 2,000) x 3.15% = 3,622.50.
    assert state_income_tax(2023, "IN", income(2023, "married_joint", 120_000, lt=-20_000)) == D("3622.50")


def test_in_harvest_without_gains_saves_only_the_3000_loss_limit() -> None:
    # A 10,000 loss with no gains lowers AGI by 3,000 only: 3,000 x 3% = 90.00.
    before = income(2025, "single", 100_000)
    after = income(2025, "single", 100_000, st=-10_000)
    assert saving(2025, "IN", before, after) == D("90.00")
    assert any("county" in note for note in state_notes(2025, "IN"))


# Iowa --------------------------------------------------------------------------------------------


def test_ia_single_wages_and_long_term_gain_2024() -> None:
    # Federal taxable 95,400: 6,210 x 4.4% = 273.24 + 24,840 x 4.82% = 1,197.288 + 64,350 x 5.7% =
    # 3,667.95: 5,138.478, less the 40 exemption credit: 5,098.48.
    assert state_income_tax(2024, "IA", income(2024, "single", 90_000, lt=20_000)) == D("5098.48")


def test_ia_joint_capital_loss_2025_flat() -> None:
    # Federal taxable 147,000 - 31,500 = 115,500 x 3.8% = 4,389 - 2 x 40: 4,309.00 (the alternate tax,
    # (147,000 - 13,500) x 4.3% = 5,740.50, is higher).
    assert state_income_tax(2025, "IA", income(2025, "married_joint", 150_000, st=-10_000)) == D("4309.00")


def test_ia_harvest_saves_the_flat_rate_2025() -> None:
    before = income(2025, "single", 100_000, lt=50_000)
    after = income(2025, "single", 100_000, lt=30_000)
    assert saving(2025, "IA", before, after) == D("760.00")  # 20,000 x 3.8%
