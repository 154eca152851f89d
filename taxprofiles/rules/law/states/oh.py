"""Ohio individual income tax (Form IT 1040), 2022-2026.

Sources:
- Starting point: Ohio AGI is the federal AGI (Ohio Rev. Code §5747.01(A)); Ohio taxes capital gains as
  ordinary nonbusiness income and follows the federal $3,000 loss limit.
- Personal exemptions: ORC §5747.025(A): $2,400 each when modified AGI is $40,000 or less, $2,150 when it
  is $40,000-$80,000, $1,900 above; none when modified AGI exceeds $750,000 (2025) or $500,000 (2026)
  (H.B. 96, 136th G.A.). IT 1040 line 4; modified AGI = Ohio AGI here (no business income deduction).
- Rates: ORC §5747.02(A)(3), the statute's tax on each bracket (IT 1040 instructions, tax tables):
  no tax when income after exemptions is $26,050 or less; above it
  2022: $360.69 + 2.765% over $26,050; $915.07 + 3.226% over $46,100; $2,400.64 + 3.688% over
  $92,150; $3,254.41 + 3.99% over $115,300;
  2023 (H.B. 33, 135th G.A.): $360.69 + 2.75% over $26,050; $2,394.32 + 3.688% over $100,000;
  $2,958.58 + 3.75% over $115,300;
  2024: $360.69 + 2.75% over $26,050; $2,394.32 + 3.5% over $100,000;
  2025 (H.B. 96): $342.00 + 2.75% over $26,050; $2,394.32 + 3.125% over $100,000;
  2026 (H.B. 96): $332.00 + 2.75% over $26,050 (one rate).
- Exemption credit: $20 per exemption when Ohio AGI less exemptions is $30,000 or less (ORC §5747.022).
- Joint filing credit: ORC §5747.05(E): on a joint return where each spouse has at least $500 of income
  other than interest, dividends, capital gains and rents, 20% of the tax after the other credits when
  Ohio AGI less exemptions is $25,000 or less, 15% up to $50,000, 10% up to $75,000, 5% above, at most
  $650; none above $750,000 (2025) or $500,000 (2026) (H.B. 96). Not applied: the product's profile has
  one wages figure for the household and cannot tell that both spouses qualify.
- 2026: the H.B. 96 figures above (Ohio has suspended the indexing of its brackets and exemptions).
- PolicyEngine-US 2.68.0 reproduces the $360.69 base of 2022 and 2023 with an implied first rate of
  1.385% (26,050 x 1.385% = $360.79); this module uses the statute's $360.69 (10 cents apart).
"""

from __future__ import annotations

from bisect import bisect_left
from decimal import Decimal

from taxprofiles.rules.law.states.common import ZERO, D, StateIncome, cents

STATE = "OH"
NAME = "Ohio"
SIMPLIFICATIONS = (
    "Ohio income is taken to be the federal AGI (no Ohio additions, deductions or business income rules)",
    "the joint filing credit (for couples who each earn at least $500) is not modelled: the profile does not "
    "say how the couple's wages split",
    "Ohio credits other than the exemption credit are not modelled",
)

# (threshold, tax at the threshold, rate on the excess): ORC §5747.02(A)(3).
_PIECES: dict[int, tuple[tuple[int, str, str], ...]] = {
    2022: (
        (26_050, "360.69", "0.02765"),
        (46_100, "915.07", "0.03226"),
        (92_150, "2400.64", "0.03688"),
        (115_300, "3254.41", "0.0399"),
    ),
    2023: ((26_050, "360.69", "0.0275"), (100_000, "2394.32", "0.03688"), (115_300, "2958.58", "0.0375")),
    2024: ((26_050, "360.69", "0.0275"), (100_000, "2394.32", "0.035")),
    2025: ((26_050, "342.00", "0.0275"), (100_000, "2394.32", "0.03125")),
    2026: ((26_050, "332.00", "0.0275"),),
}
# Modified AGI above which there are no personal exemptions (H.B. 96).
_HIGH_INCOME_CUTOFF = {2025: D(750_000), 2026: D(500_000)}
_EXEMPTION_STEPS = ((D(40_000), D(2_400)), (D(80_000), D(2_150)))
_EXEMPTION_TOP = D(1_900)
_EXEMPTION_CREDIT = D(20)
_EXEMPTION_CREDIT_LIMIT = D(30_000)

YEARS = tuple(sorted(_PIECES))
_THRESHOLDS = {year: tuple(D(t) for t, _, _ in pieces) for year, pieces in _PIECES.items()}
_BASES = {year: tuple(D(b) for _, b, _ in pieces) for year, pieces in _PIECES.items()}
_RATES = {year: tuple(D(r) for _, _, r in pieces) for year, pieces in _PIECES.items()}
_NO_CUTOFF = D("Infinity")


def _exemption(magi: Decimal, cutoff: Decimal) -> Decimal:
    if magi > cutoff:
        return ZERO
    for limit, amount in _EXEMPTION_STEPS:
        if magi <= limit:
            return amount
    return _EXEMPTION_TOP


def tax(year: int, income: StateIncome) -> Decimal:
    magi = income.agi
    cutoff = _HIGH_INCOME_CUTOFF.get(year, _NO_CUTOFF)
    exemptions = _exemption(magi, cutoff) * income.persons
    taxable = magi - exemptions
    thresholds = _THRESHOLDS[year]
    i = bisect_left(thresholds, taxable) - 1  # "more than" the threshold
    if i < 0:
        return ZERO
    before_credits = _BASES[year][i] + (taxable - thresholds[i]) * _RATES[year][i]
    if taxable <= _EXEMPTION_CREDIT_LIMIT:
        before_credits = max(ZERO, before_credits - _EXEMPTION_CREDIT * income.persons)
    return cents(before_credits)
