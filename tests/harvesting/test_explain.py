"""``harvesting.explain.explain``: which gains (or income) a harvested loss offsets, at which rates, and what
carries forward, for one client's whole year. Pure: no database.

Unless a test says otherwise the client files single in 2025 with 400,000 of wages: 384,250 of taxable
income (400,000 less the 15,750 standard deduction), in the 35% bracket; long-term gains at 15%; AGI over
200,000, so gains also bear the 3.8% NIIT. Short-term gains are then worth 38.8%, long-term 18.8%, and a
dollar of the $3,000 deduction against ordinary income 35% (the NIIT is on investment income only).
"""

from __future__ import annotations

from decimal import Decimal

from harvesting.explain import explain
from taxprofiles.rules.federal_tax import Income
from taxprofiles.rules.harvest_value import HarvestValuer

D = Decimal
ST_RATE, LT_RATE, ORDINARY_RATE = D("0.388"), D("0.188"), D("0.35")
ORDINARY = "ordinary income (the $3,000 limit)"


def client(
    *, st_gains: str = "0", lt_gains: str = "0", st_carryforward: str = "0", wages: str = "400000",
    status: str = "single", state: str = "",
) -> HarvestValuer:  # fmt: skip
    income = Income(D(wages), st_gains=D(st_gains), lt_gains=D(lt_gains), st_carryforward=D(st_carryforward))
    return HarvestValuer(2025, status, state, income)


def offsets_value(explanation) -> Decimal:
    return sum((o.dollars * o.rate for o in explanation.offsets), D(0)).quantize(D("0.01"))


def slices(explanation) -> list[tuple[str, Decimal, Decimal]]:
    """(what, dollars, rate) of each slice."""
    return [(o.what, o.dollars, o.rate) for o in explanation.offsets]


def test_a_short_term_loss_with_no_gains_offsets_3000_of_income_and_carries_the_rest():
    e = explain(client(), D("3900"), long_term=False, tax_year=2025)
    assert slices(e) == [(ORDINARY, D("3000"), ORDINARY_RATE)]
    assert (e.federal_savings, e.state_savings, e.total_savings) == (D("1050.00"), D("0"), D("1050.00"))
    # 900 carried, worth 900 x 38.8% discounted a year at 5%: 349.20 / 1.05 = 332.57.
    assert (e.carried_forward, e.carryforward_value) == (D("900"), D("332.57"))
    assert (e.long_term, e.niit, e.state, e.tax_year) == (False, True, "", 2025)


def test_a_short_term_loss_offsets_short_term_gains_first():
    e = explain(client(st_gains="20000"), D("3900"), long_term=False, tax_year=2025)
    assert slices(e) == [("short-term gains", D("3900"), ST_RATE)]
    # 3,900 x 35% = 1,365.00 of income tax and 3,900 x 3.8% = 148.20 of NIIT.
    assert e.federal_savings == D("1513.20")
    assert (e.carried_forward, e.carryforward_value) == (D("0"), D("0.00"))


def test_a_short_term_loss_larger_than_its_gains_goes_on_to_long_term_gains_then_income():
    e = explain(client(st_gains="4000", lt_gains="5000"), D("10000"), long_term=False, tax_year=2025)
    assert slices(e) == [
        ("short-term gains", D("4000"), ST_RATE),
        ("long-term gains", D("5000"), LT_RATE),
        (ORDINARY, D("1000"), ORDINARY_RATE),
    ]
    # 1,552 + 940 + 350.
    assert e.federal_savings == offsets_value(e) == D("2842.00")
    assert e.carried_forward == D("0")


def test_a_long_term_loss_offsets_long_term_gains():
    e = explain(client(lt_gains="8000"), D("5000"), long_term=True, tax_year=2025)
    assert slices(e) == [("long-term gains", D("5000"), LT_RATE)]
    assert e.federal_savings == D("940.00")  # 750.00 at 15% and 190.00 of NIIT
    assert e.carried_forward == D("0")


def test_a_long_term_loss_goes_on_to_short_term_gains_then_the_limit_and_carries_the_rest():
    e = explain(client(st_gains="2000"), D("6000"), long_term=True, tax_year=2025)
    assert slices(e) == [("short-term gains", D("2000"), ST_RATE), (ORDINARY, D("3000"), ORDINARY_RATE)]
    assert e.federal_savings == offsets_value(e) == D("1826.00")  # 776 + 1,050
    # 1,000 long-term carried, worth 1,000 x 18.8% / 1.05 = 179.05.
    assert (e.carried_forward, e.carryforward_value) == (D("1000"), D("179.05"))


