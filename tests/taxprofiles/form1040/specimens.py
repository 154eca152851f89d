"""Synthetic Form 1040 returns (with Schedule D) in realistic layouts: the reader's test material and benchmark.

``random_facts`` draws an internally consistent return, ``render`` prints it as a PDF in one of ``LAYOUTS``, and
``expected`` says what a perfect reader returns for it.

Layouts:

- ``official``: absolutely positioned HTML imitating the IRS form (WeasyPrint, letter size). A left sidebar
  whose words ("Income", the standard deduction amounts...) share rows with lines; the line number at the left,
  the label with dot leaders, the line number again in a small box just left of the amount cell, the amount
  right-aligned in the right-hand column; 2a/2b ... 6a/6b side by side on one row; 25a-c, 27-31 in a middle
  column; long labels wrapped onto two rows with the amount on the last; filing status and other check boxes as
  drawn squares marked per ``ReturnFacts.mark``. A blank line still prints its box number (the trap).
- ``software``: a tax-software printout in a monospace font, cents always, negatives with a leading minus,
  "$" on some totals, the filing status as "X Single" text, names on a "Name(s) shown on return" row.
- ``fillable``: the official layout whose page content holds no typed value: every amount, name, SSN and
  check box is an AcroForm field (text fields with /V, check boxes /Btn with /V and /AS the on state), the
  fields named opaquely as the IRS names them (``f1_23``, ``c1_3``), without appearance streams.
- ``scan``: the official layout rasterised at 200 dpi (poppler's ``pdftoppm``), rotated under half a degree,
  speckled, blurred and JPEG-compressed, saved as an image-only PDF of letter-size pages.

Rendering is deterministic: the presentation choices (distractor amounts, "85,000." or "85,000", "(3,000)" or
"-3,000", "-0-") come from a random generator seeded by the facts.

Pure Python (WeasyPrint, Pillow, numpy, pypdf, poppler's pdftoppm for scans); no Django.
"""

from __future__ import annotations

import hashlib
import html
import io
import random
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache
from pathlib import Path

MONEY = (
    "wages",
    "taxable_interest",
    "ordinary_dividends",
    "qualified_dividends",
    "capital_gain",
    "agi",
    "deductions",
    "taxable_income",
    "total_tax",
    "st_net",
    "lt_net",
    "st_carryover",
    "lt_carryover",
    "sd_net",
    "sd_loss_allowed",
)
SCHEDULE_D_KEYS = ("st_net", "lt_net", "st_carryover", "lt_carryover", "sd_net", "sd_loss_allowed")
CARRYOVERS = ("st_carryover", "lt_carryover")
LAYOUTS = ("official", "software", "fillable", "scan")
YEARS = (2023, 2024, 2025)
FILING_STATUSES = ("single", "married_joint", "married_separate", "head_of_household", "qualifying_surviving_spouse")
MARKS = ("x", "check", "cross", "fill")
STATUS_LABELS = {
    "single": "Single",
    "married_joint": "Married filing jointly (even if only one had income)",
    "married_separate": "Married filing separately (MFS)",
    "head_of_household": "Head of household (HOH)",
    "qualifying_surviving_spouse": "Qualifying surviving spouse (QSS)",
}
# The standard deduction (single or MFS, joint or QSS, head of household) the form's sidebar prints.
STANDARD_DEDUCTION = {
    2023: (Decimal("13850.00"), Decimal("27700.00"), Decimal("20800.00")),
    2024: (Decimal("14600.00"), Decimal("29200.00"), Decimal("21900.00")),
    2025: (Decimal("15750.00"), Decimal("31500.00"), Decimal("23625.00")),
}
CENT = Decimal("0.01")
PAGE_W, PAGE_H = 612.0, 792.0  # letter, in points
SCAN_DPI = 200
CHECK_SIZE = 7.0  # a check box's side, in points


@dataclass(frozen=True)
class ReturnFacts:
    year: int  # 2023, 2024 or 2025
    filing_status: str  # one of FILING_STATUSES
    names: tuple[str, ...]  # taxpayer (and spouse) as printed, e.g. ("Jane Q. Example", "John R. Example")
    values: dict[str, Decimal | None]  # keys from MONEY; None = the line is printed blank on the form
    schedule_d: bool  # whether a Schedule D page is attached
    mark: str = "x"  # how the filing-status box is marked: "x", "check", "cross" or "fill"


def expected(facts: ReturnFacts) -> dict[str, object]:
    """What a perfect reader returns: tax_year, filing_status, and every MONEY key (Decimal to the cent, or None
    when blank or absent; Schedule D's keys None without a Schedule D). Carryovers are positive sizes, the net
    figures signed (a loss negative)."""
    out: dict[str, object] = {"tax_year": facts.year, "filing_status": facts.filing_status}
    for key in MONEY:
        value = facts.values.get(key)
        if key in SCHEDULE_D_KEYS and not facts.schedule_d:
            value = None
        if value is not None:
            value = Decimal(value).quantize(CENT)
            if key in CARRYOVERS:
                value = abs(value)
        out[key] = value
    return out


# --- random returns ---------------------------------------------------------------------------------------------

_FIRST = (
    "Jane", "John", "Maria", "David", "Aisha", "Wei", "Robert", "Linda", "Carlos", "Priya", "Michael", "Sarah",
    "Olusegun", "Hannah", "Kenji", "Elena", "Thomas", "Grace", "Ahmed", "Sofia", "William", "Mei", "James", "Anna",
)  # fmt: skip
_LAST = (
    "Example", "Johnson", "Garcia", "Nguyen", "Okafor", "Schmidt", "Patel", "O'Brien", "Kowalski", "Rivera",
    "Anderson", "Takahashi", "Martin", "Lee", "Fitzgerald", "Haddad", "Novak", "Castillo", "Brooks", "Lindqvist",
)  # fmt: skip


def _name(rng: random.Random, last: str | None = None) -> str:
    first = rng.choice(_FIRST)
    initial = f" {rng.choice('ABCDEFGHJKLMNPRSTW')}." if rng.random() < 0.7 else ""
    return f"{first}{initial} {last or rng.choice(_LAST)}"


def _amount(rng: random.Random, low: float, high: float, cents: bool) -> Decimal:
    """A log-uniform amount between ``low`` and ``high``, in whole dollars unless ``cents``."""
    value = Decimal(str(round(low * (high / low) ** rng.random(), 2)))
    return value.quantize(CENT) if cents else value.quantize(Decimal(1)).quantize(CENT)


def _maybe(rng: random.Random, blank: float, zero: float, draw: Decimal) -> Decimal | None:
    roll = rng.random()
    if roll < blank:
        return None
    if roll < blank + zero:
        return Decimal("0.00")
    return draw


def _standard(year: int, status: str) -> Decimal:
    single, joint, head = STANDARD_DEDUCTION[year]
    if status in ("married_joint", "qualifying_surviving_spouse"):
        return joint
    return head if status == "head_of_household" else single


def _tax(taxable: Decimal, status: str) -> Decimal:
    """A rough progressive tax (brackets of a single filer, doubled for joint): only to look plausible."""
    scale = 2 if status in ("married_joint", "qualifying_surviving_spouse") else 1
    brackets = ((11600, 0.10), (47150, 0.12), (100525, 0.22), (191950, 0.24), (243725, 0.32), (609350, 0.35))
    tax, lower = 0.0, 0.0
    for upper, rate in brackets:
        tax += max(0.0, min(float(taxable), upper * scale) - lower) * rate
        lower = upper * scale
    tax += max(0.0, float(taxable) - lower) * 0.37
    return Decimal(round(tax)).quantize(CENT)


JOINT_NAMES = ("Jane Q. Example", "John R. Example")


def joint_facts(
    year: int,
    *,
    deductions: Decimal | None = None,
    taxable_income: Decimal | None = None,
    total_tax: Decimal = Decimal("6789.00"),
    **changes: object,
) -> ReturnFacts:
    """A joint return with a Schedule D: $87,250.50 of AGI, a $12,500.50 net capital loss ($3,000 of it
    allowed) and both carryovers; the standard deduction unless ``deductions`` says otherwise. ``values`` in
    ``changes`` replaces single figures; other ``changes`` replace the facts' own fields."""
    agi = Decimal("87250.50")
    deductions = STANDARD_DEDUCTION[year][1] if deductions is None else deductions
    values: dict[str, Decimal | None] = {
        "wages": Decimal("85000.00"),
        "taxable_interest": Decimal("1250.50"),
        "ordinary_dividends": Decimal("4000.00"),
        "qualified_dividends": Decimal("2500.00"),
        "capital_gain": Decimal("-3000.00"),
        "agi": agi,
        "deductions": deductions,
        "taxable_income": agi - deductions if taxable_income is None else taxable_income,
        "total_tax": total_tax,
        "st_carryover": Decimal("2500.00"),
        "st_net": Decimal("-1000.00"),
        "lt_carryover": Decimal("12750.50"),
        "lt_net": Decimal("-11500.50"),
        "sd_net": Decimal("-12500.50"),
        "sd_loss_allowed": Decimal("-3000.00"),
    }
    values |= changes.pop("values", {})  # type: ignore[arg-type]
    base: dict[str, object] = {
        "year": year,
        "filing_status": "married_joint",
        "names": JOINT_NAMES,
        "values": values,
        "schedule_d": True,
        "mark": "x",
    }
    return ReturnFacts(**(base | changes))  # type: ignore[arg-type]


