"""Arkansas individual income tax (Form AR1000F), 2022-2026.

Sources:
- Net taxable income: Arkansas AGI less the standard deduction. The standard deduction is $2,270 (2022),
  $2,340 (2023), $2,410 (2024), $2,470 (2025) per taxpayer, twice that on a joint return (A.C.A.
  §26-51-430(b)(1)(A), indexed; AR1000F line 28 of each year); 2026: $2,520 / $5,050, PolicyEngine-US
  2.68.0's indexed projection (the Department of Finance and Administration publishes it in late 2026).
- Capital gains: 50% of the net capital gain (net long-term gain over net short-term loss) is exempt,
  and all of it above $10,000,000 (A.C.A. §26-51-815(b)(2)-(3); Form AR1000D). Short-term gains are taxed
  in full. A net loss is deductible up to $3,000 ($1,500 separate) as federally (§26-51-815(a)).
- Rates, 2022-2025: the Department's Indexed Tax Brackets card of each year (A.C.A. §26-51-201(a), indexed
  under §26-51-201(d)): the tax is the row's rate times net taxable income less the row's reduction
  ("minus adjustment"); top rate 4.9% (2022, Act 1 of the 2022 2nd Extraordinary Session), 4.7% (2023,
  Act 532 of 2023), 3.9% (2024 and 2025, Act 1 of the 2023 1st Extraordinary Session). Above about
  $87,000-$98,000 the reduction steps down by $10 for each $100 row, as the card lists it.
- Rates, 2026: 3.7% top rate (A.C.A. §26-51-201(a)(4) as amended by Act 1 of the 2026 1st Extraordinary
  Session): marginal rates up to $94,700 of net taxable income; above it, 2% of the first $4,700 and 3.7%
  of the rest less the bracket adjustment ($290, falling $10 for each $100 row to nothing above $97,600).
  The bracket bounds are the 2025 ones, as PolicyEngine-US 2.68.0 has them.
- Below $94,001 (2022) or $100,001 (2023-2026) of net taxable income the tax is read from the Regular Tax
  Table: the formula at the middle of the income's $100 row, rounded to the dollar (AR1000F instructions,
  Regular Income Tax Table; the Indexed Tax Brackets card says the table is computed at each row's
  midpoint).
- Credits (nonrefundable): the personal tax credit, $29 per taxpayer and one more for head of household
  (AR1000F lines 7A-7B); the inflationary relief credit of 2022-2023, $150 ($300 joint) less $10 for each
  $1,000 ($20 for each $2,000 joint) of net taxable income above $87,000 ($174,000 joint) in 2022 and
  $89,600 ($179,200 joint) in 2023 (Act 1 of the 2022 2nd Extraordinary Session; Act 532 of 2023); the
  additional tax credit for qualified individuals, $60 ($120 joint) less $5 ($10 joint) for each $100 of
  net taxable income above $24,300 (2022), $25,000 (2023), $25,800 (2024), $26,500 (2025 and 2026)
  (A.C.A. §26-51-501; AR1000F line 37).
- Checked against PolicyEngine-US 2.68.0 (gov.states.ar.tax.income; variables ar_taxable_capital_gains_joint,
  ar_income_tax_before_non_refundable_credits_joint, ar_personal_credits, ar_inflation_relief_credit).
"""

from __future__ import annotations

from bisect import bisect_right
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from taxprofiles.rules.law.states.common import (
    HEAD,
    JOINT,
    SINGLE,
    ZERO,
    D,
    StateIncome,
    brackets,
    by_status,
    cents,
    phase_down,
)

STATE = "AR"
NAME = "Arkansas"
SIMPLIFICATIONS = (
    "Arkansas AGI is taken to be the federal AGI less the 50% capital gain exclusion (no other Arkansas "
    "additions or subtractions)",
    "a married couple is taxed on one joint computation: Arkansas lets spouses file separately on the same "
    "return, which can lower a two-earner couple's tax",
    "the low-income tax tables (net taxable income under about $30,000) and credits other than the personal, "
    "inflationary relief and qualified individuals credits are not modelled",
)

