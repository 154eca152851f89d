"""Federal figures for tax year 2026, by filing status.

Source of every figure below: Rev. Proc. 2025-32, the inflation adjustments for 2026 (tax rate tables,
standard deduction, maximum capital gains rate breakpoints, alternative minimum tax exemption,
exemption phase-out and 28% bracket threshold).
Cross-checked against PSL Tax-Calculator 6.8.0's policy_current_law.json (``II_brk1..6``, ``STD``,
``CG_brk1/2``, ``AMT_em``, ``AMT_em_ps``, ``AMT_brk1``, ``AMT_prt``): all agree.
The rates (10/12/22/24/32/35/37%, IRC §1(j)), the NIIT (IRC §1411) and the loss limit (IRC §1211(b))
are not indexed and live in ``taxprofiles/rules/federal.py``.
"""

YEAR = 2026

# Where the 10, 12, 22, 24, 32 and 35% brackets end; above the last, 37%.
BRACKET_TOPS = {
    "single": (12_400, 50_400, 105_700, 201_775, 256_225, 640_600),
    "married_joint": (24_800, 100_800, 211_400, 403_550, 512_450, 768_700),
    "married_separate": (12_400, 50_400, 105_700, 201_775, 256_225, 384_350),
    "head_of_household": (17_700, 67_450, 105_700, 201_750, 256_200, 640_600),
}

# As Pub. L. 119-21 §70102 made them permanent and Rev. Proc. 2025-32 indexed them.
STANDARD_DEDUCTION = {
    "single": 16_100,
    "married_joint": 32_200,
    "married_separate": 16_100,
    "head_of_household": 24_150,
}

# Long-term gains and qualified dividends: 0% up to this taxable income ...
ZERO_RATE_TOP = {
    "single": 49_450,
    "married_joint": 98_900,
    "married_separate": 49_450,
    "head_of_household": 66_200,
}

# ... 15% up to this, 20% above (IRC §1(h)(1) and (j)(5)).
FIFTEEN_RATE_TOP = {
    "single": 545_500,
    "married_joint": 613_700,
    "married_separate": 306_850,
    "head_of_household": 579_600,
}

# Alternative minimum tax (IRC §55(d)).
AMT_EXEMPTION = {
    "single": 90_100,
    "married_joint": 140_200,
    "married_separate": 70_100,
    "head_of_household": 90_100,
}

AMT_PHASEOUT_START = {
    "single": 500_000,
    "married_joint": 1_000_000,
    "married_separate": 500_000,
    "head_of_household": 500_000,
}

# Pub. L. 119-21 (2025) §70107 doubled the phase-out rate of IRC §55(d)(3) from 25% to 50% and reset
# the phase-out start to $500,000 / $1,000,000 (indexed after 2026).
AMT_PHASEOUT_RATE = "0.50"

# AMTI less the exemption is taxed at 26% up to this, 28% above (IRC §55(b)(1)(A)); half for separate returns.
AMT_28_PERCENT_FROM = {
    "single": 244_500,
    "married_joint": 244_500,
    "married_separate": 122_250,
    "head_of_household": 244_500,
}