def random_facts(rng: random.Random) -> ReturnFacts:
    """A random, internally consistent return.

    agi = wages + taxable interest + ordinary dividends + capital gain; taxable income = agi - deductions, floored
    at 0; with a Schedule D, st_net = the short-term total - st_carryover (lt likewise), sd_net = st_net +
    lt_net, sd_loss_allowed = -min(loss, 3,000 or 1,500 when married filing separately) for a loss, and the
    1040's capital gain is sd_net for a gain, sd_loss_allowed for a loss.
    """
    year = rng.choice(YEARS)
    status = rng.choice(FILING_STATUSES)
    mark = rng.choice(MARKS)
    cents = rng.random() < 0.35
    taxpayer = _name(rng)
    names: tuple[str, ...] = (taxpayer,)
    if status == "married_joint":
        names += (_name(rng, taxpayer.rsplit(" ", 1)[1] if rng.random() < 0.7 else None),)

    small = rng.random() < 0.15  # a low income: taxable income -0-
    wages = _maybe(rng, 0.12, 0.04, _amount(rng, 500, 20_000 if small else 1_500_000, cents))
    interest = _maybe(rng, 0.25, 0.05, _amount(rng, 1, 2_000 if small else 60_000, cents))
    ordinary = _maybe(rng, 0.3, 0.03, _amount(rng, 1, 1_500 if small else 150_000, cents))
    qualified = None
    if ordinary is not None and rng.random() < 0.8:
        qualified = (
            (ordinary * Decimal(str(round(rng.random(), 2)))).quantize(CENT if cents else Decimal(1)).quantize(CENT)
        )

    values: dict[str, Decimal | None] = dict.fromkeys(MONEY)
    schedule_d = rng.random() < 0.55
    if schedule_d:
        limit = Decimal(1500 if status == "married_separate" else 3000)
        st_carry = _maybe(rng, 0.5, 0.04, _amount(rng, 50, 400_000, cents))
        lt_carry = _maybe(rng, 0.5, 0.04, _amount(rng, 50, 600_000, cents))
        st_active = rng.random() < 0.85
        lt_active = rng.random() < 0.85 or not st_active

        def total(active: bool) -> Decimal | None:
            if not active:
                return None
            size = _amount(rng, 10, 300_000 if small is False else 5_000, cents)
            return size if rng.random() < 0.55 else -size

        st_total, lt_total = total(st_active), total(lt_active)

        def net(total: Decimal | None, carry: Decimal | None) -> Decimal | None:
            if total is None and carry is None:
                return None
            return (total if total is not None else Decimal(0)) - (carry if carry is not None else Decimal(0))

        st_net, lt_net = net(st_total, st_carry), net(lt_total, lt_carry)
        sd_net = sum((x for x in (st_net, lt_net) if x is not None), Decimal("0.00"))
        allowed = (-min(-sd_net, limit)).quantize(CENT) if sd_net < 0 else None
        values |= {
            "st_carryover": st_carry,
            "lt_carryover": lt_carry,
            "st_net": st_net,
            "lt_net": lt_net,
            "sd_net": Decimal(sd_net).quantize(CENT),
            "sd_loss_allowed": allowed,
            "capital_gain": Decimal(sd_net).quantize(CENT) if allowed is None else allowed,
        }
    else:  # capital gain distributions reported without a Schedule D, or nothing
        values["capital_gain"] = _maybe(rng, 0.6, 0.05, _amount(rng, 5, 25_000, cents))

    agi = sum((v or Decimal(0) for v in (wages, interest, ordinary, values["capital_gain"])), Decimal(0))
    standard = _standard(year, status)
    deductions = _amount(rng, float(standard) * 1.05, float(standard) * 4, cents) if rng.random() < 0.3 else standard
    taxable = max(agi - deductions, Decimal(0)).quantize(CENT)
    total_tax: Decimal | None = _tax(taxable, status)
    if total_tax == 0 and rng.random() < 0.4:
        total_tax = None
    values |= {
        "wages": wages,
        "taxable_interest": interest,
        "ordinary_dividends": ordinary,
        "qualified_dividends": qualified,
        "agi": agi.quantize(CENT),
        "deductions": deductions,
        "taxable_income": taxable,
        "total_tax": total_tax,
    }
    return ReturnFacts(year, status, names, values, schedule_d, mark)


# --- the form's lines -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _L:
    """One numbered line. ``where``: "right" (amount in the right column), "mid" (in the middle column),
    "none" (no amount). ``short`` is the software printout's label."""

    num: str
    label: str
    where: str = "right"
    short: str = ""
    total: bool = False  # the software printout may put "$" in front of it


@dataclass(frozen=True)
class _Pair:
    """Two lines on one row: "2a Tax-exempt interest . . 2a [ ]  b Taxable interest . . 2b [ ]"."""

    a: _L
    b: _L


def _income_lines(year: int) -> list[_L | _Pair]:
    cg = "7a" if year == 2025 else "7"
    agi = "11a" if year == 2025 else "11"
    return [
        _L("1a", "Total amount from Form(s) W-2, box 1 (see instructions)", short="Wages from Form(s) W-2"),
        _L("1b", "Household employee wages not reported on Form(s) W-2", short="Household employee wages"),
        _L("1c", "Tip income not reported on line 1a (see instructions)", short="Tip income"),
        _L("1d", "Medicaid waiver payments not reported on Form(s) W-2 (see instructions)", short="Medicaid waiver"),
        _L("1e", "Taxable dependent care benefits from Form 2441, line 26", short="Dependent care benefits"),
        _L("1f", "Employer-provided adoption benefits from Form 8839, line 29", short="Adoption benefits"),
        _L("1g", "Wages from Form 8919, line 6", short="Wages from Form 8919"),
        _L("1h", "Other earned income (see instructions)", short="Other earned income"),
        _L("1i", "Nontaxable combat pay election (see instructions)", "mid", short="Nontaxable combat pay"),
        _L("1z", "Add lines 1a through 1h", short="Wages, salaries, tips (Add lines 1a through 1h)"),
        _Pair(_L("2a", "Tax-exempt interest"), _L("2b", "Taxable interest")),
        _Pair(_L("3a", "Qualified dividends"), _L("3b", "Ordinary dividends")),
        _Pair(_L("4a", "IRA distributions"), _L("4b", "Taxable amount", short="IRA distributions, taxable amount")),
        _Pair(_L("5a", "Pensions and annuities"), _L("5b", "Taxable amount", short="Pensions and annuities, taxable")),
        _Pair(
            _L("6a", "Social security benefits"),
            _L("6b", "Taxable amount", short="Social security benefits, taxable"),
        ),
        _L(
            "6c",
            "If you elect to use the lump-sum election method, check here (see instructions)",
            "none",
            short="Lump-sum election",
        ),
        _L(cg, "Capital gain or (loss). Attach Schedule D if required", short="Capital gain or (loss)"),
        _L("8", "Additional income from Schedule 1, line 10", short="Additional income (Schedule 1)"),
        _L(
            "9",
            f"Add lines 1z, 2b, 3b, 4b, 5b, 6b, {cg}, and 8. This is your total income",
            short="Total income",
            total=True,
        ),
        _L("10", "Adjustments to income from Schedule 1, line 26", short="Adjustments to income"),
        _L(
            agi,
            "Subtract line 10 from line 9. This is your adjusted gross income",
            short="Adjusted gross income",
            total=True,
        ),
    ]


def _deduction_lines(year: int) -> list[_L | _Pair]:
    if year == 2025:
        return [
            _L("11b", "Amount from line 11a (adjusted gross income)", short="Adjusted gross income (line 11a)"),
            _L("12a", "Basic standard deduction (see instructions)", short="Basic standard deduction"),
            _L(
                "12b",
                "Additional standard deduction for age 65 or older or blind (see instructions)",
                short="Additional standard deduction",
            ),
            _L("12c", "Add lines 12a and 12b", short="Standard deduction (add lines 12a and 12b)"),
            _L("12d", "Itemized deductions from Schedule A, line 17", short="Itemized deductions (Schedule A)"),
            _L(
                "12e",
                "Standard deduction or itemized deductions (from Schedule A). Enter the larger of line 12c or line 12d",
                short="Standard deduction or itemized deductions",
            ),
            _L("13a", "Qualified business income deduction from Form 8995 or Form 8995-A", short="QBI deduction"),
            _L("13b", "Additional deductions from Schedule 1-A, line 38", short="Additional deductions (1-A)"),
            _L("14", "Add lines 12e, 13a, and 13b", short="Total deductions"),
            _L(
                "15",
                "Subtract line 14 from line 11b. If zero or less, enter -0-. This is your taxable income",
                short="Taxable income",
                total=True,
            ),
        ]
    return [
        _L("12", "Standard deduction or itemized deductions (from Schedule A)", short="Standard or itemized deduction"),
        _L("13", "Qualified business income deduction from Form 8995 or Form 8995-A", short="QBI deduction"),
        _L("14", "Add lines 12 and 13", short="Total deductions"),
        _L(
            "15",
            "Subtract line 14 from line 11. If zero or less, enter -0-. This is your taxable income",
            short="Taxable income",
            total=True,
        ),
    ]


def _tax_lines(year: int) -> list[_L | _Pair]:
    eic = "27a" if year == 2025 else "27"
    return [
        _L("16", "Tax (see instructions). Check if any from Form(s): 1 8814 2 4972 3", short="Tax"),
        _L("17", "Amount from Schedule 2, line 3", short="Schedule 2, line 3"),
        _L("18", "Add lines 16 and 17", short="Add lines 16 and 17"),
        _L("19", "Child tax credit or credit for other dependents from Schedule 8812", short="Child tax credit"),
        _L("20", "Amount from Schedule 3, line 8", short="Schedule 3, line 8"),
        _L("21", "Add lines 19 and 20", short="Add lines 19 and 20"),
        _L("22", "Subtract line 21 from line 18. If zero or less, enter -0-", short="Subtract line 21 from line 18"),
        _L("23", "Other taxes, including self-employment tax, from Schedule 2, line 21", short="Other taxes"),
        _L("24", "Add lines 22 and 23. This is your total tax", short="Total tax", total=True),
        _L("25a", "Federal income tax withheld from: Form(s) W-2", "mid", short="Withholding, Form(s) W-2"),
        _L("25b", "Form(s) 1099", "mid", short="Withholding, Form(s) 1099"),
        _L("25c", "Other forms (see instructions)", "mid", short="Withholding, other forms"),
        _L("25d", "Add lines 25a through 25c", short="Total federal income tax withheld"),
        _L(
            "26",
            f"{year} estimated tax payments and amount applied from {year - 1} return",
            short="Estimated tax payments",
        ),
        _L(eic, "Earned income credit (EIC)", "mid", short="Earned income credit"),
        _L("28", "Additional child tax credit from Schedule 8812", "mid", short="Additional child tax credit"),
        _L("29", "American opportunity credit from Form 8863, line 8", "mid", short="American opportunity credit"),
        _L("30", "Reserved for future use", "mid", short="Reserved"),
        _L("31", "Amount from Schedule 3, line 15", "mid", short="Schedule 3, line 15"),
        _L(
            "32",
            f"Add lines {eic}, 28, 29, and 31. These are your total other payments and refundable credits",
            short="Total other payments and refundable credits",
        ),
        _L("33", "Add lines 25d, 26, and 32. These are your total payments", short="Total payments", total=True),
        _L(
            "34",
            "If line 33 is more than line 24, subtract line 24 from line 33. This is the amount you overpaid",
            short="Amount overpaid",
        ),
        _L("35a", "Amount of line 34 you want refunded to you. If Form 8888 is attached, check here", short="Refund"),
        _L(
            "36",
            f"Amount of line 34 you want applied to your {year + 1} estimated tax",
            "mid",
            short="Applied to estimated tax",
        ),
        _L(
            "37",
            "Subtract line 33 from line 24. This is the amount you owe. For details on how to pay, go to "
            "www.irs.gov/Payments or see instructions",
            short="Amount you owe",
            total=True,
        ),
        _L("38", "Estimated tax penalty (see instructions)", "mid", short="Estimated tax penalty"),
    ]