# Rows of the Indexed Tax Brackets card (2022-2025): (net income from, rate), and (net income from, reduction).
_BASE_RATES = {
    2022: ((0, "0"), (5_100, "0.02"), (10_300, "0.03"), (14_700, "0.034"), (24_300, "0.049")),
    2023: ((0, "0"), (5_300, "0.02"), (10_600, "0.03"), (15_100, "0.034"), (25_000, "0.047")),
    2024: ((0, "0"), (5_500, "0.02"), (10_900, "0.03"), (15_600, "0.034"), (25_700, "0.039")),
    2025: ((0, "0"), (5_600, "0.02"), (11_200, "0.03"), (16_000, "0.034"), (26_400, "0.039")),
}
_BASE_REDUCTIONS = {
    2022: ((0, "0"), (5_100, "101.98"), (10_300, "204.97"), (14_700, "263.77"), (24_300, "628.25")),
    2023: ((0, "0"), (5_300, "105.98"), (10_600, "211.97"), (15_100, "272.37"), (25_000, "597.35")),
    2024: ((0, "0"), (5_500, "109.98"), (10_900, "218.97"), (15_600, "281.37"), (25_700, "409.86")),
    2025: ((0, "0"), (5_600, "111.98"), (11_200, "223.97"), (16_000, "287.97"), (26_400, "419.96")),
}
_HIGH_REDUCTIONS = {
    2022: (
        (87_001, "627.20"), (87_101, "617.20"), (87_201, "607.20"), (87_301, "597.20"), (87_401, "587.20"),
        (87_601, "577.20"), (87_701, "567.20"), (87_801, "557.20"), (87_901, "547.20"), (88_001, "537.20"),
        (88_101, "527.20"), (88_201, "517.20"), (88_301, "507.20"), (88_401, "497.20"), (88_501, "487.20"),
        (88_601, "477.20"), (88_701, "467.20"), (88_801, "457.20"), (88_901, "447.20"), (89_001, "437.20"),
        (89_101, "427.20"), (89_201, "417.20"), (89_301, "407.20"), (89_401, "397.20"), (89_501, "387.20"),
        (89_601, "377.20"), (89_701, "367.20"), (89_801, "357.20"), (89_901, "347.20"), (90_001, "337.20"),
        (90_101, "327.20"), (90_201, "317.20"), (90_301, "307.20"), (90_401, "297.20"), (90_501, "287.20"),
        (90_601, "277.20"), (90_701, "267.20"), (90_801, "257.20"), (90_901, "247.20"), (91_101, "237.20"),
        (91_201, "227.20"), (91_301, "217.20"), (91_401, "207.20"), (91_501, "197.20"), (91_601, "187.20"),
        (91_701, "177.20"), (91_801, "167.20"),
    ),
    2023: (
        (89_601, "583.70"), (89_701, "573.70"), (89_801, "563.70"), (89_901, "553.70"), (90_001, "543.70"),
        (90_201, "533.70"), (90_301, "523.70"), (90_401, "513.70"), (90_501, "503.70"), (90_601, "493.70"),
        (90_701, "483.70"), (90_801, "473.70"), (90_901, "463.70"), (91_101, "453.70"), (91_201, "443.70"),
        (91_301, "433.70"), (91_401, "423.70"), (91_501, "413.70"), (91_601, "403.70"), (91_701, "393.70"),
        (91_801, "383.70"), (91_901, "373.70"), (92_001, "363.70"), (92_101, "353.70"), (92_201, "343.70"),
        (92_301, "333.70"), (92_401, "323.70"), (92_501, "313.70"), (92_601, "303.70"), (92_701, "293.70"),
        (92_801, "283.70"), (92_901, "273.70"), (93_001, "263.70"), (93_101, "253.70"), (93_201, "243.70"),
        (93_301, "233.70"), (93_401, "223.70"), (93_501, "213.70"), (93_601, "203.70"), (93_801, "193.70"),
        (93_901, "183.70"), (94_001, "173.70"), (94_101, "163.70"), (94_201, "153.70"),
    ),
    2024: (
        (92_301, "397.40"), (92_401, "387.40"), (92_501, "377.40"), (92_601, "367.40"), (92_701, "357.40"),
        (92_801, "347.40"), (92_901, "337.40"), (93_001, "327.40"), (93_101, "317.40"), (93_201, "307.40"),
        (93_301, "297.40"), (93_401, "287.40"), (93_501, "277.40"), (93_601, "267.40"), (93_701, "257.40"),
        (93_801, "247.40"), (93_901, "237.40"), (94_001, "227.40"), (94_101, "217.40"), (94_201, "207.40"),
        (94_301, "197.40"), (94_501, "187.40"), (94_601, "177.40"), (94_701, "167.40"), (94_801, "157.40"),
        (94_901, "147.40"), (95_001, "137.40"), (95_101, "127.40"), (95_201, "117.40"), (95_301, "107.40"),
        (95_401, "97.40"), (95_501, "87.40"),
    ),
    2025: (
        (94_701, "399.30"), (94_801, "389.30"), (94_901, "379.30"), (95_001, "369.30"), (95_101, "359.30"),
        (95_201, "349.30"), (95_301, "339.30"), (95_401, "329.30"), (95_501, "319.30"), (95_601, "309.30"),
        (95_701, "299.30"), (95_801, "289.30"), (95_901, "279.30"), (96_001, "269.30"), (96_101, "259.30"),
        (96_201, "249.30"), (96_301, "239.30"), (96_401, "229.30"), (96_501, "219.30"), (96_601, "209.30"),
        (96_701, "199.30"), (96_801, "189.30"), (96_901, "179.30"), (97_001, "169.30"), (97_101, "159.30"),
        (97_201, "149.30"), (97_301, "139.30"), (97_401, "129.30"), (97_501, "119.30"), (97_601, "109.30"),
        (97_701, "99.30"), (97_801, "89.30"), (100_001, "91.00"),
    ),
}  # fmt: skip
# 2026 (A.C.A. §26-51-201(a)(4)): marginal rates up to the high-income threshold; above it the
# high-income rates on all net income less the bracket adjustment.
_2026_MARGINAL = brackets((0, "0"), (5_600, "0.02"), (11_200, "0.03"), (16_000, "0.034"), (26_400, "0.037"))
_2026_HIGH = brackets((0, "0.02"), (4_700, "0.037"))
_2026_HIGH_FROM = D(94_700)
_2026_ADJUSTMENT_START = D(290)  # for net income above $94,700 up to $94,800, less $10 for each further $100
_2026_ADJUSTMENT_ROW = D(100)
_2026_ADJUSTMENT_STEP = D(10)
# Regular Tax Table: below this net income the tax is the formula at the middle of the $100 row.
_TABLE_BELOW = {2022: 94_001, 2023: 100_001, 2024: 100_001, 2025: 100_001, 2026: 100_001}
_TABLE_ROWS_SHIFT_FROM = D(75_000)  # rows run $x00-$x99 below, $x01-$(x+1)00 from here

