"""Worked examples for RI, SC, UT, VT, VA, WV, WI and NH, to the cent (cross-checked with PolicyEngine-US 2.68.0)."""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import StateIncome
from taxprofiles.rules.state_tax import state_income_tax

D = Decimal
_FEDERAL_STANDARD = {2023: (13_850, 27_700), 2024: (14_600, 29_200), 2025: (15_750, 31_500)}


def _income(year: int, status: str, wages: int, st: int = 0, lt: int = 0, qd: int = 0) -> StateIncome:
    """The StateIncome the product builds: no carryforwards, the federal standard deduction."""
    net = D(st + lt)
    limit = D(-1_500 if status == "married_separate" else -3_000)
    capital = net if net >= 0 else max(net, limit)
    agi = D(wages + qd) + capital
    standard = D(_FEDERAL_STANDARD[year][1 if status == "married_joint" else 0])
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
    )


def _tax(year: int, state: str, income: StateIncome) -> Decimal:
    return state_income_tax(year, state, income)


# Virginia


def test_va_single_with_long_term_gain_2023() -> None:
    # AGI 110,000 - 8,000 standard - 930 exemption = 101,070;
    # 60 + 60 + 600 + 5.75% x (101,070 - 17,000) = 720 + 4,834.025 = 5,554.03.
    assert _tax(2023, "VA", _income(2023, "single", 90_000, lt=20_000)) == D("5554.03")


def test_va_joint_with_capital_loss_2025() -> None:
    # AGI 150,000 - 3,000 loss = 147,000 - 17,500 - 2 x 930 = 127,640; 720 + 5.75% x 110,640 = 7,081.80.
    assert _tax(2025, "VA", _income(2025, "married_joint", 150_000, st=-20_000)) == D("7081.80")


def test_va_rebate_2024() -> None:
    # 2024: AGI 110,000 - 8,500 - 930 = 100,570; 720 + 5.75% x 83,570 = 5,525.275, less the $200 rebate.
    assert _tax(2024, "VA", _income(2024, "single", 90_000, lt=20_000)) == D("5325.28")


def test_va_harvest_saves_top_rate() -> None:
    # A 10,000 short-term loss against the 20,000 gain lowers Virginia taxable income by 10,000 at 5.75%.
    before = _tax(2023, "VA", _income(2023, "single", 90_000, lt=20_000))
    after = _tax(2023, "VA", _income(2023, "single", 90_000, st=-10_000, lt=20_000))
    assert before - after == D("575.00")


# Rhode Island


def test_ri_single_with_long_term_gain_2024() -> None:
    # 110,000 - 10,550 - 4,950 = 94,500; 3.75% x 77,450 + 4.75% x 17,050 = 2,904.375 + 809.875 = 3,714.25.
    assert _tax(2024, "RI", _income(2024, "single", 90_000, lt=20_000)) == D("3714.25")


def test_ri_joint_with_loss_in_phase_out_2024() -> None:
    # AGI 247,000 is 550 over 246,450: one 7,050 step, 80% of (21,150 + 2 x 4,950) = 24,840 left;
    # taxable 222,160: 2,904.375 + 4.75% x 98,600 + 5.99% x 46,110 = 2,904.375 + 4,683.50 + 2,761.989.
    assert _tax(2024, "RI", _income(2024, "married_joint", 250_000, st=-20_000)) == D("10349.86")


def test_ri_harvest_saves_middle_rate() -> None:
    before = _tax(2024, "RI", _income(2024, "single", 90_000, lt=20_000))
    after = _tax(2024, "RI", _income(2024, "single", 90_000, st=-10_000, lt=20_000))
    assert before - after == D("475.00")  # 10,000 x 4.75%


# South Carolina


def test_sc_single_with_long_term_gain_2024() -> None:
    # Federal taxable 110,000 - 14,600 = 95,400, less 44% x 20,000 = 86,600;
    # 3% x (17,330 - 3,460) + 6.2% x (86,600 - 17,330) = 416.10 + 4,294.74 = 4,710.84.
    assert _tax(2024, "SC", _income(2024, "single", 90_000, lt=20_000)) == D("4710.84")


def test_sc_joint_with_capital_loss_2024() -> None:
    # 147,000 - 29,200 = 117,800; 416.10 + 6.2% x 100,470 = 6,645.24.
    assert _tax(2024, "SC", _income(2024, "married_joint", 150_000, st=-20_000)) == D("6645.24")


def test_sc_harvest_against_long_term_gain_saves_56_percent_of_the_rate() -> None:
    # A 10,000 short-term loss cuts the net capital gain by 10,000: taxable income falls by 10,000 less
    # the lost 44% deduction (4,400) = 5,600, at 6.2% = 347.20.
    before = _tax(2024, "SC", _income(2024, "single", 90_000, lt=20_000))
    after = _tax(2024, "SC", _income(2024, "single", 90_000, st=-10_000, lt=20_000))
    assert before - after == D("347.20")


# Utah


def test_ut_single_with_taxpayer_credit_2024() -> None:
    # 80,000 x 4.55% = 3,640; credit 6% x 14,600 = 876 less 1.3% x (80,000 - 17,652) = 810.524 -> 65.476.
    assert _tax(2024, "UT", _income(2024, "single", 70_000, lt=10_000)) == D("3574.52")


def test_ut_joint_with_capital_loss_2024() -> None:
    # 147,000 x 4.55% = 6,688.50; credit 1,752 - 1.3% x (147,000 - 35,304) = 299.952.
    assert _tax(2024, "UT", _income(2024, "married_joint", 150_000, st=-20_000)) == D("6388.55")