def _page1_lines(year: int) -> list[_L | _Pair]:
    lines = _income_lines(year)
    return lines if year == 2025 else [*lines, *_deduction_lines(year)]


def _page2_lines(year: int) -> list[_L | _Pair]:
    return [*_deduction_lines(year), *_tax_lines(year)] if year == 2025 else _tax_lines(year)


@dataclass(frozen=True)
class _D:
    """A Schedule D line. ``kind``: "cols" (columns d, e, g, h), "h" (column h with the number box), "paren"
    (column h with preprinted parentheses), "yesno" (two check boxes, no amount)."""

    num: str
    label: str
    kind: str = "h"
    short: str = ""


_COLUMNS = (
    "(d) Proceeds (sales price)",
    "(e) Cost (or other basis)",
    "(g) Adjustments to gain or loss from Form(s) 8949, Part I, line 2, column (g)",
    "(h) Gain or (loss) Subtract column (e) from column (d) and combine the result with column (g)",
)


def _schedule_d_lines(year: int) -> list[tuple[str, list[_D]]]:
    cg = "7a" if year == 2025 else "7"
    part1 = [
        _D(
            "1a",
            "Totals for all short-term transactions reported on Form 1099-B for which basis was reported to the IRS "
            "and for which you have no adjustments (see instructions). However, if you choose to report all these "
            "transactions on Form 8949, leave this line blank and go to line 1b",
            "cols",
            "Short-term totals from Form 1099-B (basis reported)",
        ),
        _D("1b", "Totals for all transactions reported on Form(s) 8949 with Box A checked", "cols", "Form 8949, Box A"),
        _D("2", "Totals for all transactions reported on Form(s) 8949 with Box B checked", "cols", "Form 8949, Box B"),
        _D("3", "Totals for all transactions reported on Form(s) 8949 with Box C checked", "cols", "Form 8949, Box C"),
        _D(
            "4",
            "Short-term gain from Form 6252 and short-term gain or (loss) from Forms 4684, 6781, and 8824",
            short="Short-term gain from Forms 6252, 4684, 6781, 8824",
        ),
        _D(
            "5",
            "Net short-term gain or (loss) from partnerships, S corporations, estates, and trusts from Schedule(s) K-1",
            short="Short-term gain or (loss) from Schedule(s) K-1",
        ),
        _D(
            "6",
            "Short-term capital loss carryover. Enter the amount, if any, from line 8 of your Capital Loss Carryover "
            "Worksheet in the instructions",
            "paren",
            "Short-term capital loss carryover",
        ),
        _D(
            "7",
            "Net short-term capital gain or (loss). Combine lines 1a through 6 in column (h). If you have any "
            "long-term capital gains or losses, go to Part II below. Otherwise, go to Part III on the back",
            short="Net short-term capital gain or (loss)",
        ),
    ]
    part2 = [
        _D(
            "8a",
            "Totals for all long-term transactions reported on Form 1099-B for which basis was reported to the IRS "
            "and for which you have no adjustments (see instructions). However, if you choose to report all these "
            "transactions on Form 8949, leave this line blank and go to line 8b",
            "cols",
            "Long-term totals from Form 1099-B (basis reported)",
        ),
        _D("8b", "Totals for all transactions reported on Form(s) 8949 with Box D checked", "cols", "Form 8949, Box D"),
        _D("9", "Totals for all transactions reported on Form(s) 8949 with Box E checked", "cols", "Form 8949, Box E"),
        _D("10", "Totals for all transactions reported on Form(s) 8949 with Box F checked", "cols", "Form 8949, Box F"),
        _D(
            "11",
            "Gain from Form 4797, Part I; long-term gain from Forms 2439 and 6252; and long-term gain or (loss) from "
            "Forms 4684, 6781, and 8824",
            short="Gain from Form 4797 and others",
        ),
        _D(
            "12",
            "Net long-term gain or (loss) from partnerships, S corporations, estates, and trusts from Schedule(s) K-1",
            short="Long-term gain or (loss) from Schedule(s) K-1",
        ),
        _D("13", "Capital gain distributions. See the instructions", short="Capital gain distributions"),
        _D(
            "14",
            "Long-term capital loss carryover. Enter the amount, if any, from line 13 of your Capital Loss Carryover "
            "Worksheet in the instructions",
            "paren",
            "Long-term capital loss carryover",
        ),
        _D(
            "15",
            "Net long-term capital gain or (loss). Combine lines 8a through 14 in column (h). Then, go to Part III on "
            "the back",
            short="Net long-term capital gain or (loss)",
        ),
    ]
    part3 = [
        _D("16", "Combine lines 7 and 15 and enter the result", short="Combine lines 7 and 15"),
        _D(
            "17",
            "Are lines 15 and 16 both gains? Yes. Go to line 18. No. Skip lines 18 through 21, and go to line 22",
            "yesno",
            "Are lines 15 and 16 both gains?",
        ),
        _D(
            "18",
            "If you are required to complete the 28% Rate Gain Worksheet (see instructions), enter the amount, if "
            "any, from line 7 of that worksheet",
            short="28% rate gain",
        ),
        _D(
            "19",
            "If you are required to complete the Unrecaptured Section 1250 Gain Worksheet (see instructions), enter "
            "the amount, if any, from line 18 of that worksheet",
            short="Unrecaptured section 1250 gain",
        ),
        _D(
            "20",
            "Are lines 18 and 19 both zero or blank and are you not filing Form 4952? Yes. Complete the Qualified "
            "Dividends and Capital Gain Tax Worksheet. No. Complete the Schedule D Tax Worksheet",
            "yesno",
            "Are lines 18 and 19 both zero or blank?",
        ),
        _D(
            "21",
            f"If line 16 is a loss, enter here and on Form 1040, 1040-SR, or 1040-NR, line {cg}, the smaller of: "
            "The loss on line 16; or ($3,000), or if married filing separately, ($1,500)",
            "paren",
            "Capital loss allowed (smaller of the loss or $3,000; $1,500 if MFS)",
        ),
        _D(
            "22",
            "Do you have qualified dividends on Form 1040, 1040-SR, or 1040-NR, line 3a? Yes. No.",
            "yesno",
            "Qualified dividends on line 3a?",
        ),
    ]
    return [
        ("Part I Short-Term Capital Gains and Losses—Generally Assets Held One Year or Less (see instructions)", part1),
        (
            "Part II Long-Term Capital Gains and Losses—Generally Assets Held More Than One Year (see instructions)",
            part2,
        ),
        ("Part III Summary", part3),
    ]


# --- the amounts printed on every line, distractors included ----------------------------------------------------


@dataclass
class _Plan:
    """Everything printed for one return: the 1040's amounts by line number, Schedule D's by line (columns d, e,
    g, h), the yes/no answers, and the presentation choices."""

    f1040: dict[str, Decimal | None]
    sd_cols: dict[str, tuple[Decimal | None, Decimal | None, Decimal | None, Decimal | None]]
    sd: dict[str, Decimal | None]
    yes: dict[str, bool]  # check box rows: the "Yes" box is marked (else "No")
    ssn: tuple[str, str]
    address: tuple[str, str, str, str]
    dependents: list[tuple[str, str, str, bool]]
    occupation: tuple[str, str]
    preparer: str
    style: str  # whole dollars as "85,000." ("dot"), "85,000" ("plain") or "85,000.00" ("cents")
    negative: str  # "paren" (3,000) or "minus" -3,000
    zero_dash: dict[str, bool] = field(default_factory=dict)  # zero lines printed "-0-"
    dollar_sign: bool = False  # software: "$" on totals
    only_status: bool = False  # software: print only the checked filing status
    check_glyph: str = "✔"
    on_state: str = "/1"  # fillable: the check boxes' on state


def _seed(facts: ReturnFacts) -> int:
    key = repr((facts.year, facts.filing_status, facts.names, sorted(facts.values.items()), facts.schedule_d))
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def _split(rng: random.Random, total: Decimal, parts: int, cents: bool) -> list[Decimal]:
    """``parts`` signed amounts adding up to ``total``."""
    if parts == 1:
        return [total]
    out = []
    for _ in range(parts - 1):
        size = Decimal(str(round(rng.uniform(-0.6, 1.0) * float(abs(total) or 1000) + rng.uniform(-500, 500), 2)))
        out.append(size.quantize(CENT) if cents else size.quantize(Decimal(1)).quantize(CENT))
    return [*out, total - sum(out, Decimal(0))]