_STANDARD_DEDUCTION = {2022: 2_270, 2023: 2_340, 2024: 2_410, 2025: 2_470}
_STANDARD_DEDUCTION_2026 = by_status({SINGLE: 2_520, JOINT: 5_050})
_GAIN_EXEMPT_SHARE = D("0.5")
_GAIN_EXEMPT_ALL_ABOVE = D(10_000_000)
_PERSONAL_CREDIT = D(29)
_RELIEF = {  # inflationary relief credit: (single start, joint start)
    2022: (87_000, 174_000),
    2023: (89_600, 179_200),
}
_QUALIFIED_START = {2022: 24_300, 2023: 25_000, 2024: 25_800, 2025: 26_500, 2026: 26_500}

YEARS = (2022, 2023, 2024, 2025, 2026)


def _card(year: int) -> tuple[tuple[Decimal, ...], tuple[Decimal, ...], tuple[Decimal, ...]]:
    rows = [(D(t), D(r)) for t, r in _BASE_REDUCTIONS[year]] + [(D(t), D(r)) for t, r in _HIGH_REDUCTIONS[year]]
    rate_rows = [(D(t), D(r)) for t, r in _BASE_RATES[year]]
    rates = tuple(rate_rows[bisect_right([t for t, _ in rate_rows], t) - 1][1] for t, _ in rows)
    return tuple(t for t, _ in rows), rates, tuple(r for _, r in rows)


