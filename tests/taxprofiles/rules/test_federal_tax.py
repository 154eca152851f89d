"""Federal income tax: Form 1040, the Tax Table, the capital gain worksheet and the NIIT, by hand.

Every golden figure is worked out in the comments from the tables in ``taxprofiles/rules/federal.py``
(Rev. Proc. 2024-40 as amended by Pub. L. 119-21 for 2025; Rev. Proc. 2025-32 for 2026), the
Qualified Dividends and Capital Gain Tax Worksheet (Form 1040 instructions), the Tax Table rules
(taxable income below $100,000: the tax on the midpoint of the row, rounded to whole dollars) and
Form 8960 (NIIT: 3.8% of the smaller of net investment income and MAGI over the threshold).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxprofiles.rules.federal import (
    KNOWN_YEARS,
    LAW_YEARS,
    FederalLaw,
    FilingStatus,
    UnknownTaxYear,
    federal_law,
    federal_law_of_any_year,
)
from taxprofiles.rules.federal_tax import FederalTax, Income, federal_tax, ordinary_tax

D = Decimal
SINGLE = FilingStatus.SINGLE
JOINT = FilingStatus.MARRIED_JOINT
SEPARATE = FilingStatus.MARRIED_SEPARATE
HEAD = FilingStatus.HEAD_OF_HOUSEHOLD


def tax(year: int, status: FilingStatus, wages: int | str, st: int = 0, lt: int = 0, **extra: Decimal) -> FederalTax:
    return federal_tax(federal_law(year, status), Income(D(wages), D(st), D(lt), **extra))


def saving(year: int, status: FilingStatus, wages: int, st: int = 0, lt: int = 0, *, st_loss=0, lt_loss=0) -> Decimal:
    return tax(year, status, wages, st, lt).total - tax(year, status, wages, st - st_loss, lt - lt_loss).total


# (a) The product's worked example -----------------------------------------------------------------


def test_a_high_earner_with_gains_owes_income_tax_at_35_and_15_percent_plus_niit() -> None:
    result = tax(2025, SINGLE, 250000, st=40000, lt=60000)
    # AGI = 250,000 + 40,000 + 60,000 = 350,000; taxable = 350,000 - 15,750 = 334,250.
    # Net capital gain (worksheet line 4) = 60,000; ordinary part (line 5) = 274,250.
    # Tax on 274,250 by the schedule: 1,192.50 + 36,550*12% + 54,875*22% + 93,950*24% + 53,225*32%
    #   = 57,231.00 to 250,525, plus (274,250 - 250,525) * 35% = 23,725 * 35% = 8,303.75 -> 65,534.75.
    # The gain: 0% band used up by the ordinary part (274,250 > 48,350); all 60,000 below the 15% top
    #   (334,250 <= 533,400): 60,000 * 15% = 9,000.00.  Income tax = 74,534.75.
    # NIIT: MAGI over 200,000 = 150,000; investment income 100,000 is smaller: 100,000 * 3.8% = 3,800.00.
    assert result.agi == D(350000)
    assert result.taxable_income == D(334250)
    assert result.income_tax == D("74534.75")
    assert result.niit == D("3800.00")
    assert result.total == D("78334.75")
    assert (result.carryforward_st, result.carryforward_lt) == (0, 0)


def test_a_further_short_term_loss_saves_the_35_percent_rate_plus_niit() -> None:
    # 10,000 off the ordinary part at 35% = 3,500; NII 100,000 -> 90,000 at 3.8% = 380.
    assert saving(2025, SINGLE, 250000, 40000, 60000, st_loss=10000) == D("3880.00")


def test_a_further_long_term_loss_saves_the_15_percent_rate_plus_niit() -> None:
    # 10,000 off the net capital gain at 15% = 1,500; NIIT as above 380.
    assert saving(2025, SINGLE, 250000, 40000, 60000, lt_loss=10000) == D("1880.00")


# (b) and (c) The $3,000 / $1,500 limit -------------------------------------------------------------


def test_a_loss_without_gains_saves_only_the_3000_limit_at_the_ordinary_rate() -> None:
    before = tax(2025, SINGLE, 60000)
    after = tax(2025, SINGLE, 60000, st=-10000)
    # Before: taxable 60,000 - 15,750 = 44,250 -> Tax Table row 44,250-44,300, midpoint 44,275:
    #   1,192.50 + (44,275 - 11,925) * 12% = 1,192.50 + 3,882.00 = 5,074.50 -> 5,075.
    # After: 3,000 deducted, taxable 41,250 -> midpoint 41,275: 1,192.50 + 29,350 * 12% = 4,714.50 -> 4,715.
    assert before.total == D(5075)
    assert after.total == D(4715)
    assert before.total - after.total == D(360)  # 3,000 at 12%
    assert after.netting.loss_deducted == D(3000)
    # Capital Loss Carryover Worksheet: line 4 = 3,000 used; short-term loss 10,000 - 3,000 = 7,000.
    assert (after.carryforward_st, after.carryforward_lt) == (D(7000), D(0))


def test_married_filing_separately_deducts_only_1500() -> None:
    before = tax(2025, SEPARATE, 90000)
    after = tax(2025, SEPARATE, 90000, st=-10000)
    # Before: taxable 90,000 - 15,750 = 74,250 -> midpoint 74,275: 5,578.50 + 25,800 * 22% = 11,254.50 -> 11,255.
    # After: 1,500 deducted, taxable 72,750 -> midpoint 72,775: 5,578.50 + 24,300 * 22% = 10,924.50 -> 10,925.
    assert (before.total, after.total) == (D(11255), D(10925))
    assert after.agi == D(88500)
    assert after.netting.loss_deducted == D(1500)
    assert (after.carryforward_st, after.carryforward_lt) == (D(8500), D(0))


def test_a_single_filer_with_the_same_income_deducts_twice_as_much_as_a_separate_filer() -> None:
    # Taxable 74,250 -> 11,255 as above; after 3,000: 71,250 -> midpoint 71,275:
    #   5,578.50 + 22,800 * 22% = 10,594.50 -> 10,595.  Saving 660 against 330 for a separate filer.
    assert saving(2025, SINGLE, 90000, st_loss=10000) == D(660)
    assert saving(2025, SEPARATE, 90000, st_loss=10000) == D(330)


# (d) The rate schedule above $100,000, each filing status and year ---------------------------------


@pytest.mark.parametrize(
    ("year", "status", "wages", "expected"),
    [
        # Taxable income 400,000 = wages - standard deduction in every case.
        # 2025 single: 1,192.50 + 36,550*12% (4,386) + 54,875*22% (12,072.50) + 93,950*24% (22,548)
        #   + 53,225*32% (17,032) = 57,231.00 at 250,525; + 149,475*35% (52,316.25) = 109,547.25.
        (2025, SINGLE, 415750, "109547.25"),
        # 2025 joint: 2,385 + 73,100*12% (8,772) + 109,750*22% (24,145) + 187,900*24% (45,096)
        #   = 80,398.00 at 394,600; + 5,400*32% (1,728) = 82,126.00.
        (2025, JOINT, 431500, "82126.00"),
        # 2025 separate: 57,231.00 at 250,525 (as single); + 125,275*35% (43,846.25) to 375,800
        #   + 24,200*37% (8,954) = 110,031.25.
        (2025, SEPARATE, 415750, "110031.25"),
        # 2025 head of household: 1,700 + 47,850*12% (5,742) + 38,500*22% (8,470) + 93,950*24% (22,548)
        #   + 53,200*32% (17,024) = 55,484.00 at 250,500; + 149,500*35% (52,325) = 107,809.00.
        (2025, HEAD, 423625, "107809.00"),
        # 2026 single: 1,240 + 38,000*12% (4,560) + 55,300*22% (12,166) + 96,075*24% (23,058)
        #   + 54,450*32% (17,424) = 58,448.00 at 256,225; + 143,775*35% (50,321.25) = 108,769.25.
        (2026, SINGLE, 416100, "108769.25"),
        # 2026 joint: 2,480 + 76,000*12% (9,120) + 110,600*22% (24,332) + 188,600*24% (45,264) = 81,196.00.
        (2026, JOINT, 432200, "81196.00"),
        # 2026 separate: 58,448.00 at 256,225; + 128,125*35% (44,843.75) + 15,650*37% (5,790.50) = 109,082.25.
        (2026, SEPARATE, 416100, "109082.25"),
        # 2026 head of household: 1,770 + 49,750*12% (5,970) + 38,250*22% (8,415) + 96,050*24% (23,052)
        #   + 54,450*32% (17,424) = 56,631.00 at 256,200; + 143,800*35% (50,330) = 106,961.00.
        (2026, HEAD, 424150, "106961.00"),
    ],
)
def test_wages_above_100000_are_taxed_by_the_rate_schedule(
    year: int, status: FilingStatus, wages: int, expected: str
) -> None:
    result = tax(year, status, wages)
    assert result.taxable_income == D(400000)
    assert result.income_tax == D(expected)
    assert result.niit == 0  # wages are not investment income, however high


def test_the_schedule_starts_at_exactly_100000_of_taxable_income() -> None:
    # 5,578.50 + (100,000 - 48,475) * 22% = 5,578.50 + 11,335.50 = 16,914.00 (to the cent, no table).
    assert tax(2025, SINGLE, 115750).income_tax == D("16914.00")


# (e) The Tax Table below $100,000 ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("taxable", "expected"),
    [
        ("44250", 5075),  # row 44,250-44,300: midpoint 44,275 -> 5,074.50 -> 5,075
        ("44299.99", 5075),  # still the same row
        ("44300", 5081),  # next row: midpoint 44,325 -> 1,192.50 + 32,400*12% = 5,080.50 -> 5,081
        ("99999", 16909),  # row 99,950-100,000: midpoint 99,975 -> 5,578.50 + 51,500*22% = 16,908.50 -> 16,909
    ],
)
def test_the_tax_table_taxes_the_midpoint_of_the_50_dollar_row_in_whole_dollars(taxable: str, expected: int) -> None:
    result = tax(2025, SINGLE, str(D(taxable) + 15750))
    assert result.taxable_income == D(taxable)
    assert result.income_tax == D(expected)


@pytest.mark.parametrize(
    ("taxable", "expected"),
    [
        ("4.99", 0),  # below $5 no tax
        ("5", 1),  # row 5-15: midpoint 10 * 10% = 1
        ("24", 2),  # row 15-25: midpoint 20 -> 2
        ("25", 4),  # row 25-50: midpoint 37.50 -> 3.75 -> 4
        ("1010", 101),  # row 1,000-1,025: midpoint 1,012.50 -> 101.25 -> 101
        ("2999", 299),  # row 2,975-3,000: midpoint 2,987.50 -> 298.75 -> 299
        ("3000", 303),  # first $50 row 3,000-3,050: midpoint 3,025 -> 302.50 -> 303 (half rounds up)
    ],
)
def test_the_tax_table_uses_narrower_rows_below_3000(taxable: str, expected: int) -> None:
    assert ordinary_tax(federal_law(2025, SINGLE), D(taxable)) == D(expected)


def test_the_tax_table_for_a_joint_return_uses_the_joint_brackets() -> None:
    # Taxable 80,000 (wages 111,500): row 80,000-80,050, midpoint 80,025:
    #   2,385 + (80,025 - 23,850) * 12% = 2,385 + 6,741 = 9,126.
    assert tax(2025, JOINT, 111500).income_tax == D(9126)


def test_the_tax_table_rounds_half_dollars_up_as_the_irs_table_does() -> None:
    # 2026 single, taxable 20,000: midpoint 20,025 -> 1,240 + 7,625 * 12% = 2,155.00 (whole already);
    # 2025 single, taxable 20,000: midpoint 20,025 -> 1,192.50 + 8,100 * 12% = 2,164.50 -> 2,165.
    # (IRS Tax Tables round .50 up: e.g. the 2015 single row 25,200-25,250 shows 3,323 for 3,322.50.)
    assert tax(2026, SINGLE, 36100).income_tax == D(2155)
    assert tax(2025, SINGLE, 35750).income_tax == D(2165)


# (f) and (g) The long-term rates ---------------------------------------------------------------------


def test_long_term_gains_below_the_zero_rate_top_are_not_taxed() -> None:
    # Wages 20,000 + LT 30,000: taxable 34,250; ordinary part 4,250 -> row 4,250-4,300,
    # midpoint 4,275 * 10% = 427.50 -> 428.  The 30,000 gain sits in 4,250-34,250, all below 48,350: 0%.
    result = tax(2025, SINGLE, 20000, lt=30000)
    assert result.income_tax == D(428)
    assert result.income_tax == ordinary_tax(federal_law(2025, SINGLE), D(4250))


def test_only_the_part_of_a_gain_above_the_zero_rate_top_pays_15_percent() -> None:
    # Wages 30,000 + LT 40,000: taxable 54,250; ordinary part 14,250 -> midpoint 14,275:
    #   1,192.50 + 2,350 * 12% = 1,474.50 -> 1,475.
    # 0% band: 48,350 - 14,250 = 34,100; 15%: 40,000 - 34,100 = 5,900 * 15% = 885.00.  Total 2,360.00.
    assert tax(2025, SINGLE, 30000, lt=40000).income_tax == D("2360.00")


def test_a_short_term_gain_fills_the_zero_rate_band_before_long_term_gains() -> None:
    # ST 30,000 + LT 30,000, no wages: taxable 44,250; ordinary part 14,250 -> 1,475 (as above);
    # the 30,000 gain fills 14,250-44,250, all below 48,350: 0%.
    assert tax(2025, SINGLE, 0, st=30000, lt=30000).income_tax == D(1475)


def test_gains_above_the_15_percent_top_pay_20_percent() -> None:
    result = tax(2025, SINGLE, 200000, lt=500000)
    # Taxable 700,000 - 15,750 = 684,250; ordinary part 184,250:
    #   17,651.00 at 103,350 + 80,900 * 24% (19,416) = 37,067.00.
    # 15% band: 533,400 - 184,250 = 349,150 * 15% = 52,372.50; the rest 150,850 * 20% = 30,170.00.
    # Income tax 37,067 + 52,372.50 + 30,170 = 119,609.50; NIIT min(500,000, 500,000) * 3.8% = 19,000.
    assert result.income_tax == D("119609.50")
    assert result.niit == D("19000.00")
    assert result.total == D("138609.50")


def test_a_long_term_loss_above_the_15_percent_top_saves_20_percent_plus_niit() -> None:
    assert saving(2025, SINGLE, 200000, lt=500000, lt_loss=10000) == D("2380.00")


def test_joint_filers_use_the_joint_capital_gain_breakpoints_in_2026() -> None:
    # Wages 50,000 + LT 100,000: taxable 150,000 - 32,200 = 117,800; ordinary part 17,800 ->
    #   row 17,800-17,850, midpoint 17,825 * 10% = 1,782.50 -> 1,783.
    # 0% band to 98,900: 98,900 - 17,800 = 81,100; 15% on 100,000 - 81,100 = 18,900 -> 2,835.00.
    assert tax(2026, JOINT, 50000, lt=100000).income_tax == D("4618.00")


# (h) The net investment income tax --------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "threshold"),
    [(SINGLE, 200000), (JOINT, 250000), (SEPARATE, 125000), (HEAD, 200000)],
)
@pytest.mark.parametrize("year", [2025, 2026])
def test_niit_is_charged_only_on_the_excess_of_magi_over_the_status_threshold(
    year: int, status: FilingStatus, threshold: int
) -> None:
    # Investment income 30,000, MAGI 20,000 over the threshold: 20,000 * 3.8% = 760.
    assert tax(year, status, threshold - 10000, lt=30000).niit == D("760.00")
    # MAGI exactly at the threshold: nothing.
    assert tax(year, status, threshold - 30000, lt=30000).niit == 0
    # Investment income smaller than the excess: 10,000 * 3.8% = 380.
    assert tax(year, status, threshold + 100000, st=10000).niit == D("380.00")


def test_niit_is_not_charged_on_wages_or_on_a_net_capital_loss() -> None:
    assert tax(2025, SINGLE, 900000).niit == 0
    assert tax(2025, SINGLE, 900000, st=-50000, lt=20000).niit == 0


def test_a_gain_netted_away_by_a_loss_is_not_investment_income() -> None:
    # Separate filer, wages 200,000 (75,000 over 125,000), ST gain 5,000 and LT loss 20,000:
    # net loss 15,000, 1,500 deducted, so no net gain for Form 8960 and no NIIT.
    result = tax(2025, SEPARATE, 200000, st=5000, lt=-20000)
    assert result.agi == D(198500)
    assert result.niit == 0


# (i) Itemized deductions ------------------------------------------------------------------------


def test_itemized_deductions_larger_than_the_standard_deduction_are_used() -> None:
    result = tax(2025, SINGLE, 200000, itemized=D(40000))
    # Taxable 160,000: 17,651.00 + (160,000 - 103,350) * 24% = 17,651 + 13,596 = 31,247.00.
    assert result.taxable_income == D(160000)
    assert result.income_tax == D("31247.00")


def test_itemized_deductions_smaller_than_the_standard_deduction_are_ignored() -> None:
    assert tax(2025, SINGLE, 200000, itemized=D(10000)).taxable_income == D(184250)
    assert tax(2025, SINGLE, 200000, itemized=D(10000)) == tax(2025, SINGLE, 200000)


# (j) Unknown years ------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2017, 2027])
def test_a_year_the_product_does_not_know_raises_a_clear_error(year: int) -> None:
    known = "2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026"
    with pytest.raises(UnknownTaxYear, match=rf"^tax year {year} is not supported \(known years: {known}\)$"):
        federal_law(year, SINGLE)


def test_filing_status_may_be_given_by_its_value() -> None:
    assert federal_law(2025, "married_joint") is federal_law(2025, JOINT)  # type: ignore[arg-type]


# Invariants ---------------------------------------------------------------------------------------

amounts = st.integers(min_value=-300000, max_value=300000)


@settings(max_examples=300, deadline=None)
@given(
    year=st.sampled_from([2025, 2026]),
    status=st.sampled_from(list(FilingStatus)),
    wages=st.integers(min_value=0, max_value=1000000),
    st_gains=amounts,
    lt_gains=amounts,
    loss=st.integers(min_value=1, max_value=100000),
    short=st.booleans(),
)
def test_a_loss_never_raises_tax_and_saves_at_most_the_top_stacked_rate(
    year: int, status: FilingStatus, wages: int, st_gains: int, lt_gains: int, loss: int, short: bool
) -> None:
    save = saving(year, status, wages, st_gains, lt_gains, st_loss=loss if short else 0, lt_loss=0 if short else loss)
    # The largest combined rate a dollar of loss can carry: 35% ordinary plus the 5-point step of a gain
    # pushed from the 15% band into 20%, plus 3.8% NIIT = 43.8%; the Tax Table's rounding adds at most
    # about $6 to either side.
    assert D(0) <= save <= D(loss) * D("0.438") + 12


# (k) Every year 2018-2026 --------------------------------------------------------------------------


def law_of(year: int, status: FilingStatus) -> FederalLaw:
    return federal_law_of_any_year(year, status)


def test_the_law_files_cover_2018_through_2026() -> None:
    assert tuple(range(2018, 2027)) == LAW_YEARS
    assert KNOWN_YEARS == LAW_YEARS  # the product offers every year it has the law of


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        # Single, taxable 400,000: the tax at the 35% bracket's bottom (the 32% top) plus 35% above it.
        # 2018 (Rev. Proc. 2018-18): 952.50 + 29,175*12% + 43,800*22% + 75,000*24% + 42,500*32%
        #   = 45,689.50 at 200,000; + 200,000 * 35% = 115,689.50.
        (2018, "115689.50"),
        # 2019 (Rev. Proc. 2018-57): 46,628.50 at 204,100; + 195,900 * 35% = 115,193.50.
        (2019, "115193.50"),
        # 2020 (Rev. Proc. 2019-44): 47,367.50 at 207,350; + 192,650 * 35% = 114,795.00.
        (2020, "114795.00"),
        # 2021 (Rev. Proc. 2020-45): 47,843.00 at 209,425; + 190,575 * 35% = 114,544.25.
        (2021, "114544.25"),
        # 2022 (Rev. Proc. 2021-45): 49,335.50 at 215,950; + 184,050 * 35% = 113,753.00.
        (2022, "113753.00"),
        # 2023 (Rev. Proc. 2022-38): 52,832.00 at 231,250; + 168,750 * 35% = 111,894.50.
        (2023, "111894.50"),
        # 2024 (Rev. Proc. 2023-34): 55,678.50 at 243,725; + 156,275 * 35% = 110,374.75.
        (2024, "110374.75"),
        (2025, "109547.25"),
        (2026, "108769.25"),
    ],
)
def test_each_years_schedule_taxes_400000_of_single_taxable_income(year: int, expected: str) -> None:
    law = law_of(year, SINGLE)
    result = federal_tax(law, Income(D(400000) + law.standard_deduction))
    assert result.taxable_income == D(400000)
    assert result.income_tax == D(expected)
    assert result.amt == 0  # AMTI 400,000 + standard deduction; 26%/28% on it less the exemption is lower


@pytest.mark.parametrize(
    ("year", "taxable", "expected"),
    [
        # Joint, wages 150,000 and qualified dividends 50,000: the ordinary part 100,000 or more is taxed
        # by the schedule, the dividends at 15% (7,500) as the 0% band ends below the ordinary part.
        # 2018: taxable 176,000; ordinary 126,000: 1,905 + 58,350*12% (7,002) + 48,600*22% (10,692)
        #   = 19,599; + 7,500 = 27,099.00.
        (2018, 176000, "27099.00"),
        # 2022: taxable 174,100; ordinary 124,100: 2,055 + 63,000*12% (7,560) + 40,550*22% (8,921)
        #   = 18,536; + 7,500 = 26,036.00.
        (2022, 174100, "26036.00"),
        # 2024: taxable 170,800; ordinary 120,800: 2,320 + 71,100*12% (8,532) + 26,500*22% (5,830)
        #   = 16,682; + 7,500 = 24,182.00.
        (2024, 170800, "24182.00"),
    ],
)
def test_qualified_dividends_are_taxed_at_the_capital_gain_rates(year: int, taxable: int, expected: str) -> None:
    result = federal_tax(law_of(year, JOINT), Income(D(150000), qualified_dividends=D(50000)))
    assert result.agi == D(200000)
    assert result.taxable_income == D(taxable)
    assert result.income_tax == D(expected)
    assert result.niit == 0  # MAGI 200,000 is below the joint 250,000


def test_qualified_dividends_are_net_investment_income() -> None:
    # Single 2025, wages 190,000 + dividends 30,000: MAGI 20,000 over 200,000 -> 20,000 * 3.8% = 760.
    assert tax(2025, SINGLE, 190000, qualified_dividends=D(30000)).niit == D("760.00")
    # A deducted capital loss reduces net investment income (Form 8960 line 5a): 30,000 - 3,000.
    assert tax(2025, SINGLE, 290000, st=-10000, qualified_dividends=D(30000)).niit == D("1026.00")


def test_large_long_term_gains_under_the_2026_phase_out_owe_amt() -> None:
    result = tax(2026, SINGLE, 300000, lt=700000)
    # Taxable 1,000,000 - 16,100 = 983,900; ordinary part 283,900: 58,448 + 27,675*35% (9,686.25)
    #   = 68,134.25; gain: 545,500 - 283,900 = 261,600 * 15% (39,240) + 438,400 * 20% (87,680).
    #   Regular tax 195,054.25.
    # AMTI 1,000,000: exemption 90,100 - 50% * 500,000 < 0 -> none; line 6 = 1,000,000.
    # Part III: ordinary 300,000 at 26%/28%: 78,000 + 55,500 * 2% (1,110) = 79,110; the 0% and 15% bands
    #   stack on the regular ordinary part (lines 20 and 27: 283,900): 0% none, 15% on 261,600 (39,240),
    #   20% on 438,400 (87,680).  Tentative minimum tax 206,030.00; AMT 206,030 - 195,054.25 = 10,975.75.
    assert result.income_tax == D("195054.25")
    assert result.amt == D("10975.75")
    assert result.total == result.income_tax + result.amt + result.niit


def test_a_separate_return_adds_back_part_of_amti_above_the_exemptions_end() -> None:
    # The example, 2025 separate: wages 320,000, LTG 600,000, then a 50,000 short-term loss.
    before = tax(2025, SEPARATE, 320000, lt=600000)
    after = tax(2025, SEPARATE, 320000, st=-50000, lt=600000)
    # Regular: 196,034.75 -> 186,034.75 (10,000 = 50,000 of the 20% band); NIIT 22,800 -> 20,900.
    # AMTI 920,000 > 900,350 (626,350 + 68,500 / 25%): add back min(25% * 19,650, 68,500) = 4,912.50,
    #   line 6 = 924,912.50; Part III: ordinary 324,912.50 at 28% less 2% of 119,550 = 88,584.50;
    #   gain all at 20% (the separate 15% top 300,000 < 324,912.50): 120,000.  TMT 208,584.50;
    #   AMT 12,549.75.  After: AMTI 870,000, no add-back, line 6 = 870,000: 74,549.50 + 110,000 +
    #   - 186,034.75 = 9,049.75 (taxcalc, which omits the add-back, finds 14,024.50 of saving).
    assert (before.amt, after.amt) == (D("12549.75"), D("9049.75"))
    assert before.total - after.total == D("15400.00")