def _plan(facts: ReturnFacts) -> _Plan:
    rng = random.Random(_seed(facts))
    v = facts.values
    cents = any(x is not None and x != x.to_integral_value() for x in v.values())

    def amt(low: float, high: float) -> Decimal:
        return _amount(rng, low, high, cents and rng.random() < 0.5)

    def some(p: float, low: float, high: float) -> Decimal | None:
        return amt(low, high) if rng.random() < p else None

    def add(*xs: Decimal | None) -> Decimal | None:
        present = [x for x in xs if x is not None]
        return sum(present, Decimal(0)) if present else None

    y = facts.year
    cg, agi_line, ded_line, eic = ("7a", "11a", "12e", "27a") if y == 2025 else ("7", "11", "12", "27")
    f: dict[str, Decimal | None] = {}
    wages = v.get("wages")
    if wages is None:
        f |= dict.fromkeys(["1a", "1b", "1c", "1d", "1e", "1f", "1g", "1h", "1z"])
    else:
        tips = amt(20, max(21.0, float(wages) / 4)) if wages > 100 and rng.random() < 0.2 else None
        other = amt(20, max(21.0, float(wages) / 5)) if wages > 100 and rng.random() < 0.15 else None
        rest = wages - (tips or 0) - (other or 0)
        f |= {"1a": rest, "1b": None, "1c": tips, "1d": None, "1e": None, "1f": None, "1g": None, "1h": other}
        f["1z"] = wages
    f["1i"] = some(0.05, 500, 30_000)
    f["2a"] = some(0.3, 5, 25_000)
    f["2b"] = v.get("taxable_interest")
    f["3a"], f["3b"] = v.get("qualified_dividends"), v.get("ordinary_dividends")
    for a, b, share in (("4a", "4b", 0.6), ("5a", "5b", 0.8), ("6a", "6b", 0.85)):
        gross = some(0.25, 500, 120_000)
        f[a] = gross
        f[b] = None if gross is None else rng.choice([Decimal("0.00"), (gross * Decimal(str(share))).quantize(CENT)])
    f[cg] = v.get("capital_gain")
    f["8"] = some(0.15, 10, 40_000)
    total_income = add(*(f[k] for k in ("1z", "2b", "3b", "4b", "5b", "6b", cg, "8")))
    f["9"] = total_income if total_income is not None else Decimal("0.00")
    agi = v.get("agi")
    f["10"] = None if agi is None or f["9"] == agi else f["9"] - agi
    f[agi_line] = agi
    deductions = v.get("deductions")
    if y == 2025:
        f["11b"] = agi
        basic = _standard(y, facts.filing_status)
        extra = rng.choice([None, None, Decimal(2000), Decimal(1600), Decimal(3200)])
        f["12a"], f["12b"] = basic, extra
        f["12c"] = basic + (extra or 0)
        f["12d"] = deductions if deductions is not None and deductions > f["12c"] else some(0.3, 1_000, 20_000)
        f["13a"] = rng.choice([None, None, Decimal("0.00"), amt(100, 20_000)])
        f["13b"] = rng.choice([None, None, amt(100, 12_000)])
    else:
        f["13"] = rng.choice([None, None, Decimal("0.00"), amt(100, 20_000)])
    f[ded_line] = deductions
    f["14"] = add(deductions, f.get("13"), f.get("13a"), f.get("13b"))
    f["15"] = v.get("taxable_income")
    total_tax = v.get("total_tax")
    if total_tax is None:
        f |= dict.fromkeys(["16", "17", "18", "19", "20", "21", "22", "23"])
    else:
        f["23"] = amt(10, min(5_000.0, float(total_tax))) if total_tax > 20 and rng.random() < 0.25 else None
        f["22"] = total_tax - (f["23"] or 0)
        f["19"] = Decimal(2000 * rng.randint(1, 3)).quantize(CENT) if total_tax and rng.random() < 0.3 else None
        f["20"] = some(0.2, 10, 3_000) if total_tax else None
        f["21"] = add(f["19"], f["20"])
        f["18"] = f["22"] + (f["21"] or 0)
        f["17"] = some(0.1, 10, 4_000)
        f["16"] = f["18"] - (f["17"] or 0)
    f["24"] = total_tax
    f["25a"] = None if not wages else (wages * Decimal(str(round(rng.uniform(0.05, 0.3), 2)))).quantize(CENT)
    f["25b"] = some(0.2, 10, 8_000)
    f["25c"] = None
    f["25d"] = add(f["25a"], f["25b"])
    f["26"] = some(0.2, 100, 50_000)
    f[eic] = some(0.1, 100, 7_800)
    f["28"] = some(0.1, 100, 5_000)
    f["29"] = some(0.05, 100, 1_000)
    f["30"] = None
    f["31"] = some(0.1, 10, 2_000)
    f["32"] = add(f[eic], f["28"], f["29"], f["31"])
    f["33"] = add(f["25d"], f["26"], f["32"])
    owed = (total_tax or 0) - (f["33"] or 0)
    f["34"] = -owed if owed < 0 else None
    f["35a"] = f["34"]
    f["36"] = None
    f["37"] = owed if owed > 0 else None
    f["38"] = some(0.05, 10, 500)

    sd_cols: dict[str, tuple[Decimal | None, Decimal | None, Decimal | None, Decimal | None]] = {}
    sd: dict[str, Decimal | None] = {}
    if facts.schedule_d:
        for rows, net_key, carry_key, net_line, carry_line in (
            (("1a", "1b", "2", "3", "4", "5"), "st_net", "st_carryover", "7", "6"),
            (("8a", "8b", "9", "10", "11", "12", "13"), "lt_net", "lt_carryover", "15", "14"),
        ):
            net, carry = v.get(net_key), v.get(carry_key)
            carry_size = abs(carry) if carry is not None else None
            chosen: list[str] = []
            if net is not None:
                total = net + (carry_size or 0)
                if total != 0 or rng.random() < 0.5:
                    chosen = sorted(rng.sample(rows, rng.randint(1, 3)), key=rows.index)
                    for row, h in zip(chosen, _split(rng, total, len(chosen), cents), strict=True):
                        sd[row] = h
                        if row in ("1a", "1b", "2", "3", "8a", "8b", "9", "10"):
                            adjust = amt(10, 5_000) if rng.random() < 0.2 else None
                            cost = amt(max(float(abs(h)), 100.0), max(float(abs(h)), 100.0) * 8)
                            proceeds = cost + h - (adjust or 0)
                            if proceeds < 0:
                                cost, proceeds = cost - proceeds, Decimal("0.00")
                            sd_cols[row] = (proceeds, cost, adjust, h)
            sd[carry_line] = carry_size
            sd[net_line] = net
        sd["16"] = v.get("sd_net")
        sd["18"] = some(0.1, 100, 20_000)
        sd["19"] = some(0.1, 100, 20_000)
        allowed = v.get("sd_loss_allowed")
        sd["21"] = abs(allowed) if allowed is not None else None

    zero_dash = {key: rng.random() < 0.6 for key in [*f, *sd, "sd6", "sd14", "sd21"]}
    dependents = []
    last = facts.names[0].rsplit(" ", 1)[1]
    for _ in range(rng.choice([0, 0, 1, 2])):
        dependents.append(
            (
                f"{rng.choice(_FIRST)} {last}",
                _ssn(rng),
                rng.choice(["Daughter", "Son", "Stepchild"]),
                rng.random() < 0.8,
            )
        )
    return _Plan(
        f1040=f,
        sd_cols=sd_cols,
        sd=sd,
        yes={
            "digital": rng.random() < 0.25,
            "17": (sd.get("15") or 0) > 0 and (sd.get("16") or 0) > 0,
            "20": rng.random() < 0.8,
            "22": v.get("qualified_dividends") is not None,
        },
        ssn=(_ssn(rng), _ssn(rng) if len(facts.names) > 1 else ""),
        address=(
            f"{rng.randint(10, 9999)} {rng.choice(['Maple', 'Oak', 'Cedar', 'Lake', 'Hill'])} "
            f"{rng.choice(['Street', 'Avenue', 'Road', 'Lane'])}",
            rng.choice(["", "", "4B", "12"]),
            rng.choice(["Springfield", "Riverton", "Fairview", "Madison", "Georgetown"]),
            rng.choice(["IL", "OH", "TX", "CA", "NY", "WA"]) + f" {rng.randint(10000, 99999)}",
        ),
        dependents=dependents,
        occupation=(
            rng.choice(["Engineer", "Teacher", "Physician", "Retired", "Consultant", "Nurse"]),
            rng.choice(["Accountant", "Attorney", "Designer", "Retired"]) if len(facts.names) > 1 else "",
        ),
        preparer=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}, CPA",
        style=rng.choice(["dot", "plain", "cents"]) if not cents else rng.choice(["dot", "plain", "cents", "cents"]),
        negative=rng.choice(["paren", "minus"]),
        zero_dash=zero_dash,
        dollar_sign=rng.random() < 0.5,
        only_status=rng.random() < 0.5,
        check_glyph=rng.choice(["✔", "✓"]),
        on_state=rng.choice(["/1", "/Yes", "/On"]),
    )


def _ssn(rng: random.Random) -> str:
    return f"{rng.randint(100, 899):03d}-{rng.randint(10, 99):02d}-{rng.randint(1000, 9999):04d}"


def _money(value: Decimal, plan: _Plan, key: str, *, sign: bool = True) -> str:
    """An amount as the form prints it; ``sign=False`` for a cell with preprinted parentheses."""
    if value == 0 and plan.zero_dash.get(key, False):
        return "-0-"
    size = abs(value)
    if plan.style == "cents" or size != size.to_integral_value():
        text = f"{size:,.2f}"
    else:
        text = f"{int(size):,}" + ("." if plan.style == "dot" else "")
    if value < 0 and sign:
        return f"({text})" if plan.negative == "paren" else f"-{text}"
    return text


def _split_name(name: str) -> tuple[str, str]:
    """("Jane Q.", "Example") from "Jane Q. Example": the first name with its initial, then the last name."""
    parts = name.split()
    cut = 2 if len(parts) > 2 and parts[1].endswith(".") and len(parts[1]) == 2 else 1
    return " ".join(parts[:cut]), " ".join(parts[cut:])


# --- drawing the official layout --------------------------------------------------------------------------------

_FONT_FILES = {
    (False, False): "DejaVuSans.ttf",
    (True, False): "DejaVuSans-Bold.ttf",
    (False, True): "DejaVuSansMono.ttf",
}


@cache
def _font_path(bold: bool, mono: bool) -> str:
    name = _FONT_FILES[(bold, mono)]
    for folder in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu"):
        if (Path(folder) / name).exists():
            return str(Path(folder) / name)
    found = subprocess.run(
        ["fc-match", "-f", "%{file}", "DejaVu Sans Mono" if mono else "DejaVu Sans:bold" if bold else "DejaVu Sans"],
        capture_output=True,
        text=True,
        check=True,
    )
    return found.stdout.strip()


@cache
def _font(bold: bool) -> object:
    from PIL import ImageFont

    return ImageFont.truetype(_font_path(bold, False), size=100)


def _width(text: str, size: float, bold: bool = False) -> float:
    """The width in points of ``text`` in DejaVu Sans at ``size`` points."""
    return float(_font(bold).getlength(text)) * size / 100  # type: ignore[attr-defined]


