"""Federal figures for tax year 2019, by filing status.

Source of every figure below: Rev. Proc. 2018-57, the inflation adjustments for 2019 (tax rate tables,
standard deduction, maximum capital gains rate breakpoints, alternative minimum tax exemption,
exemption phase-out and 28% bracket threshold).
Cross-checked against PSL Tax-Calculator 6.8.0's policy_current_law.json (``II_brk1..6``, ``STD``,
``CG_brk1/2``, ``AMT_em``, ``AMT_em_ps``, ``AMT_brk1``, ``AMT_prt``): all agree.
The rates (10/12/22/24/32/35/37%, IRC §1(j)), the NIIT (IRC §1411) and the loss limit (IRC §1211(b))
are not indexed and live in ``taxprofiles/rules/federal.py``.
"""

YEAR = 2019

# Where the 10, 12, 22, 24, 32 and 35% brackets end; above the last, 37%.
BRACKET_TOPS = {
    "single": (9_700, 39_475, 84_200, 160_725, 204_100, 510_300),
    "married_joint": (19_400, 78_950, 168_400, 321_450, 408_200, 612_350),
    "married_separate": (9_700, 39_475, 84_200, 160_725, 204_100, 306_175),
    "head_of_household": (13_850, 52_850, 84_200, 160_700, 204_100, 510_300),
}

STANDARD_DEDUCTION = {
    "single": 12_200,
    "married_joint": 24_400,
    "married_separate": 12_200,
    "head_of_household": 18_350,
}

# Long-term gains and qualified dividends: 0% up to this taxable income ...
ZERO_RATE_TOP = {
    "single": 39_375,
    "married_joint": 78_750,
    "married_separate": 39_375,
    "head_of_household": 52_750,
}

# ... 15% up to this, 20% above (IRC §1(h)(1) and (j)(5)).
FIFTEEN_RATE_TOP = {
    "single": 434_550,
    "married_joint": 488_850,
    "married_separate": 244_425,
    "head_of_household": 461_700,
}

# Alternative minimum tax (IRC §55(d)).
AMT_EXEMPTION = {
    "single": 71_700,
    "married_joint": 111_700,
    "married_separate": 55_850,
    "head_of_household": 71_700,
}

AMT_PHASEOUT_START = {
    "single": 510_300,
    "married_joint": 1_020_600,
    "married_separate": 510_300,
    "head_of_household": 510_300,
}

# IRC §55(d)(3): 25 cents of exemption lost per dollar of AMTI above the phase-out start.
AMT_PHASEOUT_RATE = "0.25"

# AMTI less the exemption is taxed at 26% up to this, 28% above (IRC §55(b)(1)(A)); half for separate returns.
AMT_28_PERCENT_FROM = {
    "single": 194_800,
    "married_joint": 194_800,
    "married_separate": 97_400,
    "head_of_household": 194_800,
}