def test_a_carryforward_in_reduces_the_gains_there_are_to_offset():
    e = explain(client(st_gains="5000", st_carryforward="2000"), D("4000"), long_term=False, tax_year=2025)
    assert slices(e) == [("short-term gains", D("3000"), ST_RATE), (ORDINARY, D("1000"), ORDINARY_RATE)]
    assert e.federal_savings == offsets_value(e) == D("1514.00")


def test_a_limit_partly_used_by_earlier_losses_leaves_only_the_rest():
    e = explain(client(st_gains="-1000"), D("3000"), long_term=False, tax_year=2025)
    assert slices(e) == [(ORDINARY, D("2000"), ORDINARY_RATE)]
    assert (e.federal_savings, e.carried_forward) == (D("700.00"), D("1000"))


def test_a_loss_when_the_limit_is_used_up_only_carries_forward():
    e = explain(client(st_gains="-5000"), D("2000"), long_term=False, tax_year=2025)
    assert slices(e) == []
    assert (e.federal_savings, e.total_savings, e.carried_forward) == (D("0.00"), D("0.00"), D("2000"))
    assert e.carryforward_value == D("739.05")  # 2,000 x 38.8% / 1.05


def test_a_modest_earner_saves_at_12_percent_and_long_term_carryforward_at_0():
    # 60,000 - 15,750 = 44,250 of taxable income: the 12% bracket, long-term gains at 0% (to 48,350), no NIIT.
    e = explain(client(wages="60000"), D("10000"), long_term=True, tax_year=2025)
    assert slices(e) == [(ORDINARY, D("3000"), D("0.12"))]
    assert (e.federal_savings, e.niit) == (D("360"), False)
    assert (e.carried_forward, e.carryforward_value) == (D("7000"), D("0.00"))


def test_the_state_saving_is_added_and_named():
    # Married filing jointly in California with 150,000: 118,500 taxable federally, 22%. California: 150,000 -
    # 11,412 = 138,588 taxable, in the 8% bracket (115,084-145,448): the 3,000 deducted saves 240.00.
    e = explain(client(wages="150000", status="married_joint", state="CA"), D("10000"), long_term=False, tax_year=2025)
    assert slices(e) == [(ORDINARY, D("3000"), D("0.22"))]
    assert (e.federal_savings, e.state_savings, e.total_savings) == (D("660.00"), D("240.00"), D("900.00"))
    assert (e.state, e.state_rate, e.niit) == ("CA", D("0.0800"), False)
    assert e.state_stated_rate == "2.4%"  # of the 10,000 loss: 240.00
    # 7,000 carried at 22% + 8%, a year on: 2,100 / 1.05 = 2,000.00.
    assert (e.carried_forward, e.carryforward_value) == (D("7000"), D("2000.00"))


def test_married_filing_separately_is_told_its_own_limit():
    e = explain(client(status="married_separate"), D("3900"), long_term=False, tax_year=2025)
    # 384,250 of taxable income is over 375,800: the 37% bracket for married filing separately.
    assert [(dollars, rate) for _, dollars, rate in slices(e)] == [(D("1500"), D("0.37"))]
    assert (e.federal_savings, e.carried_forward) == (D("555.00"), D("2400"))
    assert e.offsets[0].what == "ordinary income (the $1,500 limit)"


def test_a_loss_is_not_credited_with_gains_the_other_terms_loss_already_offsets():
    e = explain(client(st_gains="-2000", lt_gains="4000"), D("10000"), long_term=True, tax_year=2025)
    # Before: 2,000 of net long-term gain. After: a net loss of 8,000: 3,000 deducted, 5,000 carried.
    # The loss saves the tax on 2,000 of gains (18.8%) and on 3,000 of income (35%): 376 + 1,050 = 1,426.
    assert (e.federal_savings, e.carried_forward) == (D("1426.00"), D("5000"))
    assert slices(e) == [("long-term gains", D("2000"), LT_RATE), (ORDINARY, D("3000"), ORDINARY_RATE)]
    assert offsets_value(e) == e.federal_savings