def _wrap(text: str, size: float, width: float, bold: bool = False) -> list[str]:
    rows: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and _width(trial, size, bold) > width:
            rows.append(current)
            current = word
        else:
            current = trial
    return [*rows, current] if current else rows


@dataclass
class _Field:
    kind: str  # "text" or "check"
    page: int
    rect: tuple[float, float, float, float]  # x, top, width, height in points from the page's top left
    value: str  # text; for a check box "" (off) or the on state


class _Canvas:
    """Absolutely positioned HTML pages. ``value`` and ``checkbox`` are what a person or software fills in: drawn
    in the official layout, AcroForm fields (not drawn) in the fillable one."""

    def __init__(self, fillable: bool, mark: str, plan: _Plan):
        self.fillable, self.mark, self.plan = fillable, mark, plan
        self.pages: list[list[str]] = []
        self.fields: list[_Field] = []

    def new_page(self) -> None:
        self.pages.append([])

    def _put(self, piece: str) -> None:
        self.pages[-1].append(piece)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float = 7,
        *,
        bold: bool = False,
        width: float | None = None,
        align: str = "left",
    ) -> None:
        """``text`` whose baseline is at ``y`` (DejaVu's baseline sits 0.846 em below the top of a line box one
        em high), so that texts of different sizes on one row share their baseline."""
        style = f"left:{x:.2f}pt;top:{y - 0.846 * size:.2f}pt;font-size:{size}pt"
        if bold:
            style += ";font-weight:bold"
        if width is not None:
            style += f";width:{width:.2f}pt;text-align:{align}"
        self._put(f'<div class="t" style="{style}">{html.escape(text)}</div>')

    def rule(self, x: float, y: float, w: float, h: float, css: str) -> None:
        self._put(f'<div class="r" style="left:{x:.2f}pt;top:{y:.2f}pt;width:{w:.2f}pt;height:{h:.2f}pt;{css}"></div>')

    def value(self, x: float, y: float, w: float, text: str, size: float = 8, align: str = "right") -> None:
        """A filled-in value in the cell [x, x + w] whose bottom is at ``y``."""
        if not text:
            return
        if self.fillable:
            self.fields.append(_Field("text", len(self.pages) - 1, (x, y - size - 2, w, size + 3), text))
            return
        pad = 3 if align == "right" else 1
        self.text(x + (0 if align == "right" else pad), y, text, size, width=w - pad, align=align)

    def checkbox(self, x: float, y: float, on: bool, size: float = CHECK_SIZE) -> None:
        """A square check box whose bottom is at ``y``, marked per the return's ``mark`` when ``on``."""
        top = y - size
        if self.fillable:
            self.rule(x, top, size, size, "border:0.6pt solid #000")
            self.fields.append(
                _Field("check", len(self.pages) - 1, (x, top, size, size), self.plan.on_state if on else "")
            )
            return
        fill = on and self.mark == "fill"
        self.rule(x, top, size, size, "border:0.6pt solid #000" + (";background:#000" if fill else ""))
        if not on or fill:
            return
        if self.mark == "cross":
            self._put(
                f'<svg class="r" style="left:{x:.2f}pt;top:{top:.2f}pt" width="{size}pt" height="{size}pt" '
                'viewBox="0 0 10 10"><path d="M1 1 L9 9 M9 1 L1 9" stroke="#000" stroke-width="1.4"/></svg>'
            )
        else:
            glyph = "X" if self.mark == "x" else self.plan.check_glyph
            self.text(x, y - 0.5, glyph, size - 0.5, bold=self.mark == "x", width=size, align="center")

    def html(self) -> str:
        pages = "".join(f'<div class="p">{"".join(items)}</div>' for items in self.pages)
        return (
            "<html><head><style>"
            "@page{size:letter;margin:0}"
            "body{margin:0;font-family:'DejaVu Sans';color:#000}"
            ".p{position:relative;width:612pt;height:792pt;overflow:hidden;page-break-after:always}"
            ".p:last-child{page-break-after:auto}"
            ".t{position:absolute;white-space:pre;line-height:1}"
            ".r{position:absolute;box-sizing:border-box}"
            f"</style></head><body>{pages}</body></html>"
        )


# The 1040's columns, in points from the left edge.
_LEFT, _RIGHT = 36.0, 576.0
_SIDEBAR_W = 64.0
_NUM_X = _LEFT + _SIDEBAR_W + 2  # the line number
_LABEL_X = _NUM_X + 16
_AMT_W = 80.0
_AMT_X = _RIGHT - _AMT_W
_BOX_W = 17.0
_BOX_X = _AMT_X - _BOX_W
_MID_AMT_X = _BOX_X - _AMT_W  # the middle column (25a-c, 27-31, the "a" of 4a/4b...)
_MID_BOX_X = _MID_AMT_X - _BOX_W
_PAIR_A_W = 72.0
_PAIR_A_AMT_X = 258.0
_PAIR_A_BOX_X = _PAIR_A_AMT_X - _BOX_W
_PAIR_B_X = _PAIR_A_AMT_X + _PAIR_A_W + 5  # where "b Taxable interest" starts
_ROW = 12.0
_STATUS_Y = 172.0
# Page 1's filing-status boxes: (left, bottom) in points from the page's top left, each CHECK_SIZE points square.
STATUS_BOXES = {
    "single": (_NUM_X, _STATUS_Y),
    "married_joint": (_NUM_X + 62, _STATUS_Y),
    "married_separate": (_NUM_X + 280, _STATUS_Y),
    "head_of_household": (_NUM_X, _STATUS_Y + 13),
    "qualifying_surviving_spouse": (_NUM_X + 110, _STATUS_Y + 13),
}
_LABEL_SIZE = 7.0
_LEADER = " ."


class _Form:
    """Lays out one 1040 page's rows from a cursor ``y`` down, the sidebar words beside them."""

    def __init__(self, canvas: _Canvas, plan: _Plan, y: float):
        self.c, self.plan, self.y = canvas, plan, y
        self.sidebar: list[tuple[str, float, bool]] = []

    def row(self, step: float = _ROW) -> float:
        """Advance one row; print the next sidebar word on it. Return the row's bottom."""
        self.y += step
        if self.sidebar:
            text, size, bold = self.sidebar.pop(0)
            self.c.text(_LEFT, self.y, text, size, bold=bold)
        return self.y

    def side(self, *rows: str, size: float = 6, bold: bool = False) -> None:
        self.sidebar.extend((r, size, bold) for r in rows)

    def rule_across(self) -> None:
        self.c.rule(_LEFT, self.y + 2.5, _RIGHT - _LEFT, 0.8, "background:#000")

    def label(self, x: float, end: float, number: str, text: str) -> float:
        """The line number at ``x`` and the label wrapped to ``end`` with dot leaders; return the last row's y."""
        rows = _wrap(text, _LABEL_SIZE, end - x - 16 - 6)
        for i, row_text in enumerate(rows):
            y = self.row() if i else self.y
            if i == 0 and number:
                self.c.text(x, y, number, _LABEL_SIZE, bold=True)
            if i == len(rows) - 1:
                start = x + 16 + _width(row_text, _LABEL_SIZE) + 3
                dots = max(0, int((end - 3 - start) / _width(_LEADER, _LABEL_SIZE)))
                row_text += "  " + _LEADER * dots if dots > 2 else ""
            self.c.text(x + 16, y, row_text, _LABEL_SIZE)
        return self.y

    def cell(
        self, box_x: float, amt_x: float, number: str, amount: Decimal | None, key: str, width: float = _AMT_W
    ) -> None:
        """The number box and the amount cell on the current row."""
        top = self.y - _ROW + 2.5
        self.c.rule(box_x, top, _BOX_W, _ROW, "border-left:0.6pt solid #000;border-bottom:0.6pt solid #000")
        self.c.text(box_x, self.y, number, _LABEL_SIZE, bold=True, width=_BOX_W, align="center")
        self.c.rule(amt_x, top, width, _ROW, "border-left:0.6pt solid #000;border-bottom:0.6pt solid #000")
        if amount is not None:
            self.c.value(amt_x, self.y, width, _money(amount, self.plan, key))

    def line(self, spec: _L) -> None:
        self.row()
        amounts = self.plan.f1040
        if spec.where == "none":
            self.label(_NUM_X, _MID_BOX_X + 40, spec.num, spec.label)
            self.c.checkbox(_MID_BOX_X + 50, self.y, False)
            return
        box_x, amt_x = (_BOX_X, _AMT_X) if spec.where == "right" else (_MID_BOX_X, _MID_AMT_X)
        self.label(_NUM_X, box_x, spec.num, spec.label)
        if spec.where == "mid":  # the right-hand column is shaded on these rows
            self.c.rule(_AMT_X, self.y - _ROW + 2.5, _AMT_W, _ROW, "background:#d8d8d8;border-left:0.6pt solid #000")
        self.cell(box_x, amt_x, spec.num, amounts.get(spec.num), spec.num)

    def pair(self, spec: _Pair) -> None:
        self.row()
        amounts = self.plan.f1040
        self.label(_NUM_X, _PAIR_A_BOX_X, spec.a.num, spec.a.label)
        self.cell(_PAIR_A_BOX_X, _PAIR_A_AMT_X, spec.a.num, amounts.get(spec.a.num), spec.a.num, _PAIR_A_W)
        saved = self.sidebar
        self.sidebar = []  # the b half is on the same row
        self.label(_PAIR_B_X, _BOX_X, spec.b.num[-1], spec.b.label)
        self.sidebar = saved
        self.cell(_BOX_X, _AMT_X, spec.b.num, amounts.get(spec.b.num), spec.b.num)

    def lines(self, specs: Iterable[_L | _Pair]) -> None:
        for spec in specs:
            if isinstance(spec, _Pair):
                self.pair(spec)
            else:
                self.line(spec)