def test_ut_harvest_saves_rate_plus_credit_phase_out() -> None:
    # 10,000 less income: 455 of tax and 130 less credit phase-out = 585.
    before = _tax(2024, "UT", _income(2024, "single", 70_000, lt=10_000))
    after = _tax(2024, "UT", _income(2024, "single", 70_000, st=-10_000, lt=10_000))
    assert before - after == D("585.00")


# Vermont


def test_vt_single_with_flat_gain_exclusion_2024() -> None:
    # 110,000 - 5,000 exclusion - 7,400 - 5,100 = 92,500; 3.35% x 47,900 + 6.6% x 44,600 = 1,604.65 + 2,943.60.
    assert _tax(2024, "VT", _income(2024, "single", 90_000, lt=20_000)) == D("4548.25")


def test_vt_joint_above_minimum_tax_threshold_2024() -> None:
    # AGI 197,000: 197,000 - 14,850 - 2 x 5,100 = 171,950; 3.35% x 79,950 + 6.6% x 92,000 = 8,750.325,
    # more than the 3% x 197,000 = 5,910 minimum tax.
    assert _tax(2024, "VT", _income(2024, "married_joint", 200_000, st=-20_000)) == D("8750.33")


def test_vt_harvest_keeps_the_flat_exclusion() -> None:
    # A 10,000 loss leaves a 10,000 net gain, still above the 5,000 exclusion: saves 10,000 x 6.6%.
    before = _tax(2024, "VT", _income(2024, "single", 90_000, lt=20_000))
    after = _tax(2024, "VT", _income(2024, "single", 90_000, st=-10_000, lt=20_000))
    assert before - after == D("660.00")


# West Virginia


def test_wv_single_2024() -> None:
    # 110,000 - 2,000 = 108,000: 236 + 472.50 + 531 + 944 + 5.12% x 48,000 = 4,641.10.
    assert _tax(2024, "WV", _income(2024, "single", 90_000, lt=20_000)) == D("4641.10")


def test_wv_joint_with_capital_loss_2025() -> None:
    # 147,000 - 4,000 = 143,000: 222 + 444 + 499.50 + 888 + 4.82% x 83,000 = 6,054.10.
    assert _tax(2025, "WV", _income(2025, "married_joint", 150_000, st=-20_000)) == D("6054.10")


def test_wv_harvest_beyond_loss_limit_saves_nothing_more() -> None:
    # With no gains, losses past the federal $3,000 limit save nothing this year: 3,000 x 5.12%.
    base = _tax(2024, "WV", _income(2024, "single", 90_000))
    small = _tax(2024, "WV", _income(2024, "single", 90_000, st=-3_000))
    large = _tax(2024, "WV", _income(2024, "single", 90_000, st=-30_000))
    assert base - small == D("153.60")
    assert small == large


# Wisconsin


def test_wi_single_with_long_term_gain_2024() -> None:
    # WI AGI 110,000 - 30% x 20,000 = 104,000; standard deduction 13,230 - 12% x (104,000 - 19,070) = 3,038.40;
    # taxable 104,000 - 3,038.40 - 700 = 100,261.60: 501.20 + 630.08 + 5.3% x 71,621.60 = 4,927.2248.
    assert _tax(2024, "WI", _income(2024, "single", 90_000, lt=20_000)) == D("4927.22")


def test_wi_joint_with_capital_loss_2024() -> None:
    # 147,000; deduction 24,490 - 19.778% x 119,480 = 859.25; taxable 144,740.75:
    # 668.15 + 840.40 + 5.3% x 106,550.75 = 7,155.74.
    assert _tax(2024, "WI", _income(2024, "married_joint", 150_000, st=-20_000)) == D("7155.74")


def test_wi_2022_loss_limit_is_500() -> None:
    # 2022: a 20,000 net loss offsets only 500 of other income in Wisconsin (federal: 3,000).
    income = StateIncome(
        status="single",
        agi=D(97_000),
        federal_taxable=D(84_050),
        ordinary=D(100_000),
        st_gains=D(-20_000),
        net_st=D(-20_000),
        capital_income=D(-3_000),
    )
    # WI AGI 99,500; deduction 11,790 - 12% x 82,510 = 1,888.80; taxable 96,911.20:
    # 3.54% x 12,760 + 4.65% x 12,760 + 5.3% x 71,391.20 = 451.704 + 593.34 + 3,783.7336 = 4,828.7776.
    assert _tax(2022, "WI", income) == D("4828.78")


def test_wi_harvest_long_term_loss_saves_70_percent() -> None:
    # A 10,000 long-term loss against a 20,000 long-term gain lowers WI AGI by 7,000 (70%), and the
    # sliding deduction grows by 12% of that (840): taxable falls 7,840 at 5.3% = 415.52.
    before = _tax(2024, "WI", _income(2024, "single", 90_000, lt=20_000))
    after = _tax(2024, "WI", _income(2024, "single", 90_000, lt=10_000))
    assert before - after == D("415.52")


# New Hampshire


def test_nh_dividends_2024() -> None:
    # 3% x (10,000 - 2,400) = 228; wages and gains are not taxed.
    assert _tax(2024, "NH", _income(2024, "single", 90_000, lt=20_000, qd=10_000)) == D("228.00")


def test_nh_joint_dividends_2023() -> None:
    # 4% x (30,000 - 4,800) = 1,008.
    assert _tax(2023, "NH", _income(2023, "married_joint", 150_000, st=-20_000, qd=30_000)) == D("1008.00")


def test_nh_repealed_2025_and_harvest_saves_nothing() -> None:
    assert _tax(2025, "NH", _income(2025, "single", 90_000, qd=30_000)) == D(0)
    before = _tax(2024, "NH", _income(2024, "single", 90_000, lt=20_000, qd=10_000))
    after = _tax(2024, "NH", _income(2024, "single", 90_000, st=-10_000, lt=20_000, qd=10_000))
    assert before == after