def test_the_alvarez_short_term_loss_states_the_rate_it_saves_and_why():
    # The demo's Alvarez family in 2025: married filing jointly, 620,000 of wages, 45,000 short-term and 120,000
    # long-term gains, 68,000 itemized: 717,000 taxable, of which 597,000 ordinary (the 35% bracket). The 15%
    # long-term rate reaches 600,050, so 3,050 of the gains are taxed at 15% and 116,950 at 20%. Each dollar of
    # short-term gain offset saves 35% + 3.8% NIIT and moves a dollar of long-term gain from 20% to 15%: 43.8%.
    valuer = HarvestValuer(2025, "married_joint", "CA", Income(D(620000), D(45000), D(120000), itemized=D(68000)))
    e = explain(valuer, D("6991.70"), long_term=False, tax_year=2025)
    (offset,) = e.offsets
    # Income tax 171,892.00 -> 169,095.33 (2,796.67, 40% less a cent of rounding) and NIIT 6,270.00 -> 6,004.32
    # (265.68): 3,062.35, which 43.8% would overstate by a cent (3,062.36); 43.7998% x 6,991.70 = 3,062.35.
    assert (offset.what, offset.dollars, offset.saving) == ("short-term gains", D("6991.70"), D("3062.35"))
    assert offset.rate == e.federal_savings / e.loss == D("3062.35") / D("6991.70")
    assert offset.stated_rate == "43.7998%"
    assert (offset.stated_fraction * offset.dollars).quantize(D("0.01")) == e.federal_savings
    assert offset.statutory_rate == ST_RATE
    assert offset.crossed == (
        "the long-term rate breakpoints: long-term gains and qualified dividends stack on top of ordinary income, "
        "so as it falls some taxed at 20% move down to 15%",
    )


def test_a_ten_thousand_dollar_alvarez_loss_saves_exactly_43_8_percent():
    valuer = HarvestValuer(2025, "married_joint", "CA", Income(D(620000), D(45000), D(120000), itemized=D(68000)))
    e = explain(valuer, D("10000"), long_term=False, tax_year=2025)
    # 10,000 x 43.8% = 4,380.00: 3,500 at 35%, 380 of NIIT and 500 as 10,000 of gains move from 20% to 15%.
    assert [(o.stated_rate, o.saving) for o in e.offsets] == [("43.8%", D("4380.00"))]


def test_a_slice_spanning_two_long_term_rates_says_so_and_the_slices_add_up():
    valuer = HarvestValuer(2025, "married_joint", "CA", Income(D(620000), D(45000), D(120000), itemized=D(68000)))
    e = explain(valuer, D("200000"), long_term=True, tax_year=2025)
    # 120,000 of long-term gains: 116,950 at 20% and 3,050 at 15%, each with the 3.8% NIIT: 23,390 + 457.50 +
    # 4,560 = 28,407.50; then 45,000 of short-term at 38.8% (17,460) and the 3,000 limit at 35% (1,050).
    assert [(o.dollars, o.saving, o.stated_rate) for o in e.offsets] == [
        (D("120000"), D("28407.50"), "23.67292%"),
        (D("45000"), D("17460.00"), "38.8%"),
        (D("3000"), D("1050.00"), "35%"),
    ]
    assert e.offsets[0].crossed == ("a bracket edge: the gains span the 15% and 20% long-term rates",)
    assert sum(o.saving for o in e.offsets) == e.federal_savings == D("46917.50")


def test_a_slice_under_the_amt_says_so():
    # 2025, married filing separately: 320,000 of wages and 600,000 of long-term gains; a 50,000 short-term loss
    # offsets 50,000 of them. Regular tax 10,000 less (20%), NIIT 1,900 less (3.8%) and the AMT 12,549.75 ->
    # 9,049.75 (3,500 less: AMTI above the exemption's end adds back a quarter of the excess): 15,400, 30.8%.
    valuer = HarvestValuer(2025, "married_separate", "", Income(D(320000), lt_gains=D(600000)))
    e = explain(valuer, D("50000"), long_term=False, tax_year=2025)
    (offset,) = e.offsets
    assert (offset.what, offset.saving, offset.stated_rate, offset.statutory_rate) == (
        "long-term gains",
        D("15400.00"),
        "30.8%",
        D("0.238"),  # 20% and the NIIT
    )
    assert offset.crossed == (
        "the AMT: the return pays $12,549.75 of alternative minimum tax before this slice and $9,049.75 after it, "
        "so the slice is taxed at the AMT's rates (26%/28%) rather than the brackets",
        "the AMT exemption's phase-out: above $626,350.00 of AMT income each dollar also takes 25% of a dollar "
        "of the exemption away",
    )
