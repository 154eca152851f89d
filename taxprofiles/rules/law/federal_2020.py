"""Federal figures for tax year 2020, by filing status.

Source of every figure below: Rev. Proc. 2019-44, the inflation adjustments for 2020 (tax rate tables,
standard deduction, maximum capital gains rate breakpoints, alternative minimum tax exemption,
exemption phase-out and 28% bracket threshold).
Cross-checked against PSL Tax-Calculator 6.8.0's policy_current_law.json (``II_brk1..6``, ``STD``,
``CG_brk1/2``, ``AMT_em``, ``AMT_em_ps``, ``AMT_brk1``, ``AMT_prt``): all agree.
The rates (10/12/22/24/32/35/37%, IRC §1(j)), the NIIT (IRC §1411) and the loss limit (IRC §1211(b))
are not indexed and live in ``taxprofiles/rules/federal.py``.
"""

YEAR = 2020

# Where the 10, 12, 22, 24, 32 and 35% brackets end; above the last, 37%.
BRACKET_TOPS = {
    "single": (9_875, 40_125, 85_525, 163_300, 207_350, 518_400),
    "married_joint": (19_750, 80_250, 171_050, 326_600, 414_700, 622_050),
    "married_separate": (9_875, 40_125, 85_525, 163_300, 207_350, 311_025),
    "head_of_household": (14_100, 53_700, 85_500, 163_300, 207_350, 518_400),
}

STANDARD_DEDUCTION = {
    "single": 12_400,
    "married_joint": 24_800,
    "married_separate": 12_400,
    "head_of_household": 18_650,
}

# Long-term gains and qualified dividends: 0% up to this taxable income ...
ZERO_RATE_TOP = {
    "single": 40_000,
    "married_joint": 80_000,
    "married_separate": 40_000,
    "head_of_household": 53_600,
}

# ... 15% up to this, 20% above (IRC §1(h)(1) and (j)(5)).
FIFTEEN_RATE_TOP = {
    "single": 441_450,
    "married_joint": 496_600,
    "married_separate": 248_300,
    "head_of_household": 469_050,
}

# Alternative minimum tax (IRC §55(d)).
AMT_EXEMPTION = {
    "single": 72_900,
    "married_joint": 113_400,
    "married_separate": 56_700,
    "head_of_household": 72_900,
}

AMT_PHASEOUT_START = {
    "single": 518_400,
    "married_joint": 1_036_800,
    "married_separate": 518_400,
    "head_of_household": 518_400,
}

# IRC §55(d)(3): 25 cents of exemption lost per dollar of AMTI above the phase-out start.
AMT_PHASEOUT_RATE = "0.25"

# AMTI less the exemption is taxed at 26% up to this, 28% above (IRC §55(b)(1)(A)); half for separate returns.
AMT_28_PERCENT_FROM = {
    "single": 197_900,
    "married_joint": 197_900,
    "married_separate": 98_950,
    "head_of_household": 197_900,
}
