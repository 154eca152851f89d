"""Federal figures for tax year 2021, by filing status.

Source of every figure below: Rev. Proc. 2020-45, the inflation adjustments for 2021 (tax rate tables,
standard deduction, maximum capital gains rate breakpoints, alternative minimum tax exemption,
exemption phase-out and 28% bracket threshold).
Cross-checked against PSL Tax-Calculator 6.8.0's policy_current_law.json (``II_brk1..6``, ``STD``,
``CG_brk1/2``, ``AMT_em``, ``AMT_em_ps``, ``AMT_brk1``, ``AMT_prt``): all agree.
The rates (10/12/22/24/32/35/37%, IRC §1(j)), the NIIT (IRC §1411) and the loss limit (IRC §1211(b))
are not indexed and live in ``taxprofiles/rules/federal.py``.
"""

YEAR = 2021

# Where the 10, 12, 22, 24, 32 and 35% brackets end; above the last, 37%.
BRACKET_TOPS = {
    "single": (9_950, 40_525, 86_375, 164_925, 209_425, 523_600),
    "married_joint": (19_900, 81_050, 172_750, 329_850, 418_850, 628_300),
    "married_separate": (9_950, 40_525, 86_375, 164_925, 209_425, 314_150),
    "head_of_household": (14_200, 54_200, 86_350, 164_900, 209_400, 523_600),
}

STANDARD_DEDUCTION = {
    "single": 12_550,
    "married_joint": 25_100,
    "married_separate": 12_550,
    "head_of_household": 18_800,
}

# Long-term gains and qualified dividends: 0% up to this taxable income ...
ZERO_RATE_TOP = {
    "single": 40_400,
    "married_joint": 80_800,
    "married_separate": 40_400,
    "head_of_household": 54_100,
}

# ... 15% up to this, 20% above (IRC §1(h)(1) and (j)(5)).
FIFTEEN_RATE_TOP = {
    "single": 445_850,
    "married_joint": 501_600,
    "married_separate": 250_800,
    "head_of_household": 473_750,
}

# Alternative minimum tax (IRC §55(d)).
AMT_EXEMPTION = {
    "single": 73_600,
    "married_joint": 114_600,
    "married_separate": 57_300,
    "head_of_household": 73_600,
}

AMT_PHASEOUT_START = {
    "single": 523_600,
    "married_joint": 1_047_200,
    "married_separate": 523_600,
    "head_of_household": 523_600,
}

# IRC §55(d)(3): 25 cents of exemption lost per dollar of AMTI above the phase-out start.
AMT_PHASEOUT_RATE = "0.25"

# AMTI less the exemption is taxed at 26% up to this, 28% above (IRC §55(b)(1)(A)); half for separate returns.
AMT_28_PERCENT_FROM = {
    "single": 199_900,
    "married_joint": 199_900,
    "married_separate": 99_950,
    "head_of_household": 199_900,
}