_CARDS = {year: _card(year) for year in _BASE_RATES}
_TABLES = {year: D(below) for year, below in _TABLE_BELOW.items()}
_DEDUCTIONS = {
    **{year: by_status({SINGLE: amount, JOINT: 2 * amount}) for year, amount in _STANDARD_DEDUCTION.items()},
    2026: _STANDARD_DEDUCTION_2026,
}
_RELIEF_STARTS = {year: by_status({SINGLE: single, JOINT: joint}) for year, (single, joint) in _RELIEF.items()}
_QUALIFIED_STARTS = {year: D(start) for year, start in _QUALIFIED_START.items()}


def formula_tax(year: int, net_income: Decimal) -> Decimal:
    """The tax formula on net taxable income, before the table's rounding (may be slightly negative)."""
    if year in _CARDS:
        thresholds, rates, reductions = _CARDS[year]
        i = bisect_right(thresholds, net_income) - 1
        return rates[i] * net_income - reductions[i]
    if net_income <= _2026_HIGH_FROM:
        return _2026_MARGINAL.tax(net_income)
    rows = ((net_income - _2026_HIGH_FROM) / _2026_ADJUSTMENT_ROW).to_integral_value(ROUND_CEILING) - 1
    adjustment = max(ZERO, _2026_ADJUSTMENT_START - rows * _2026_ADJUSTMENT_STEP)
    return _2026_HIGH.tax(net_income) - adjustment


def regular_tax(year: int, net_income: Decimal) -> Decimal:
    if net_income <= ZERO:
        return ZERO
    if net_income >= _TABLES[year]:
        return max(ZERO, formula_tax(year, net_income))
    shift = 1 if net_income >= _TABLE_ROWS_SHIFT_FROM else 0
    row_start = ((net_income - shift) / 100).to_integral_value(ROUND_FLOOR) * 100 + shift
    middle = row_start + D("49.5")
    return max(ZERO, formula_tax(year, middle).quantize(D(1), ROUND_HALF_UP))


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    gain = income.preferential_gain
    exempt = ZERO
    if gain > ZERO:
        exempt = min(gain, _GAIN_EXEMPT_ALL_ABOVE) * _GAIN_EXEMPT_SHARE + max(ZERO, gain - _GAIN_EXEMPT_ALL_ABOVE)
    net_income = max(ZERO, income.agi - exempt - _DEDUCTIONS[year][status])
    before_credits = regular_tax(year, net_income)
    joint = status == JOINT
    credits = _PERSONAL_CREDIT * (income.persons + (1 if status == HEAD else 0))
    if year in _RELIEF_STARTS:
        step, per_step, most = (D(2_000), D(20), D(300)) if joint else (D(1_000), D(10), D(150))
        credits += phase_down(most, net_income, _RELIEF_STARTS[year][status], step, per_step)
    per_step = D(10) if joint else D(5)
    credits += phase_down(D(120) if joint else D(60), net_income, _QUALIFIED_STARTS[year], D(100), per_step)
    return cents(before_credits - credits)
