"""State tax on capital gains: the estimate by each state's rules (taxprofiles/rules/state.py).

Figures are the state tax the year's gains add, and what a harvested loss saves, to the cent.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from taxprofiles.rules.capital import net_capital
from taxprofiles.rules.federal_tax import Income
from taxprofiles.rules.harvest_value import HarvestValuer
from taxprofiles.rules.state import NO_INCOME_TAX, TOP_RATES, UnknownState, check_state, state_capital_tax

D = Decimal


def state_tax(state: str, wages: int, st: int = 0, lt: int = 0, st_carry: int = 0, lt_carry: int = 0) -> Decimal:
    netting = net_capital(D(st), D(lt), D(st_carry), D(lt_carry), D(3000))
    return state_capital_tax(state, D(wages), D(st), D(lt), netting)


def state_saving(state: str, wages: int, st: int = 0, lt: int = 0, *, st_loss: int = 0, lt_loss: int = 0) -> Decimal:
    valuer = HarvestValuer(2025, "single", state, Income(D(wages), D(st), D(lt)))
    value = valuer.value(st_loss=D(st_loss), lt_loss=D(lt_loss))
    assert value.state_savings == value.state_tax_before - value.state_tax_after
    return value.state_savings


@pytest.mark.parametrize("state", ["AK", "FL", "NV", "NH", "SD", "TN", "TX", "WY"])
def test_a_state_without_income_tax_takes_nothing_and_a_loss_saves_nothing(state: str) -> None:
    assert state_tax(state, 500000, st=100000, lt=100000) == 0
    assert state_saving(state, 500000, st=100000, lt=100000, st_loss=10000, lt_loss=10000) == 0


def test_no_state_means_no_state_tax() -> None:
    assert state_tax("", 500000, st=100000) == 0
    assert check_state("") == ""


def test_california_taxes_capital_income_at_its_top_rate() -> None:
    assert state_tax("CA", 250000, st=40000, lt=60000) == D("13300.00")  # 100,000 * 13.3%
    assert state_saving("CA", 250000, 40000, 60000, st_loss=10000) == D("1330.00")
    assert state_saving("CA", 250000, 40000, 60000, lt_loss=10000) == D("1330.00")  # no CA preference for LT


def test_california_counts_the_3000_loss_deduction_against_wages() -> None:
    # No gains: the harvest takes 3,000 off federal AGI, which California starts from: 3,000 * 13.3% = 399.
    assert state_tax("CA", 60000, st=-10000) == D("-399.00")
    assert state_saving("CA", 60000, st_loss=10000) == D("399.00")


def test_new_york_taxes_capital_income_at_its_top_rate() -> None:
    assert state_saving("NY", 250000, 40000, 60000, st_loss=10000) == D("1090.00")  # 10,000 * 10.9%
    assert state_saving("NY", 60000, st_loss=10000) == D("327.00")  # 3,000 * 10.9%


def test_an_ordinary_state_uses_the_federal_netting_with_carryforwards() -> None:
    # Illinois 4.95% of federal capital income: 20,000 gain less a 5,000 LT carryforward = 15,000 -> 742.50.
    assert state_tax("IL", 100000, lt=20000, lt_carry=5000) == D("742.50")


def test_washington_taxes_only_long_term_gains_above_270000_at_7_percent() -> None:
    assert state_tax("WA", 5000000, lt=270000) == 0
    assert state_tax("WA", 0, lt=300000) == D("2100.00")  # (300,000 - 270,000) * 7%
    assert state_tax("WA", 0, st=900000) == 0  # short-term gains are not taxed
    assert state_tax("WA", 0, st=-100000, lt=300000) == D("2100.00")  # nor offset by short-term losses


def test_a_washington_long_term_loss_saves_7_percent_down_to_the_threshold() -> None:
    assert state_saving("WA", 0, lt=300000, lt_loss=10000) == D("700.00")
    assert state_saving("WA", 0, lt=300000, lt_loss=50000) == D("2100.00")  # only 30,000 was above 270,000
    assert state_saving("WA", 0, lt=200000, lt_loss=10000) == 0


def test_a_washington_short_term_loss_saves_nothing() -> None:
    assert state_saving("WA", 0, st=50000, lt=400000, st_loss=10000) == 0


def test_the_washington_surcharge_adds_2_9_percent_at_the_top() -> None:
    # Far above any threshold the last dollar bears 7% + 2.9% = 9.9%.
    assert state_saving("WA", 0, lt=3000000, lt_loss=10000) == D("990.00")


def test_the_washington_surcharge_applies_to_taxable_gains_above_1000000_after_the_deduction() -> None:
    # LT gains 1,500,000: taxable WA gains 1,230,000; 7% * 1,230,000 = 86,100; 2.9% * 230,000 = 6,670.
    assert state_tax("WA", 0, lt=1500000) == D("92770.00")  # product: 86,100 + 2.9% * 500,000 = 100,600
    # LT gains 1,200,000: taxable 930,000, under 1,000,000: 7% only = 65,100.
    assert state_tax("WA", 0, lt=1200000) == D("65100.00")


def test_a_washington_long_term_carryforward_reduces_the_taxed_gain() -> None:
    # LT gains 400,000 less a 100,000 LT carryforward: federal net LT gain 300,000 -> (300,000 - 270,000) * 7%.
    assert state_tax("WA", 0, lt=400000, lt_carry=100000) == D("2100.00")  # product: 130,000 * 7% = 9,100


def test_massachusetts_taxes_short_term_gains_at_8_5_and_long_term_at_5_percent() -> None:
    assert state_tax("MA", 100000, st=10000) == D("850.00")
    assert state_tax("MA", 100000, lt=10000) == D("500.00")
    assert state_tax("MA", 100000, st=10000, lt=10000) == D("1350.00")


def test_massachusetts_nets_losses_across_the_two_classes() -> None:
    assert state_tax("MA", 100000, st=-4000, lt=10000) == D("300.00")  # 6,000 LT at 5%
    assert state_tax("MA", 100000, st=10000, lt=-4000) == D("510.00")  # 6,000 ST at 8.5%
    # A long-term loss harvested against short-term gains saves the short-term rate.
    assert state_saving("MA", 100000, st=20000, lt_loss=10000) == D("850.00")


def test_massachusetts_does_not_offset_wages_with_a_net_loss() -> None:
    assert state_tax("MA", 100000, st=-20000, lt=5000) == 0
    assert state_saving("MA", 100000, st_loss=10000) == 0
    # A 30,000 loss against 20,000 of ST gains saves only the 20,000: 1,700.
    assert state_saving("MA", 100000, st=20000, st_loss=30000) == D("1700.00")


def test_the_massachusetts_surtax_falls_on_gains_above_the_threshold() -> None:
    # Wages 1,100,000 + LT 100,000: income 1,200,000 is 116,850 over 1,083,150, more than the gains:
    # 100,000 * 5% + 100,000 * 4% = 9,000.
    assert state_tax("MA", 1100000, lt=100000) == D("9000.00")
    # Wages 1,050,000 + LT 100,000: 66,850 over: 5,000 + 66,850 * 4% = 7,674.
    assert state_tax("MA", 1050000, lt=100000) == D("7674.00")


@pytest.mark.parametrize(("state", "rate"), [("PA", D("0.0307")), ("NJ", D("0.1075"))])
def test_pennsylvania_and_new_jersey_losses_offset_only_the_years_gains(state: str, rate: Decimal) -> None:
    assert state_tax(state, 100000, st=20000) == (20000 * rate).quantize(D("0.01"))
    assert state_saving(state, 100000, st=20000, st_loss=10000) == (10000 * rate).quantize(D("0.01"))
    # Only 5,000 of gains to absorb a 10,000 loss.
    assert state_saving(state, 100000, lt=5000, lt_loss=10000) == (5000 * rate).quantize(D("0.01"))
    # Nothing against wages, and no 3,000 deduction.
    assert state_saving(state, 100000, st_loss=10000) == 0
    assert state_tax(state, 100000, st=-10000) == 0


def test_new_jersey_half_cents_round_up() -> None:
    assert state_saving("NJ", 100000, lt=5000, lt_loss=10000) == D("537.50")


@pytest.mark.parametrize("code", ["ZZ", "XX", "CAL", "U"])
def test_an_unknown_state_code_is_refused(code: str) -> None:
    with pytest.raises(UnknownState, match=f"unknown state '{code}'"):
        check_state(code)
    with pytest.raises(UnknownState):
        HarvestValuer(2025, "single", code, Income(D(100000)))


def test_a_state_code_is_accepted_in_any_case_and_with_spaces() -> None:
    assert check_state(" ca ") == "CA"
    assert HarvestValuer(2025, "single", "ny", Income(D(100000))).state == "NY"


def test_every_state_and_dc_has_a_rate_and_no_tax_states_have_zero() -> None:
    assert len(TOP_RATES) == 51
    assert all(TOP_RATES[code] == 0 for code in NO_INCOME_TAX - {"WA"})
