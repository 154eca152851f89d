"""Federal figures for tax year 2025, by filing status.

Source of every figure below: Rev. Proc. 2024-40, the inflation adjustments for 2025 (tax rate tables,
standard deduction, maximum capital gains rate breakpoints, alternative minimum tax exemption,
exemption phase-out and 28% bracket threshold), with the standard deduction as amended by Pub. L. 119-21 (2025) §70102.
Cross-checked against PSL Tax-Calculator 6.8.0's policy_current_law.json (``II_brk1..6``, ``STD``,
``CG_brk1/2``, ``AMT_em``, ``AMT_em_ps``, ``AMT_brk1``, ``AMT_prt``): all agree.
The rates (10/12/22/24/32/35/37%, IRC §1(j)), the NIIT (IRC §1411) and the loss limit (IRC §1211(b))
are not indexed and live in ``taxprofiles/rules/federal.py``.
"""

YEAR = 2025

# Where the 10, 12, 22, 24, 32 and 35% brackets end; above the last, 37%.
BRACKET_TOPS = {
    "single": (11_925, 48_475, 103_350, 197_300, 250_525, 626_350),
    "married_joint": (23_850, 96_950, 206_700, 394_600, 501_050, 751_600),
    "married_separate": (11_925, 48_475, 103_350, 197_300, 250_525, 375_800),
    "head_of_household": (17_000, 64_850, 103_350, 197_300, 250_500, 626_350),
}

# Rev. Proc. 2024-40 set 15,000 / 30,000 / 22,500; Pub. L. 119-21 (2025) §70102 raised them for 2025.
STANDARD_DEDUCTION = {
    "single": 15_750,
    "married_joint": 31_500,
    "married_separate": 15_750,
    "head_of_household": 23_625,
}

# Long-term gains and qualified dividends: 0% up to this taxable income ...
ZERO_RATE_TOP = {
    "single": 48_350,
    "married_joint": 96_700,
    "married_separate": 48_350,
    "head_of_household": 64_750,
}

# ... 15% up to this, 20% above (IRC §1(h)(1) and (j)(5)).
FIFTEEN_RATE_TOP = {
    "single": 533_400,
    "married_joint": 600_050,
    "married_separate": 300_000,
    "head_of_household": 566_700,
}

# Alternative minimum tax (IRC §55(d)).
AMT_EXEMPTION = {
    "single": 88_100,
    "married_joint": 137_000,
    "married_separate": 68_500,
    "head_of_household": 88_100,
}

AMT_PHASEOUT_START = {
    "single": 626_350,
    "married_joint": 1_252_700,
    "married_separate": 626_350,
    "head_of_household": 626_350,
}

# IRC §55(d)(3): 25 cents of exemption lost per dollar of AMTI above the phase-out start.
AMT_PHASEOUT_RATE = "0.25"

# AMTI less the exemption is taxed at 26% up to this, 28% above (IRC §55(b)(1)(A)); half for separate returns.
AMT_28_PERCENT_FROM = {
    "single": 239_100,
    "married_joint": 239_100,
    "married_separate": 119_550,
    "head_of_household": 239_100,
}
