"""Federal figures for tax year 2022, by filing status.

Source of every figure below: Rev. Proc. 2021-45, the inflation adjustments for 2022 (tax rate tables,
standard deduction, maximum capital gains rate breakpoints, alternative minimum tax exemption,
exemption phase-out and 28% bracket threshold).
Cross-checked against PSL Tax-Calculator 6.8.0's policy_current_law.json (``II_brk1..6``, ``STD``,
``CG_brk1/2``, ``AMT_em``, ``AMT_em_ps``, ``AMT_brk1``, ``AMT_prt``): all agree.
The rates (10/12/22/24/32/35/37%, IRC §1(j)), the NIIT (IRC §1411) and the loss limit (IRC §1211(b))
are not indexed and live in ``taxprofiles/rules/federal.py``.
"""

YEAR = 2022

# Where the 10, 12, 22, 24, 32 and 35% brackets end; above the last, 37%.
BRACKET_TOPS = {
    "single": (10_275, 41_775, 89_075, 170_050, 215_950, 539_900),
    "married_joint": (20_550, 83_550, 178_150, 340_100, 431_900, 647_850),
    "married_separate": (10_275, 41_775, 89_075, 170_050, 215_950, 323_925),
    "head_of_household": (14_650, 55_900, 89_050, 170_050, 215_950, 539_900),
}

STANDARD_DEDUCTION = {
    "single": 12_950,
    "married_joint": 25_900,
    "married_separate": 12_950,
    "head_of_household": 19_400,
}

# Long-term gains and qualified dividends: 0% up to this taxable income ...
ZERO_RATE_TOP = {
    "single": 41_675,
    "married_joint": 83_350,
    "married_separate": 41_675,
    "head_of_household": 55_800,
}

# ... 15% up to this, 20% above (IRC §1(h)(1) and (j)(5)).
FIFTEEN_RATE_TOP = {
    "single": 459_750,
    "married_joint": 517_200,
    "married_separate": 258_600,
    "head_of_household": 488_500,
}

# Alternative minimum tax (IRC §55(d)).
AMT_EXEMPTION = {
    "single": 75_900,
    "married_joint": 118_100,
    "married_separate": 59_050,
    "head_of_household": 75_900,
}

AMT_PHASEOUT_START = {
    "single": 539_900,
    "married_joint": 1_079_800,
    "married_separate": 539_900,
    "head_of_household": 539_900,
}

# IRC §55(d)(3): 25 cents of exemption lost per dollar of AMTI above the phase-out start.
AMT_PHASEOUT_RATE = "0.25"

# AMTI less the exemption is taxed at 26% up to this, 28% above (IRC §55(b)(1)(A)); half for separate returns.
AMT_28_PERCENT_FROM = {
    "single": 206_100,
    "married_joint": 206_100,
    "married_separate": 103_050,
    "head_of_household": 206_100,
}
