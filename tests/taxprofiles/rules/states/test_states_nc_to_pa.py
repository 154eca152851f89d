"""North Carolina, North Dakota, Ohio, Oklahoma, Oregon and Pennsylvania: worked examples to the cent.

Each figure is computed by hand from the module's statute and form figures (the arithmetic is in the
comment) and was cross-checked against PolicyEngine-US 2.68.0's ``state_income_tax`` (within $5; Oregon
with its kicker credit added back, North Dakota where PolicyEngine follows the statute).
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import JOINT, SEPARATE, SINGLE, StateIncome
from taxprofiles.rules.state_tax import state_income_tax

D = Decimal
FEDERAL_STANDARD = {
    2022: {SINGLE: 12_950, JOINT: 25_900, SEPARATE: 12_950},
    2023: {SINGLE: 13_850, JOINT: 27_700, SEPARATE: 13_850},
    2024: {SINGLE: 14_600, JOINT: 29_200, SEPARATE: 14_600},
    2025: {SINGLE: 15_750, JOINT: 31_500, SEPARATE: 15_750},
}


def income(
    year: int,
    status: str,
    wages: int,
    st: int = 0,
    lt: int = 0,
    dividends: int = 0,
    federal_income_tax: int = 0,
) -> StateIncome:
    """The federal figures the product builds: the $3,000 loss limit in AGI, no carryforwards."""
    net = st + lt
    capital = net if net >= 0 else max(net, -1_500 if status == SEPARATE else -3_000)
    agi = wages + dividends + capital
    standard = FEDERAL_STANDARD[year][status]
    return StateIncome(
        status=status,
        agi=D(agi),
        federal_taxable=D(agi - standard),
        ordinary=D(wages),
        qualified_dividends=D(dividends),
        st_gains=D(st),
        lt_gains=D(lt),
        net_st=D(st),
        net_lt=D(lt),
        capital_income=D(capital),
        preferential_gain=D(max(0, min(lt, net))),
        federal_income_tax=D(federal_income_tax),
        federal_standard_deduction=D(standard),
    )


# North Carolina: flat rate on federal AGI less the standard deduction.


def test_nc_single_with_long_term_gain_2024() -> None:
    # AGI 90,000 + 20,000 = 110,000; less 12,750 = 97,250; x 4.5% = 4,376.25
    assert state_income_tax(2024, "NC", income(2024, SINGLE, 90_000, lt=20_000)) == D("4376.25")


def test_nc_joint_with_capital_loss_2025() -> None:
    # AGI 150,000 - 3,000 (loss limit) = 147,000; less 25,500 = 121,500; x 4.25% = 5,163.75
    assert state_income_tax(2025, "NC", income(2025, JOINT, 150_000, st=-10_000)) == D("5163.75")


def test_nc_harvest_saves_the_flat_rate() -> None:
    # A 15,000 short-term loss against the 20,000 gain: AGI 95,000, taxable 82,250 x 4.5% = 3,701.25;
    # the saving is 15,000 x 4.5% = 675.00.
    before = state_income_tax(2024, "NC", income(2024, SINGLE, 90_000, lt=20_000))
    after = state_income_tax(2024, "NC", income(2024, SINGLE, 90_000, st=-15_000, lt=20_000))
    assert after == D("3701.25")
    assert before - after == D("675.00")


# North Dakota: federal taxable income less 40% of the net long-term gain and of qualified dividends.


def test_nd_single_with_long_term_gain_2024() -> None:
    # Federal taxable 110,000 - 14,600 = 95,400; less 40% x 20,000 = 8,000: 87,400;
    # (87,400 - 47,150) x 1.95% = 784.875 -> 784.88
    assert state_income_tax(2024, "ND", income(2024, SINGLE, 90_000, lt=20_000)) == D("784.88")


def test_nd_joint_with_capital_loss_2023() -> None:
    # AGI 200,000 + 10,000 dividends - 3,000 = 207,000; federal taxable 207,000 - 27,700 = 179,300;
    # no gain exclusion for a loss; less 40% x 10,000 dividends = 175,300;
    # (175,300 - 74,750) x 1.95% = 1,960.725 -> 1,960.73
    # (PolicyEngine-US 2.68.0 gives 2,038.72: it subtracts 40% of the 20,000 net long-term loss, which
    # cancels the dividend exclusion; N.D.C.C. §57-38-30.3(2)(d)(1) subtracts only a net gain. See nd.py.)
    assert state_income_tax(2023, "ND", income(2023, JOINT, 200_000, lt=-20_000, dividends=10_000)) == D("1960.73")


def test_nd_harvest_saves_sixty_percent_of_the_rate_on_long_term_gain() -> None:
    # A 15,000 long-term loss leaves a 5,000 gain: federal taxable 80,400, less 2,000 = 78,400;
    # (78,400 - 47,150) x 1.95% = 609.375 -> 609.38; the saving is 15,000 x 60% x 1.95% = 175.50.
    before = state_income_tax(2024, "ND", income(2024, SINGLE, 90_000, lt=20_000))
    after = state_income_tax(2024, "ND", income(2024, SINGLE, 90_000, lt=5_000))
    assert after == D("609.38")
    assert before - after == D("175.50")


def test_nd_2022_resident_tax_relief_credit() -> None:
    # 2022: federal taxable 110,000 - 12,950 = 97,050, less 8,000 = 89,050;
    # 41,775 x 1.1% = 459.525 + (89,050 - 41,775) x 2.04% = 964.41 -> 1,423.935; less the $350 credit
    # = 1,073.935 -> 1,073.94
    assert state_income_tax(2022, "ND", income(2022, SINGLE, 90_000, lt=20_000)) == D("1073.94")


# Ohio: brackets with a base at each threshold, personal exemptions by MAGI (no joint filing credit: the profile
# does not say that both spouses earn).


def test_oh_single_with_long_term_gain_2024() -> None:
    # AGI 110,000 > 80,000: exemption 1,900; taxable 108,100;
    # 2,394.32 + (108,100 - 100,000) x 3.5% = 2,394.32 + 283.50 = 2,677.82
    assert state_income_tax(2024, "OH", income(2024, SINGLE, 90_000, lt=20_000)) == D("2677.82")


def test_oh_joint_with_capital_loss_2025() -> None:
    # AGI 147,000; exemptions 2 x 1,900 = 3,800; taxable 143,200;
    # 2,394.32 + 43,200 x 3.125% = 3,744.32.
    assert state_income_tax(2025, "OH", income(2025, JOINT, 150_000, st=-10_000)) == D("3744.32")


def test_oh_harvest_crosses_the_100000_bracket() -> None:
    # A 15,000 short-term loss: AGI 95,000, taxable 93,100;
    # 360.69 + (93,100 - 26,050) x 2.75% = 360.69 + 1,843.875 = 2,204.565 -> 2,204.57;
    # the saving, 473.25, is 8,100 x 3.5% + 6,900 x 2.75%.
    before = state_income_tax(2024, "OH", income(2024, SINGLE, 90_000, lt=20_000))
    after = state_income_tax(2024, "OH", income(2024, SINGLE, 90_000, st=-15_000, lt=20_000))
    assert after == D("2204.57")
    assert before - after == D("473.25")


# Oklahoma: federal AGI less the standard deduction and $1,000 exemptions, graduated rates.


def test_ok_single_with_long_term_gain_2024() -> None:
    # 110,000 - 6,350 - 1,000 = 102,650; tax at 7,200: 2.50 + 11.25 + 21.875 + 31.625 + 86.25 = 153.50;
    # + (102,650 - 7,200) x 4.75% = 4,533.875: 4,687.375 -> 4,687.38
    assert state_income_tax(2024, "OK", income(2024, SINGLE, 90_000, lt=20_000)) == D("4687.38")


def test_ok_joint_with_capital_loss_2025() -> None:
    # 147,000 - 12,700 - 2,000 = 132,300; tax at 14,400: 5 + 22.50 + 43.75 + 63.25 + 172.50 = 307.00;
    # + (132,300 - 14,400) x 4.75% = 5,600.25: 5,907.25
    assert state_income_tax(2025, "OK", income(2025, JOINT, 150_000, st=-10_000)) == D("5907.25")


def test_ok_harvest_saves_the_top_rate() -> None:
    # 15,000 x 4.75% = 712.50
    before = state_income_tax(2024, "OK", income(2024, SINGLE, 90_000, lt=20_000))
    after = state_income_tax(2024, "OK", income(2024, SINGLE, 90_000, st=-15_000, lt=20_000))
    assert before - after == D("712.50")


# Oregon: federal AGI less the (limited) federal tax and the standard deduction; exemption credit to
# $100,000 / $200,000 of federal AGI.


def test_or_single_with_long_term_gain_2024() -> None:
    # Federal tax 14,647 > the 8,250 limit (AGI under 125,000): 110,000 - 8,250 - 2,745 = 99,005;
    # 4,300 x 4.75% = 204.25 + 6,450 x 6.75% = 435.375 + 88,255 x 8.75% = 7,722.3125 -> 8,361.9375;
    # AGI above 100,000: no exemption credit -> 8,361.94
    case = income(2024, SINGLE, 90_000, lt=20_000, federal_income_tax=14_647)
    assert state_income_tax(2024, "OR", case) == D("8361.94")


def test_or_joint_with_capital_loss_2025() -> None:
    # AGI 147,000; federal tax 15,238 > 8,500: 147,000 - 8,500 - 5,670 = 132,830;
    # 8,800 x 4.75% = 418 + 13,400 x 6.75% = 904.50 + 110,630 x 8.75% = 9,680.125 -> 11,002.625;
    # less 2 x 256 exemption credits = 10,490.625 -> 10,490.63
    case = income(2025, JOINT, 150_000, st=-10_000, federal_income_tax=15_238)
    assert state_income_tax(2025, "OR", case) == D("10490.63")


def test_or_harvest_restores_the_exemption_credit() -> None:
    # A 15,000 loss: AGI 95,000; 95,000 - 8,250 - 2,745 = 84,005: 8,361.9375 - 15,000 x 8.75%
    # = 7,049.4375; AGI now at most 100,000: less the 249 credit = 6,800.4375 -> 6,800.44.
    # The saving is 1,312.50 at 8.75% plus the 249 credit: 1,561.50.
    before = state_income_tax(2024, "OR", income(2024, SINGLE, 90_000, lt=20_000, federal_income_tax=14_647))
    after_case = income(2024, SINGLE, 90_000, st=-15_000, lt=20_000, federal_income_tax=12_397)
    after = state_income_tax(2024, "OR", after_case)
    assert after == D("6800.44")
    assert before - after == D("1561.50")


# Pennsylvania: 3.07% of wages, dividends and the year's net gains (a net loss counts as zero).


def test_pa_single_with_long_term_gain_2024() -> None:
    # (90,000 + 20,000) x 3.07% = 3,377.00
    assert state_income_tax(2024, "PA", income(2024, SINGLE, 90_000, lt=20_000)) == D("3377.00")


def test_pa_joint_with_capital_loss_2025() -> None:
    # The net loss counts as zero (no $3,000 against wages): (150,000 + 5,000) x 3.07% = 4,758.50
    assert state_income_tax(2025, "PA", income(2025, JOINT, 150_000, st=-10_000, dividends=5_000)) == D("4758.50")


def test_pa_loss_beyond_the_years_gains_saves_nothing_more() -> None:
    # A 30,000 loss against a 20,000 gain: 90,000 x 3.07% = 2,763.00; it saves 20,000 x 3.07% = 614.00,
    # the same as a 20,000 loss, and a 50,000 loss saves no more.
    before = state_income_tax(2024, "PA", income(2024, SINGLE, 90_000, lt=20_000))
    after_20 = state_income_tax(2024, "PA", income(2024, SINGLE, 90_000, lt=0))
    after_30 = state_income_tax(2024, "PA", income(2024, SINGLE, 90_000, lt=-10_000))
    after_50 = state_income_tax(2024, "PA", income(2024, SINGLE, 90_000, lt=-30_000))
    assert after_30 == D("2763.00")
    assert before - after_20 == before - after_30 == before - after_50 == D("614.00")


def test_pa_tax_forgiveness_for_low_income() -> None:
    # Eligibility income 7,000 is 500 over the 6,500 single base: 2 steps of 250, 80% forgiven;
    # 7,000 x 3.07% = 214.90 x 20% = 42.98
    assert state_income_tax(2024, "PA", income(2024, SINGLE, 7_000)) == D("42.98")
