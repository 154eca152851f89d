"""Federal figures for tax year 2018, by filing status.

Source of every figure below: Rev. Proc. 2018-18 (which superseded Rev. Proc. 2017-58's brackets
after Pub. L. 115-97, the TCJA), the inflation adjustments for 2018 (tax rate tables,
standard deduction, maximum capital gains rate breakpoints, alternative minimum tax exemption,
exemption phase-out and 28% bracket threshold).
Cross-checked against PSL Tax-Calculator 6.8.0's policy_current_law.json (``II_brk1..6``, ``STD``,
``CG_brk1/2``, ``AMT_em``, ``AMT_em_ps``, ``AMT_brk1``, ``AMT_prt``): all agree.
The rates (10/12/22/24/32/35/37%, IRC §1(j)), the NIIT (IRC §1411) and the loss limit (IRC §1211(b))
are not indexed and live in ``taxprofiles/rules/federal.py``.
"""

YEAR = 2018

# Where the 10, 12, 22, 24, 32 and 35% brackets end; above the last, 37%.
BRACKET_TOPS = {
    "single": (9_525, 38_700, 82_500, 157_500, 200_000, 500_000),
    "married_joint": (19_050, 77_400, 165_000, 315_000, 400_000, 600_000),
    "married_separate": (9_525, 38_700, 82_500, 157_500, 200_000, 300_000),
    "head_of_household": (13_600, 51_800, 82_500, 157_500, 200_000, 500_000),
}

STANDARD_DEDUCTION = {
    "single": 12_000,
    "married_joint": 24_000,
    "married_separate": 12_000,
    "head_of_household": 18_000,
}

# Long-term gains and qualified dividends: 0% up to this taxable income ...
ZERO_RATE_TOP = {
    "single": 38_600,
    "married_joint": 77_200,
    "married_separate": 38_600,
    "head_of_household": 51_700,
}

# ... 15% up to this, 20% above (IRC §1(h)(1) and (j)(5)).
FIFTEEN_RATE_TOP = {
    "single": 425_800,
    "married_joint": 479_000,
    "married_separate": 239_500,
    "head_of_household": 452_400,
}

# Alternative minimum tax (IRC §55(d)).
AMT_EXEMPTION = {
    "single": 70_300,
    "married_joint": 109_400,
    "married_separate": 54_700,
    "head_of_household": 70_300,
}

AMT_PHASEOUT_START = {
    "single": 500_000,
    "married_joint": 1_000_000,
    "married_separate": 500_000,
    "head_of_household": 500_000,
}

# IRC §55(d)(3): 25 cents of exemption lost per dollar of AMTI above the phase-out start.
AMT_PHASEOUT_RATE = "0.25"

# AMTI less the exemption is taxed at 26% up to this, 28% above (IRC §55(b)(1)(A)); half for separate returns.
AMT_28_PERCENT_FROM = {
    "single": 191_100,
    "married_joint": 191_100,
    "married_separate": 95_550,
    "head_of_household": 191_100,
}
