"""HarvestValuer: a loss valued from the client's whole year, federal and state, before minus after."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxprofiles.rules.federal import FilingStatus, federal_law
from taxprofiles.rules.federal_tax import Income, federal_tax
from taxprofiles.rules.harvest_value import HarvestValuer

D = Decimal
HIGH_EARNER = Income(D(250000), st_gains=D(40000), lt_gains=D(60000))


def test_a_short_term_loss_is_worth_4810_to_a_high_income_californian_with_short_term_gains() -> None:
    value = HarvestValuer(2025, FilingStatus.SINGLE, "CA", HIGH_EARNER).value(st_loss=D(10000))
    # Federal: 35% + 3.8% NIIT on 10,000 (see test_federal_tax). California 2025: taxable 350,000 - 5,706 =
    # 344,294; 3,201.97 to 72,724 plus 271,570 x 9.3% = 25,256.01; the exemption credit is phased out (AGI
    # 350,000: 40 steps of $6 > $153). The loss takes 10,000 off at 9.3%.
    assert (value.federal_tax_before, value.federal_tax_after) == (D("78334.75"), D("74454.75"))
    assert value.federal_savings == D("3880.00")
    assert (value.state_tax_before, value.state_tax_after) == (D("28457.98"), D("27527.98"))
    assert value.state_savings == D("930.00")
    assert value.total_savings == D("4810.00")
    assert (value.carryforward_st, value.carryforward_lt) == (0, 0)
    assert value.carryforward_value == 0
    assert value.harvest_value == D("4810.00")


def test_the_same_loss_is_worth_360_to_a_60000_earner_without_gains() -> None:
    value = HarvestValuer(2025, FilingStatus.SINGLE, "", Income(D(60000))).value(st_loss=D(10000))
    # 3,000 against wages at 12% (Tax Table 5,075 -> 4,715); 7,000 carried forward short-term.
    assert value.federal_savings == D(360)
    assert value.state_savings == 0
    assert value.total_savings == D(360)
    assert (value.carryforward_st, value.carryforward_lt) == (D(7000), D(0))
    assert (value.carryforward_created_st, value.carryforward_created_lt) == (D(7000), D(0))
    # The carryforward at this year's 12% ordinary rate, discounted one year at 5%: 7,000 * 0.12 / 1.05 = 800.
    assert value.carryforward_value == D("800.00")
    assert value.harvest_value == D("1160.00")


def test_a_long_term_loss_for_the_californian_saves_15_percent_plus_niit_plus_the_state_rate() -> None:
    value = HarvestValuer(2025, FilingStatus.SINGLE, "CA", HIGH_EARNER).value(lt_loss=D(10000))
    assert (value.federal_savings, value.state_savings, value.total_savings) == (
        D("1880.00"),
        D("930.00"),  # California taxes long-term gains as income: the same 9.3% bracket
        D("2810.00"),
    )


def test_the_valuer_reports_the_clients_marginal_rates() -> None:
    valuer = HarvestValuer(2025, FilingStatus.SINGLE, "CA", HIGH_EARNER)
    value = valuer.value(st_loss=D(10000))
    # Taxable 334,250: the 35% bracket (250,525-626,350), the 15% long-term band (<= 533,400),
    # AGI 350,000 over the 200,000 NIIT threshold, California's 9.3% bracket (taxable 344,294 < 371,479).
    assert value.marginal_ordinary_rate == D("0.35")
    assert value.long_term_rate == D("0.15")
    assert value.niit_applies is True
    assert value.state_rate == D("0.0930")


@pytest.mark.parametrize(
    ("wages", "lt_gains", "long_term_rate"),
    [
        (40000, 0, "0"),  # taxable 24,250 <= 48,350
        (64100, 0, "0"),  # taxable 48,350: still the 0% band
        (64101, 0, "0.15"),
        (549150, 0, "0.15"),  # taxable 533,400: the 15% top
        (549151, 0, "0.20"),
        (100000, 500000, "0.20"),  # gains stack on top: taxable 584,250 > 533,400
    ],
)
def test_the_long_term_rate_is_the_band_that_taxable_income_reaches(
    wages: int, lt_gains: int, long_term_rate: str
) -> None:
    valuer = HarvestValuer(2025, FilingStatus.SINGLE, "", Income(D(wages), lt_gains=D(lt_gains)))
    assert valuer.value().long_term_rate == D(long_term_rate)


def test_the_niit_flag_follows_magi_over_the_status_threshold() -> None:
    assert HarvestValuer(2025, "married_joint", "", Income(D(250000))).value().niit_applies is False
    assert HarvestValuer(2025, "married_joint", "", Income(D(250001))).value().niit_applies is True
    assert HarvestValuer(2026, "married_separate", "", Income(D(125001))).value().niit_applies is True


def test_a_long_term_carryforward_is_valued_at_the_long_term_rate_plus_niit() -> None:
    value = HarvestValuer(2025, FilingStatus.SINGLE, "", Income(D(250000))).value(lt_loss=D(20000))
    # Taxable 234,250 -> 231,250, in the 32% bracket: 3,000 * 32% = 960.  17,000 carried long-term.
    assert value.federal_savings == D("960.00")
    assert (value.carryforward_st, value.carryforward_lt) == (D(0), D(17000))
    # AGI 250,000 > 200,000 so NIIT applies; long-term rate 15%: 17,000 * 0.188 / 1.05 = 3,043.8095...
    assert value.carryforward_value == D("3043.81")
    assert value.harvest_value == D("4003.81")


def test_a_loss_beyond_a_limit_already_used_saves_nothing_now_and_is_all_carried() -> None:
    # A 5,000 short-term carryforward already uses this year's 3,000 (2,000 carried on).  A further
    # 10,000 long-term loss changes nothing this year and is carried long-term.
    income = Income(D(60000), st_carryforward=D(5000))
    value = HarvestValuer(2025, FilingStatus.SINGLE, "CA", income).value(lt_loss=D(10000))
    assert value.federal_savings == 0
    # California: AGI 57,000, taxable 51,294: 1,021.99 + 9,842 x 6% = 1,612.53, less the 153 credit.
    assert value.state_tax_before == value.state_tax_after == D("1459.53")
    assert value.total_savings == 0
    assert (value.carryforward_st, value.carryforward_lt) == (D(2000), D(10000))
    assert (value.carryforward_created_st, value.carryforward_created_lt) == (D(0), D(10000))
    # Long-term rate 0% (taxable 41,250), no NIIT, California's 6% bracket: 10,000 * 0.06 / 1.05 = 571.428...
    assert value.carryforward_value == D("571.43")


def test_valuing_a_loss_does_not_change_the_valuer() -> None:
    valuer = HarvestValuer(2026, FilingStatus.MARRIED_JOINT, "NY", HIGH_EARNER)
    before = (valuer.income, valuer.before, valuer.state_before)
    first = valuer.value(st_loss=D(25000), lt_loss=D(5000))
    valuer.value(lt_loss=D(400000))
    second = valuer.value(st_loss=D(25000), lt_loss=D(5000))
    assert first == second
    assert (valuer.income, valuer.before, valuer.state_before) == before


def test_no_loss_is_worth_nothing() -> None:
    value = HarvestValuer(2025, FilingStatus.HEAD_OF_HOUSEHOLD, "MA", HIGH_EARNER).value()
    assert value.federal_tax_before == value.federal_tax_after
    assert value.total_savings == 0
    assert value.carryforward_value == 0


def test_the_marginal_ordinary_rate_is_the_bracket_of_ordinary_income_below_stacked_gains() -> None:
    # Wages 50,000 + LT 500,000: taxable 534,250, of which 500,000 is net capital gain; ordinary part
    # 34,250 lies in the 12% bracket.  (An extra $1,000 of wages costs 120 + 50 for a gain dollar pushed
    # from 15% to 20% = 17%; never 35%.)
    valuer = HarvestValuer(2025, FilingStatus.SINGLE, "", Income(D(50000), lt_gains=D(500000)))
    assert valuer.value().marginal_ordinary_rate == D("0.12")


states = st.sampled_from(["", "CA", "NY", "TX", "WA", "MA", "PA", "NJ", "IL"])
amounts = st.integers(min_value=-300000, max_value=300000).map(D)


@settings(max_examples=200, deadline=None)
@given(
    year=st.sampled_from([2025, 2026]),
    status=st.sampled_from(list(FilingStatus)),
    state=states,
    wages=st.integers(min_value=0, max_value=1500000).map(D),
    st_gains=amounts,
    lt_gains=amounts,
    st_loss=st.integers(min_value=0, max_value=100000).map(D),
    lt_loss=st.integers(min_value=0, max_value=100000).map(D),
)
def test_savings_are_the_whole_year_before_minus_after(
    year: int,
    status: FilingStatus,
    state: str,
    wages: Decimal,
    st_gains: Decimal,
    lt_gains: Decimal,
    st_loss: Decimal,
    lt_loss: Decimal,
) -> None:
    income = Income(wages, st_gains, lt_gains)
    value = HarvestValuer(year, status, state, income).value(st_loss=st_loss, lt_loss=lt_loss)
    law = federal_law(year, status)
    after = federal_tax(law, Income(wages, st_gains - st_loss, lt_gains - lt_loss))
    assert value.federal_tax_before == federal_tax(law, income).total
    assert value.federal_tax_after == after.total
    assert value.federal_savings == value.federal_tax_before - value.federal_tax_after
    assert value.state_savings == value.state_tax_before - value.state_tax_after
    assert value.total_savings == value.federal_savings + value.state_savings
    assert (value.carryforward_st, value.carryforward_lt) == (after.carryforward_st, after.carryforward_lt)
    assert value.federal_savings >= 0
    assert value.state_savings >= 0
    assert value.carryforward_created_st + value.carryforward_created_lt <= st_loss + lt_loss