def _sidebar_for(form: _Form, number: str, year: int) -> None:
    single, joint, head = (f"${int(x):,}" for x in STANDARD_DEDUCTION[year])
    words = {
        "1a": [("Income", 9, True)],
        "1c": [
            ("Attach Form(s)", 6, False),
            ("W-2 here. Also", 6, False),
            ("attach Forms", 6, False),
            ("W-2G and", 6, False),
            ("1099-R if tax", 6, False),
            ("was withheld.", 6, False),
        ],
        ("4a" if year == 2025 else "5a"): [
            (t, 6, i < 2)
            for i, t in enumerate(
                [
                    "Standard",
                    "Deduction for—",
                    "• Single or",
                    "Married filing",
                    "separately,",
                    single,
                    "• Married filing",
                    "jointly or",
                    "Qualifying",
                    "surviving spouse,",
                    joint,
                    "• Head of",
                    "household,",
                    head,
                    "• If you checked",
                    "any box under",
                    "Standard",
                    "Deduction, see",
                    "instructions.",
                ]
            )
        ],
        "16": [] if year == 2025 else [("Tax and", 9, True), ("Credits", 9, True)],
        "25a": [("Payments", 9, True)],
        ("27a" if year == 2025 else "27"): [
            ("If you have a", 6, False),
            ("qualifying child,", 6, False),
            ("you may need to", 6, False),
            ("attach Sch. EIC.", 6, False),
        ],
        "34": [("Refund", 9, True)],
        "37": [("Amount", 9, True), ("You Owe", 9, True)],
    }
    if year == 2025 and number == "11b":
        form.side("Tax and", "Credits", size=9, bold=True)
    for text, size, bold in words.get(number, []):
        form.sidebar.append((text, size, bold))


def _lines_with_sidebar(form: _Form, specs: list[_L | _Pair], year: int) -> None:
    for spec in specs:
        _sidebar_for(form, spec.a.num if isinstance(spec, _Pair) else spec.num, year)
        form.lines([spec])


def _page1(c: _Canvas, facts: ReturnFacts, plan: _Plan) -> None:
    year = facts.year
    c.new_page()
    # Header: "Form 1040", "Department of the Treasury—Internal Revenue Service", the title and the year.
    c.text(_LEFT, 56, "Form", 7)
    c.text(_LEFT + 18, 56, "1040", 20, bold=True)
    c.text(_LEFT + 78, 42, "Department of the Treasury—Internal Revenue Service", 6.5)
    c.text(_LEFT + 78, 55, "U.S. Individual Income Tax Return", 11, bold=True)
    c.text(_LEFT + 300, 56, str(year), 20, bold=True)
    c.text(_LEFT + 360, 48, "OMB No. 1545-0074", 6.5)
    c.text(_LEFT + 360, 56, "IRS Use Only—Do not write or staple in this space.", 6)
    c.rule(_LEFT, 60, _RIGHT - _LEFT, 1.2, "background:#000")
    c.text(
        _LEFT,
        70,
        f"For the year Jan. 1–Dec. 31, {year}, or other tax year beginning            , {year}, ending            , 20",  # noqa: RUF001
        6.5,
    )
    c.text(_LEFT + 380, 70, "See separate instructions.", 6.5)
    # Names, SSNs, address.
    y = 80.0
    first, last = _split_name(facts.names[0])
    spouse_first, spouse_last = _split_name(facts.names[1]) if len(facts.names) > 1 else ("", "")
    grid = (
        (
            ("Your first name and middle initial", first),
            ("Last name", last),
            ("Your social security number", plan.ssn[0]),
        ),
        (
            ("If joint return, spouse's first name and middle initial", spouse_first),
            ("Last name", spouse_last),
            ("Spouse's social security number", plan.ssn[1]),
        ),
        (
            ("Home address (number and street). If you have a P.O. box, see instructions.", plan.address[0]),
            ("Apt. no.", plan.address[1]),
            ("", ""),
        ),
        (
            ("City, town, or post office. If you have a foreign address, also complete spaces below.", plan.address[2]),
            ("State ZIP code", plan.address[3]),
            ("", ""),
        ),
    )
    columns = (_LEFT, _LEFT + 250, _LEFT + 430)
    widths = (246.0, 176.0, _RIGHT - _LEFT - 430)
    for row in grid:
        for (caption, filled), x, w in zip(row, columns, widths, strict=True):
            bottom = ";border-bottom:0.6pt solid #000" if caption else ""
            c.rule(x, y, w, 20, "border-left:0.6pt solid #000" + bottom)
            if caption:
                c.text(x + 2, y + 7, caption, 5.5)
            c.value(x + 2, y + 18, w - 4, filled, 8.5, align="left")
        y += 20
    c.text(_LEFT + 432, y - 33, "Presidential Election Campaign", 6, bold=True)
    c.text(_LEFT + 432, y - 26, "Check here if you, or your spouse if filing", 5)
    c.text(_LEFT + 432, y - 20, "jointly, want $3 to go to this fund.", 5)
    c.checkbox(_LEFT + 434, y - 9, plan.yes["digital"] and len(facts.names) > 1, 6)
    c.text(_LEFT + 442, y - 9, "You", 6)
    c.checkbox(_LEFT + 464, y - 9, False, 6)
    c.text(_LEFT + 472, y - 9, "Spouse", 6)
    # Filing status: two rows of boxes.
    y += 12
    c.text(_LEFT, y, "Filing Status", 8, bold=True)
    c.text(_LEFT, y + 9, "Check only one box.", 6)
    assert y == _STATUS_Y
    for status, (x, row_y) in STATUS_BOXES.items():
        c.checkbox(x, row_y, status == facts.filing_status)
        c.text(x + 10, row_y, STATUS_LABELS[status], 7.5)
    c.text(
        _NUM_X,
        y + 25,
        "If you checked the MFS box, enter the name of your spouse. "
        "If you checked the HOH or QSS box, enter the child's",
        6,
    )
    c.text(_NUM_X, y + 32, "name if the qualifying person is a child but not your dependent:", 6)
    y += 40
    c.rule(_LEFT, y, _RIGHT - _LEFT, 0.8, "background:#000")
    # Digital assets (one of its boxes is always marked), standard deduction, age/blindness.
    y += 10
    c.text(_LEFT, y, "Digital Assets", 7.5, bold=True)
    c.text(
        _NUM_X,
        y,
        f"At any time during {year}, did you: (a) receive (as a reward, award, or payment for property or "
        "services); or",
        6.5,
    )
    c.text(
        _NUM_X, y + 8, "(b) sell, exchange, or otherwise dispose of a digital asset (or a financial interest in a", 6.5
    )
    c.text(_NUM_X, y + 16, "digital asset)? (See instructions.)", 6.5)
    c.checkbox(_RIGHT - 60, y + 16, plan.yes["digital"])
    c.text(_RIGHT - 50, y + 16, "Yes", 7)
    c.checkbox(_RIGHT - 30, y + 16, not plan.yes["digital"])
    c.text(_RIGHT - 20, y + 16, "No", 7)
    y += 28
    c.text(_LEFT, y, "Standard", 8, bold=True)
    c.text(_LEFT, y + 9, "Deduction", 8, bold=True)
    c.text(_NUM_X, y, "Someone can claim:", 7)
    for x, caption in ((_NUM_X + 72, "You as a dependent"), (_NUM_X + 160, "Spouse as a dependent")):
        c.checkbox(x, y, False)
        c.text(x + 10, y, caption, 7)
    c.checkbox(_NUM_X + 72, y + 10, False)
    c.text(_NUM_X + 82, y + 10, "Spouse itemizes on a separate return or you were a dual-status alien", 7)
    y += 24
    c.text(_LEFT, y, "Age/Blindness", 7.5, bold=True)
    born = f"January 2, {year - 64}"
    x = _NUM_X
    for caption in ("You:", f"Were born before {born}", "Are blind", "Spouse:", f"Was born before {born}", "Is blind"):
        if not caption.endswith(":"):
            c.checkbox(x, y, False)
            x += 10
        c.text(x, y, caption, 7)
        x += _width(caption, 7) + 8
    y += 6
    c.rule(_LEFT, y, _RIGHT - _LEFT, 0.8, "background:#000")
    # Dependents.
    y += 9
    c.text(_LEFT, y, "Dependents", 8, bold=True)
    headers = (
        (_NUM_X, "(1) First name Last name"),
        (_NUM_X + 150, "(2) Social security number"),
        (_NUM_X + 250, "(3) Relationship to you"),
        (_NUM_X + 340, "(4) Child tax credit   Credit for other dependents"),
    )
    for x, caption in headers:
        c.text(x, y, caption, 6)
    for index in range(2):
        y += 11
        c.rule(_NUM_X, y - 9, _RIGHT - _NUM_X, 11, "border-bottom:0.5pt solid #000")
        if index < len(plan.dependents):
            name, ssn, relation, credit = plan.dependents[index]
            c.value(_NUM_X + 2, y, 146, name, 8, align="left")
            c.value(_NUM_X + 152, y, 96, ssn, 8, align="left")
            c.value(_NUM_X + 252, y, 86, relation, 8, align="left")
            c.checkbox(_NUM_X + 360, y, credit)
            c.checkbox(_NUM_X + 420, y, False)
        else:
            c.checkbox(_NUM_X + 360, y, False)
            c.checkbox(_NUM_X + 420, y, False)
    y += 3
    c.rule(_LEFT, y, _RIGHT - _LEFT, 0.8, "background:#000")
    form = _Form(c, plan, y - 2)
    _lines_with_sidebar(form, _page1_lines(year), year)
    while form.sidebar:
        form.row()
    c.rule(_LEFT, 758, _RIGHT - _LEFT, 0.8, "background:#000")
    c.text(_LEFT, 768, "For Disclosure, Privacy Act, and Paperwork Reduction Act Notice, see separate instructions.", 6)
    c.text(_LEFT + 340, 768, "Cat. No. 11320B", 6)
    c.text(_RIGHT - 60, 768, f"Form 1040 ({year})", 7, bold=True)


