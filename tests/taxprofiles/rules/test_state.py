"""State income tax by each state's own law (taxprofiles/rules/state_tax.py and law/states/).

Worked examples by the statute, to the cent, for the states the lead engineer wrote (CA, NY with New York
City, MA, WA); the other states' examples are in tests/taxprofiles/rules/states/. The oracle comparison with
PolicyEngine-US is tests/taxprofiles/rules/test_policyengine_states.py.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from taxprofiles.rules.federal_tax import Income
from taxprofiles.rules.harvest_value import HarvestValuer
from taxprofiles.rules.law.states import ny
from taxprofiles.rules.law.states.common import StateIncome
from taxprofiles.rules.state_tax import (
    NO_INCOME_TAX,
    STATES,
    UnknownState,
    check_city,
    check_state,
    has_tax,
    law_year,
    state_income_tax,
    state_notes,
)

D = Decimal
# Every state with a tax on wages or capital gains (New Hampshire: interest and dividends, through 2024).
TAXING = sorted(set(STATES) - NO_INCOME_TAX)


def valuer(year: int, status: str, state: str, wages: int, st: int = 0, lt: int = 0, city: str = "") -> HarvestValuer:
    return HarvestValuer(year, status, state, Income(D(wages), D(st), D(lt)), city)


def test_fifty_states_and_dc_are_known_and_every_taxing_state_has_its_law() -> None:
    assert len(STATES) == 51
    assert [code for code in TAXING if not has_tax(code)] == []
    assert not any(has_tax(code) for code in NO_INCOME_TAX)


@pytest.mark.parametrize("state", sorted(NO_INCOME_TAX))
def test_a_state_without_income_tax_takes_nothing_and_a_loss_saves_nothing(state: str) -> None:
    value = valuer(2025, "single", state, 500000, 100000, 100000).value(st_loss=D(10000), lt_loss=D(10000))
    assert (value.state_tax_before, value.state_savings, value.state_rate) == (0, 0, 0)


def test_no_state_means_no_state_tax() -> None:
    value = valuer(2025, "single", "", 500000, st=100000).value(st_loss=D(10000))
    assert (value.state_tax_before, value.state_savings) == (0, 0)
    assert check_state("") == ""
    assert state_notes(2025, "") == ()


def test_california_taxes_the_whole_year_by_its_brackets_less_the_exemption_credit() -> None:
    # 2024 single, wages 90,000 and a 20,000 long-term gain: taxable 110,000 - 5,540 = 104,460.
    # Tax to 70,606: 107.56 + 294.86 + 589.84 + 937.26 + 1,179.20 = 3,108.72; 33,854 x 9.3% = 3,148.422;
    # less the 149 exemption credit = 6,108.142.
    v = valuer(2024, "single", "CA", 90000, lt=20000)
    assert v.state_before == D("6108.14")
    # A 10,000 long-term loss takes 10,000 off taxable income, all in the 9.3% bracket: 930.00.
    assert v.value(lt_loss=D(10000)).state_savings == D("930.00")
    assert v.state_rate == D("0.0930")


def test_california_phases_out_the_exemption_credit_and_adds_the_mental_health_tax_above_a_million() -> None:
    # 2025 single, wages 1,200,000: taxable 1,194,294. Schedule: 74,400.14 to 742,953 (computed below),
    # plus 12.3% above; the credit (153) is gone: (1,200,000 - 252,203) / 2,500 -> 380 steps x 6 > 153.
    # Mental Health Services Tax: 1% of 194,294 = 1,942.94.
    income = StateIncome(status="single", agi=D(1200000), federal_taxable=D(1184250), ordinary=D(1200000))
    brackets = [(11079, "0.01"), (26264, "0.02"), (41452, "0.04"), (57542, "0.06"), (72724, "0.08")]
    brackets += [(371479, "0.093"), (445771, "0.103"), (742953, "0.113")]
    tax, bottom = D(0), D(0)
    for top, rate in brackets:
        tax += (top - bottom) * D(rate)
        bottom = D(top)
    tax += (D(1194294) - bottom) * D("0.123") + D("1942.94")
    assert state_income_tax(2025, "CA", income) == tax.quantize(D("0.01"))


def test_new_york_for_a_90000_earner_is_his_bracket_not_the_top_rate() -> None:
    # 2024 single, wages 90,000: taxable 82,000. 340 + 144 + 115.50 + 3,671.25 (66,750 x 5.5%) + 81 (1,350 x 6%).
    v = valuer(2024, "single", "NY", 90000)
    assert v.state_before == D("4351.75")
    # A 10,000 short-term loss deducts 3,000: 1,350 at 6% and 1,650 at 5.5% = 171.75 (not 10.9% of 3,000 = 327).
    assert v.value(st_loss=D(10000)).state_savings == D("171.75")


def test_new_york_recaptures_its_lower_brackets_above_107650_of_agi() -> None:
    # 2024 single, wages 150,000: taxable 142,000; schedule 4,270.75 + 61,350 x 6% = 7,951.75; the 6% bracket's
    # benefit (80,650 x 6% - 4,270.75 = 568.25 -> 568) phases in by (150,000 - 107,650) / 50,000 = 0.847: 481.096.
    assert valuer(2024, "single", "NY", 150000).state_before == D("8432.85")
    # Fully phased in (AGI 160,000): a flat 6% of taxable income, to the rounded dollar of benefit.
    assert valuer(2024, "single", "NY", 160000).state_before == D("9119.75")  # 152,000 x 6% = 9,120 less 0.25


def test_new_yorks_recapture_tables_are_the_worksheets_figures() -> None:
    law = ny._YEARS[2023]["single"]
    assert law.recapture[4:8] == (0, 568, 2399, 32571)  # IT-201-I 2023, Tax computation worksheets 2-5
    assert law.increment[4:8] == (568, 1831, 30172, 32500)


def test_new_york_city_adds_its_own_brackets_less_the_school_tax_credits() -> None:
    # NYC on taxable 82,000 (single): 369.36 + 489.06 + 954.75 + 1,240.32 = 3,053.49; school credit 63;
    # rate reduction 12,000 x 0.171% + 70,000 x 0.228% = 180.12. 2,810.37 with the state's 4,351.75.
    v = valuer(2024, "single", "NY", 90000, city="nyc")
    assert v.state_before == D("7162.12")
    assert v.state_rate == D("0.0965")  # 6% + 3.876% - 0.228%


def test_new_yorks_2023_inflation_refund_depends_on_agi() -> None:
    # 2023 single, wages 140,000: the schedule and recapture, less the $150 refund (AGI up to 150,000).
    near = valuer(2023, "single", "NY", 140000, st=15000)
    # A 10,000 short-term loss takes AGI from 155,000 to 145,000: the refund of 150 returns.
    value = near.value(st_loss=D(10000))
    without_refund = valuer(2024, "single", "NY", 140000, st=15000).value(st_loss=D(10000))
    assert value.state_savings - without_refund.state_savings == D("150.00")


def test_a_city_must_belong_to_the_state() -> None:
    assert check_city("NY", " NYC ") == "nyc"
    with pytest.raises(UnknownState, match="unknown city 'nyc' for state CA"):
        valuer(2024, "single", "CA", 90000, city="nyc")


def test_massachusetts_taxes_short_term_gains_apart_and_adds_the_surtax() -> None:
    # 2024 single, wages 250,000 and a 40,000 short-term gain: (250,000 - 2,000 of Social Security and Medicare
    # - 4,400) x 5% = 12,180 + 40,000 x 8.5% = 3,400.
    v = valuer(2024, "single", "MA", 250000, st=40000)
    assert v.state_before == D("15580.00")
    assert v.value(st_loss=D(10000)).state_savings == D("850.00")  # 8.5%, not 5%
    # A short-term loss beyond the gains does not reach wages in Massachusetts.
    assert v.value(st_loss=D(50000)).state_savings == D("3400.00")
    # Wages 1,000,000 and a 200,000 long-term gain: 1,193,600 x 5% + 4% of the 139,850 above 1,053,750.
    assert valuer(2024, "single", "MA", 1000000, lt=200000).state_before == D("65274.00")


def test_washington_taxes_long_term_gains_above_its_deduction_with_the_2025_surcharge() -> None:
    # 2025: 1,500,000 - 278,000 = 1,222,000 at 7% = 85,540, plus 2.9% of the 222,000 above 1,000,000.
    v = valuer(2025, "married_joint", "WA", 300000, lt=1500000)
    assert v.state_before == D("91978.00")
    assert v.value(lt_loss=D(100000)).state_savings == D("9900.00")  # all above 1,000,000: 9.9%
    assert v.value(st_loss=D(100000)).state_savings == D("0.00")  # short-term losses do not enter
    assert valuer(2024, "single", "WA", 300000, lt=1500000).state_before == D("86100.00")  # 1,230,000 x 7%


def test_a_year_without_state_law_uses_the_nearest_and_says_so() -> None:
    assert law_year(2019, "CA") == 2022
    assert law_year(2024, "CA") == 2024
    notes = state_notes(2019, "CA")
    assert notes[0] == "California's 2022 law stands in for 2019, which the product does not have"
    assert valuer(2019, "single", "CA", 90000, lt=20000).state_before > 0


def test_unknown_codes_are_refused_with_the_reason() -> None:
    for code in ("XX", "Cali", "ZZ"):
        with pytest.raises(UnknownState, match="two-letter postal code"):
            check_state(code)
    assert check_state(" ca ") == "CA"
