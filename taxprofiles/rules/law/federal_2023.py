"""Federal figures for tax year 2023, by filing status.

Source of every figure below: Rev. Proc. 2022-38, the inflation adjustments for 2023 (tax rate tables,
standard deduction, maximum capital gains rate breakpoints, alternative minimum tax exemption,
exemption phase-out and 28% bracket threshold).
Cross-checked against PSL Tax-Calculator 6.8.0's policy_current_law.json (``II_brk1..6``, ``STD``,
``CG_brk1/2``, ``AMT_em``, ``AMT_em_ps``, ``AMT_brk1``, ``AMT_prt``): one disagreement, noted below.
The rates (10/12/22/24/32/35/37%, IRC §1(j)), the NIIT (IRC §1411) and the loss limit (IRC §1211(b))
are not indexed and live in ``taxprofiles/rules/federal.py``.
"""

YEAR = 2023

# Where the 10, 12, 22, 24, 32 and 35% brackets end; above the last, 37%.
BRACKET_TOPS = {
    "single": (11_000, 44_725, 95_375, 182_100, 231_250, 578_125),
    "married_joint": (22_000, 89_450, 190_750, 364_200, 462_500, 693_750),
    # Rev. Proc. 2022-38: 37% over $346,875 for separate returns.  taxcalc 6.8.0 has 578,125 (the
    # single figure, a slip: every other year's separate top is half the joint one); we follow the Rev. Proc.
    "married_separate": (11_000, 44_725, 95_375, 182_100, 231_250, 346_875),
    "head_of_household": (15_700, 59_850, 95_350, 182_100, 231_250, 578_100),
}

STANDARD_DEDUCTION = {
    "single": 13_850,
    "married_joint": 27_700,
    "married_separate": 13_850,
    "head_of_household": 20_800,
}

# Long-term gains and qualified dividends: 0% up to this taxable income ...
ZERO_RATE_TOP = {
    "single": 44_625,
    "married_joint": 89_250,
    "married_separate": 44_625,
    "head_of_household": 59_750,
}

# ... 15% up to this, 20% above (IRC §1(h)(1) and (j)(5)).
FIFTEEN_RATE_TOP = {
    "single": 492_300,
    "married_joint": 553_850,
    "married_separate": 276_900,
    "head_of_household": 523_050,
}

# Alternative minimum tax (IRC §55(d)).
AMT_EXEMPTION = {
    "single": 81_300,
    "married_joint": 126_500,
    "married_separate": 63_250,
    "head_of_household": 81_300,
}

AMT_PHASEOUT_START = {
    "single": 578_150,
    "married_joint": 1_156_300,
    "married_separate": 578_150,
    "head_of_household": 578_150,
}

# IRC §55(d)(3): 25 cents of exemption lost per dollar of AMTI above the phase-out start.
AMT_PHASEOUT_RATE = "0.25"

# AMTI less the exemption is taxed at 26% up to this, 28% above (IRC §55(b)(1)(A)); half for separate returns.
AMT_28_PERCENT_FROM = {
    "single": 220_700,
    "married_joint": 220_700,
    "married_separate": 110_350,
    "head_of_household": 220_700,
}