def _page2(c: _Canvas, facts: ReturnFacts, plan: _Plan) -> None:
    year = facts.year
    c.new_page()
    c.text(_LEFT, 44, f"Form 1040 ({year})", 7, bold=True)
    c.text(_RIGHT - 30, 44, "Page 2", 7, bold=True)
    c.rule(_LEFT, 47, _RIGHT - _LEFT, 1, "background:#000")
    form = _Form(c, plan, 47)
    _lines_with_sidebar(form, _page2_lines(year), year)
    while form.sidebar:
        form.row()
    y = form.y + 6
    c.rule(_LEFT, y, _RIGHT - _LEFT, 0.8, "background:#000")
    y += 10
    c.text(_LEFT, y, "Sign", 9, bold=True)
    c.text(_LEFT, y + 10, "Here", 9, bold=True)
    c.text(
        _NUM_X,
        y,
        "Under penalties of perjury, I declare that I have examined this return and accompanying schedules "
        "and statements,",
        6,
    )
    c.text(_NUM_X, y + 7, "and to the best of my knowledge and belief, they are true, correct, and complete.", 6)
    for row, (who, occupation) in enumerate((("Your", plan.occupation[0]), ("Spouse's", plan.occupation[1]))):
        top = y + 12 + row * 20
        for x, w, caption in ((_NUM_X, 180, f"{who} signature"), (_NUM_X + 180, 70, "Date"),
                              (_NUM_X + 250, 130, f"{who} occupation")):  # fmt: skip
            c.rule(x, top, w, 20, "border-left:0.6pt solid #000;border-bottom:0.6pt solid #000")
            c.text(x + 2, top + 6, caption, 5.5)
        c.value(_NUM_X + 252, top + 18, 126, occupation, 8, align="left")
    y += 60
    c.text(_LEFT, y, "Paid", 9, bold=True)
    c.text(_LEFT, y + 10, "Preparer", 9, bold=True)
    c.text(_LEFT, y + 20, "Use Only", 9, bold=True)
    preparer_row = (
        (_NUM_X, 150, "Preparer's name", plan.preparer),
        (_NUM_X + 150, 130, "Preparer's signature", ""),
        (_NUM_X + 280, 60, "Date", ""),
        (_NUM_X + 340, 80, "PTIN", "P01234567"),
    )
    for x, w, caption, filled in preparer_row:
        c.rule(x, y - 8, w, 20, "border-left:0.6pt solid #000;border-bottom:0.6pt solid #000")
        c.text(x + 2, y - 1, caption, 5.5)
        c.value(x + 2, y + 10, w - 4, filled, 8, align="left")
    c.text(_LEFT, 768, "Go to www.irs.gov/Form1040 for instructions and the latest information.", 6)
    c.text(_RIGHT - 60, 768, f"Form 1040 ({year})", 7, bold=True)


# Schedule D's columns: (d), (e), (g), (h); lines 4-7 and 11-21 put their number box just left of (h).
_SD_H_W = 64.0
_SD_H_X = _RIGHT - _SD_H_W
_SD_COL_W = 60.0
_SD_COLS = (_SD_H_X - 3 * _SD_COL_W, _SD_H_X - 2 * _SD_COL_W, _SD_H_X - _SD_COL_W, _SD_H_X)
_SD_BOX_X = _SD_H_X - _BOX_W


def _schedule_d(c: _Canvas, facts: ReturnFacts, plan: _Plan) -> None:
    year = facts.year
    c.new_page()
    c.text(_LEFT, 46, "SCHEDULE D", 10, bold=True)
    c.text(_LEFT, 54, "(Form 1040)", 7)
    c.text(_LEFT + 140, 44, "Capital Gains and Losses", 12, bold=True)
    c.text(_LEFT + 110, 53, "Attach to Form 1040, 1040-SR, or 1040-NR.", 6.5)
    c.text(_LEFT + 110, 60, "Use Form 8949 to list your transactions for lines 1b, 2, 3, 8b, 9, and 10.", 6.5)
    c.text(_RIGHT - 60, 46, "OMB No. 1545-0074", 6)
    c.text(_RIGHT - 50, 58, str(year), 16, bold=True)
    c.rule(_LEFT, 63, _RIGHT - _LEFT, 1, "background:#000")
    c.rule(_LEFT, 64, 400, 20, "border-bottom:0.6pt solid #000")
    c.text(_LEFT + 2, 71, "Name(s) shown on return", 5.5)
    c.value(_LEFT + 2, 82, 396, " & ".join(facts.names), 8.5, align="left")
    c.rule(_LEFT + 400, 64, _RIGHT - _LEFT - 400, 20, "border-left:0.6pt solid #000;border-bottom:0.6pt solid #000")
    c.text(_LEFT + 402, 71, "Your social security number", 5.5)
    c.value(_LEFT + 402, 82, 136, plan.ssn[0], 8.5, align="left")
    c.text(_LEFT, 93, "Did you dispose of any investment(s) in a qualified opportunity fund during the tax year?", 6.5)
    c.checkbox(_RIGHT - 60, 93, False)
    c.text(_RIGHT - 50, 93, "Yes", 6.5)
    c.checkbox(_RIGHT - 30, 93, True)
    c.text(_RIGHT - 20, 93, "No", 6.5)
    y = 97.0
    label_end = _SD_COLS[0] - 4
    for title, lines in _schedule_d_lines(year):
        c.rule(_LEFT, y, _RIGHT - _LEFT, 0.8, "background:#000")
        y += 9
        c.text(_LEFT, y, title, 7, bold=True)
        if title.startswith(("Part I ", "Part II ")):
            rows = [_wrap(caption, 5.5, _SD_COL_W - 4) for caption in _COLUMNS]
            for index, caption_rows in enumerate(rows):
                for i, caption in enumerate(caption_rows):
                    c.text(_SD_COLS[index] + 2, y + 8 + i * 6, caption, 5.5)
            y += 8 + 6 * max(len(r) for r in rows)
        form = _Form(c, plan, y)
        for spec in lines:
            form.row(11)
            if spec.kind == "cols":
                form.label(_LEFT, label_end, spec.num, spec.label)
                columns = plan.sd_cols.get(spec.num, (None, None, None, None))
                for x, amount in zip(_SD_COLS, columns, strict=True):
                    c.rule(x, form.y - 9, _SD_COL_W, 11, "border-left:0.6pt solid #000;border-bottom:0.6pt solid #000")
                    if amount is not None:
                        c.value(x, form.y, _SD_COL_W, _money(amount, plan, "sd" + spec.num), 7.5)
            elif spec.kind == "yesno":
                form.label(_LEFT, _SD_COLS[1], spec.num, spec.label)
                yes = plan.yes.get(spec.num, False) if facts.values.get("sd_net") is not None else False
                c.checkbox(_SD_COLS[2] + 8, form.y, yes)
                c.text(_SD_COLS[2] + 18, form.y, "Yes", 6.5)
                c.checkbox(_SD_COLS[2] + 40, form.y, not yes)
                c.text(_SD_COLS[2] + 50, form.y, "No", 6.5)
            else:
                form.label(_LEFT, _SD_BOX_X, spec.num, spec.label)
                top = form.y - 9
                c.rule(_SD_BOX_X, top, _BOX_W, 11, "border-left:0.6pt solid #000;border-bottom:0.6pt solid #000")
                c.text(_SD_BOX_X, form.y - 1, spec.num, _LABEL_SIZE, bold=True, width=_BOX_W, align="center")
                c.rule(_SD_H_X, top, _SD_H_W, 11, "border-left:0.6pt solid #000;border-bottom:0.6pt solid #000")
                amount = plan.sd.get(spec.num)
                if spec.kind == "paren":
                    c.text(_SD_H_X + 2, form.y - 0.5, "(", 8)
                    c.text(_RIGHT - 5, form.y - 0.5, ")", 8)
                    if amount is not None:
                        c.value(_SD_H_X, form.y, _SD_H_W - 6, _money(amount, plan, "sd" + spec.num, sign=False), 7.5)
                elif amount is not None:
                    c.value(_SD_H_X, form.y, _SD_H_W, _money(amount, plan, "sd" + spec.num), 7.5)
        y = form.y + 5
    c.rule(_LEFT, 758, _RIGHT - _LEFT, 0.8, "background:#000")
    c.text(_LEFT, 768, "For Paperwork Reduction Act Notice, see your tax return instructions.", 6)
    c.text(_LEFT + 320, 768, "Cat. No. 11338H", 6)
    c.text(_RIGHT - 100, 768, f"Schedule D (Form 1040) {year}", 7, bold=True)


def _official_canvas(facts: ReturnFacts, fillable: bool) -> _Canvas:
    plan = _plan(facts)
    canvas = _Canvas(fillable, facts.mark, plan)
    _page1(canvas, facts, plan)
    _page2(canvas, facts, plan)
    if facts.schedule_d:
        _schedule_d(canvas, facts, plan)
    return canvas


def _write_pdf(markup: str) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=markup).write_pdf())


# --- the software printout --------------------------------------------------------------------------------------

_WIDTH = 96  # characters per printed row


