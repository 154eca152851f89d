"""Federal figures for tax year 2024, by filing status.

Source of every figure below: Rev. Proc. 2023-34, the inflation adjustments for 2024 (tax rate tables,
standard deduction, maximum capital gains rate breakpoints, alternative minimum tax exemption,
exemption phase-out and 28% bracket threshold).
Cross-checked against PSL Tax-Calculator 6.8.0's policy_current_law.json (``II_brk1..6``, ``STD``,
``CG_brk1/2``, ``AMT_em``, ``AMT_em_ps``, ``AMT_brk1``, ``AMT_prt``): all agree.
The rates (10/12/22/24/32/35/37%, IRC §1(j)), the NIIT (IRC §1411) and the loss limit (IRC §1211(b))
are not indexed and live in ``taxprofiles/rules/federal.py``.
"""

YEAR = 2024

# Where the 10, 12, 22, 24, 32 and 35% brackets end; above the last, 37%.
BRACKET_TOPS = {
    "single": (11_600, 47_150, 100_525, 191_950, 243_725, 609_350),
    "married_joint": (23_200, 94_300, 201_050, 383_900, 487_450, 731_200),
    "married_separate": (11_600, 47_150, 100_525, 191_950, 243_725, 365_600),
    "head_of_household": (16_550, 63_100, 100_500, 191_950, 243_700, 609_350),
}

STANDARD_DEDUCTION = {
    "single": 14_600,
    "married_joint": 29_200,
    "married_separate": 14_600,
    "head_of_household": 21_900,
}

# Long-term gains and qualified dividends: 0% up to this taxable income ...
ZERO_RATE_TOP = {
    "single": 47_025,
    "married_joint": 94_050,
    "married_separate": 47_025,
    "head_of_household": 63_000,
}

# ... 15% up to this, 20% above (IRC §1(h)(1) and (j)(5)).
FIFTEEN_RATE_TOP = {
    "single": 518_900,
    "married_joint": 583_750,
    "married_separate": 291_850,
    "head_of_household": 551_350,
}

# Alternative minimum tax (IRC §55(d)).
AMT_EXEMPTION = {
    "single": 85_700,
    "married_joint": 133_300,
    "married_separate": 66_650,
    "head_of_household": 85_700,
}

AMT_PHASEOUT_START = {
    "single": 609_350,
    "married_joint": 1_218_700,
    "married_separate": 609_350,
    "head_of_household": 609_350,
}

# IRC §55(d)(3): 25 cents of exemption lost per dollar of AMTI above the phase-out start.
AMT_PHASEOUT_RATE = "0.25"

# AMTI less the exemption is taxed at 26% up to this, 28% above (IRC §55(b)(1)(A)); half for separate returns.
AMT_28_PERCENT_FROM = {
    "single": 232_600,
    "married_joint": 232_600,
    "married_separate": 116_300,
    "head_of_household": 232_600,
}