def _software(facts: ReturnFacts) -> bytes:
    plan = _plan(facts)
    year = facts.year

    def money(value: Decimal | None, total: bool = False) -> str:
        if value is None:
            return ""
        text = f"{abs(value):,.2f}"
        if total and plan.dollar_sign:
            text = "$" + text
        return f"-{text}" if value < 0 else text

    def row(number: str, label: str, value: Decimal | None, total: bool = False) -> list[str]:
        amount = money(value, total)
        right = f" {number:>4} {amount:>15}"
        room = _WIDTH - 5 - len(right) - 1
        words = label.split()
        rows, current = [], ""
        for word in words:
            if current and len(current) + 1 + len(word) > room - 4:
                rows.append(current)
                current = word
            else:
                current = f"{current} {word}".strip()
        rows.append(current)
        out = [f"{number if i == 0 else '':<5}{text}" for i, text in enumerate(rows[:-1])]
        last = f"{number if len(rows) == 1 else '':<5}{rows[-1]} "
        last += "." * max(0, _WIDTH - len(last) - len(right))
        return [*out, last + right]

    def section(title: str) -> list[str]:
        return ["", title, "-" * _WIDTH]

    header = [
        f"Form 1040  U.S. Individual Income Tax Return {year}".ljust(_WIDTH - 18) + "OMB No. 1545-0074",
        "Department of the Treasury—Internal Revenue Service",
        f"Tax year {year}".ljust(_WIDTH - 30) + "Prepared with TaxEase Pro".rjust(30),
        "=" * _WIDTH,
        "Name(s) shown on return".ljust(60) + "Social security number",
        " & ".join(facts.names).ljust(60) + plan.ssn[0],
        f"Address: {plan.address[0]} {plan.address[1]}, {plan.address[2]}, {plan.address[3]}".replace(" , ", ", "),
        "",
    ]
    if plan.only_status:
        header.append(f"Filing status:  X {STATUS_LABELS[facts.filing_status]}")
    else:
        marks = {s: ("X" if s == facts.filing_status else " ") for s in FILING_STATUSES}
        header.append("Filing status:")
        header.append("   ".join(f"{marks[s]} {STATUS_LABELS[s]}" for s in FILING_STATUSES[:2]))
        header.append("   ".join(f"{marks[s]} {STATUS_LABELS[s]}" for s in FILING_STATUSES[2:]))
    header.append(f"Digital assets: {'X Yes    No' if plan.yes['digital'] else '  Yes  X No'}")
    for name, ssn, relation, _credit in plan.dependents:
        header.append(f"Dependent: {name:<30}{ssn:<16}{relation}")

    def body(specs: list[_L | _Pair]) -> list[str]:
        out: list[str] = []
        for spec in specs:
            for line in (spec.a, spec.b) if isinstance(spec, _Pair) else (spec,):
                if line.where == "none":
                    continue
                if line.num in ("1a", "12", "12a", "16", "25a"):
                    title = {"1a": "Income", "12": "Deductions", "12a": "Deductions", "16": "Tax and Credits",
                             "25a": "Payments"}[line.num]  # fmt: skip
                    out += section(title)
                out += row(line.num, line.short or line.label, plan.f1040.get(line.num), line.total)
        return out

    page1 = [*header, *body(_page1_lines(year)), "", f"Form 1040 ({year})".rjust(_WIDTH)]
    page2 = [f"Form 1040 ({year})".ljust(_WIDTH - 6) + "Page 2", *body(_page2_lines(year))]
    page2 += ["", f"Your occupation: {plan.occupation[0]}", f"Paid preparer: {plan.preparer}", "",
              f"Form 1040 ({year})".rjust(_WIDTH)]  # fmt: skip
    pages = [page1, page2]
    if facts.schedule_d:
        sd = [
            f"SCHEDULE D (Form 1040) Capital Gains and Losses {year}".ljust(_WIDTH - 18) + "OMB No. 1545-0074",
            "Name(s) shown on return".ljust(60) + "Social security number",
            " & ".join(facts.names).ljust(60) + plan.ssn[0],
        ]
        for title, lines in _schedule_d_lines(year):
            sd += section(title.split("—")[0].split(" (see")[0])
            for spec in lines:
                if spec.kind == "yesno":
                    continue
                amount = plan.sd.get(spec.num)
                if spec.kind == "paren" and amount is not None:
                    amount = -amount
                sd += row(spec.num, spec.short or spec.label, amount, spec.num in ("16",))
        sd += ["", f"Schedule D (Form 1040) {year}".rjust(_WIDTH)]
        pages.append(sd)
    body_html = "".join(f'<pre class="p">{html.escape(chr(10).join(lines))}</pre>' for lines in pages)
    markup = (
        "<html><head><style>@page{size:letter;margin:0.5in 0.45in}"
        "body{margin:0}.p{font-family:'DejaVu Sans Mono';font-size:7.6pt;line-height:1.25;margin:0;"
        "page-break-after:always}.p:last-child{page-break-after:auto}</style></head>"
        f"<body>{body_html}</body></html>"
    )
    return _write_pdf(markup)


# --- fillable: the values as AcroForm fields ----------------------------------------------------------------------


def _fillable(facts: ReturnFacts) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        BooleanObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    canvas = _official_canvas(facts, fillable=True)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_write_pdf(canvas.html()))))
    on = canvas.plan.on_state

    def appearance(draw: bytes, width: float, height: float) -> object:
        stream = DecodedStreamObject()
        stream.set_data(draw)
        stream.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject(
                    [FloatObject(0), FloatObject(0), FloatObject(width), FloatObject(height)]
                ),
            }
        )
        return writer._add_object(stream)

    fields = ArrayObject()
    counters: dict[tuple[int, str], int] = {}
    for item in canvas.fields:
        page = writer.pages[item.page]
        x, top, w, h = item.rect
        rect = ArrayObject([FloatObject(round(v, 2)) for v in (x, PAGE_H - top - h, x + w, PAGE_H - top)])
        prefix = "f" if item.kind == "text" else "c"
        count = counters[(item.page, prefix)] = counters.get((item.page, prefix), 0) + 1
        annotation = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Widget"),
                NameObject("/T"): TextStringObject(f"{prefix}{item.page + 1}_{count:02d}[0]"),
                NameObject("/Rect"): rect,
                NameObject("/F"): NumberObject(4),
                NameObject("/P"): page.indirect_reference,
            }
        )
        if item.kind == "text":
            annotation.update(
                {
                    NameObject("/FT"): NameObject("/Tx"),
                    NameObject("/V"): TextStringObject(item.value),
                    NameObject("/DA"): TextStringObject("/Helv 8 Tf 0 g"),
                    NameObject("/Q"): NumberObject(2 if item.value[:1].isdigit() or item.value[:1] in "(-" else 0),
                    # An empty appearance, as software that sets /V without regenerating the appearance leaves it:
                    # the value is only in the field, not in anything a text extractor renders.
                    NameObject("/AP"): DictionaryObject({NameObject("/N"): appearance(b"", w, h)}),
                }
            )
        else:
            size = w
            mark = f"0 g 1.2 w 1 1 m {size - 1:.2f} {size - 1:.2f} l {size - 1:.2f} 1 m 1 {size - 1:.2f} l S".encode()
            state = NameObject(item.value or "/Off")
            annotation.update(
                {
                    NameObject("/FT"): NameObject("/Btn"),
                    NameObject("/V"): state,
                    NameObject("/AS"): state,
                    NameObject("/AP"): DictionaryObject(
                        {
                            NameObject("/N"): DictionaryObject(
                                {
                                    NameObject(on): appearance(mark, size, size),
                                    NameObject("/Off"): appearance(b"", size, size),
                                }
                            )
                        }
                    ),
                }
            )
        reference = writer._add_object(annotation)
        if "/Annots" not in page:
            page[NameObject("/Annots")] = ArrayObject()
        page["/Annots"].append(reference)  # type: ignore[union-attr]
        fields.append(reference)
    helvetica = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {
            NameObject("/Fields"): fields,
            NameObject("/NeedAppearances"): BooleanObject(False),
            NameObject("/DA"): TextStringObject("/Helv 0 Tf 0 g"),
            NameObject("/DR"): DictionaryObject(
                {NameObject("/Font"): DictionaryObject({NameObject("/Helv"): writer._add_object(helvetica)})}
            ),
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- scan: the official layout as noisy images --------------------------------------------------------------------


def _scan(facts: ReturnFacts) -> bytes:
    import numpy as np
    from PIL import Image, ImageFilter

    pdf = _write_pdf(_official_canvas(facts, fillable=False).html())
    rng = random.Random(_seed(facts) ^ 0x5CA7)
    noise = np.random.default_rng(rng.getrandbits(32))
    if shutil.which("pdftoppm") is None:
        raise RuntimeError("the scan layout needs poppler's pdftoppm (apt-get install poppler-utils)")
    pages: list[Image.Image] = []
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "return.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(SCAN_DPI), "-gray", "-png", str(source), str(Path(folder) / "page")], check=True
        )
        for path in sorted(Path(folder).glob("page*.png")):
            with Image.open(path) as image:
                pages.append(image.convert("L"))
    out_pages = []
    for page in pages:
        size = page.size
        page = page.rotate(rng.uniform(-0.45, 0.45), resample=Image.Resampling.BICUBIC, fillcolor=255)
        page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.7)))
        pixels = np.asarray(page, dtype=np.float32)
        pixels = pixels * rng.uniform(0.9, 0.97) + rng.uniform(4, 14)  # grey paper, faded toner
        pixels += noise.normal(0, rng.uniform(4, 9), pixels.shape)
        speckle = noise.random(pixels.shape)
        pixels[speckle < 0.0008] = 30  # dark specks
        pixels[speckle > 0.9992] = 255
        page = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")
        assert page.size == size
        jpeg = io.BytesIO()
        page.save(jpeg, "JPEG", quality=rng.randint(55, 80))
        jpeg.seek(0)
        out_pages.append(Image.open(jpeg))
    out = io.BytesIO()
    out_pages[0].save(out, "PDF", resolution=float(SCAN_DPI), save_all=True, append_images=out_pages[1:])
    return out.getvalue()


def render(facts: ReturnFacts, layout: str) -> bytes:
    """Return the PDF of the return ``facts`` in ``layout`` (one of LAYOUTS)."""
    if layout == "official":
        return _write_pdf(_official_canvas(facts, fillable=False).html())
    if layout == "software":
        return _software(facts)
    if layout == "fillable":
        return _fillable(facts)
    if layout == "scan":
        return _scan(facts)
    raise ValueError(f"unknown layout {layout!r}: one of {', '.join(LAYOUTS)}")


# --- a chosen presentation, for tests that state how each figure is printed ---------------------------------------


def render_as(
    facts: ReturnFacts,
    layout: str,
    *,
    separators: bool = True,
    lines: dict[str, Decimal | None] | None = None,
    sd_lines: dict[str, Decimal | None] | None = None,
    **choices: object,
) -> bytes:
    """``render(facts, layout)`` with presentation choices fixed instead of drawn from the facts' seed.

    ``choices`` replace the plan's fields (``style``, ``negative``, ``check_glyph``, ``on_state``,
    ``only_status``, ``dollar_sign``); ``zero_dash`` is merged into the drawn one (``{"15": True}`` prints line
    15's zero as "-0-"; Schedule D's keys are "sd6", "sd14"...). ``lines`` and ``sd_lines`` replace amounts
    printed on the 1040's and Schedule D's lines (a distractor on 2a, a blank 13a). ``separators=False`` prints
    amounts without thousands separators ("85000") in the official, fillable and scan layouts.
    """
    global _plan, _money  # swapped for this one rendering, restored below
    drawn_plan, drawn_money = _plan, _money

    def plan(f: ReturnFacts) -> _Plan:
        chosen = drawn_plan(f)
        zero = {**chosen.zero_dash, **choices.get("zero_dash", {})}  # type: ignore[dict-item]
        chosen = replace(chosen, **{**choices, "zero_dash": zero})  # type: ignore[arg-type]
        chosen.f1040.update(lines or {})
        chosen.sd.update(sd_lines or {})
        return chosen

    def money(value: Decimal, plan: _Plan, key: str, *, sign: bool = True) -> str:
        text = drawn_money(value, plan, key, sign=sign)
        return text if separators else text.replace(",", "")

    _plan, _money = plan, money  # type: ignore[assignment]
    try:
        return render(facts, layout)
    finally:
        _plan, _money = drawn_plan, drawn_money
