"""Read a Form 1040's figures from its text by the form's own line labels (tax years 2023-2025), no network.

Conventions:
- An amount is the last thing on its line, after the label (dot leaders, "$", and the line number repeated
  in the amount column may come between). Commas, "$" and cents are optional; "(1,000.)" or "-1,000." is a
  loss. A label without an amount gives nothing: a figure that is not printed is never guessed.
- A label that wraps onto the next text line (or whose amount does) is read as one line, with a lower
  confidence (0.75 instead of 0.9).
- Two lines printed side by side on one row, as the form prints 2a/2b and 3a/3b, are split after the first
  amount; the lettered label gets its line's number ("b Taxable interest" is 2b).
- The filing status is the box marked "[X]" (or "[x]", "☒", "☑", "■", "✔", "✓", "✗") directly in front of
  its label; "[ ]" or "☐" is an unmarked box. No marked box, or more than one, gives no filing status.
- Schedule D's lines (6, 7, 14, 15) are read only when the text has a Schedule D; its carryovers (lines 6
  and 14) are returned as positive sizes, its net gains with their signs.
"""

from __future__ import annotations

import re
from decimal import Decimal

from taxprofiles.form1040.fields import Extraction, Value

MINUS_SIGN, EN_DASH = "\u2212", "\u2013"  # typeset minus signs some software prints
SAME_LINE = 0.9
WRAPPED = 0.75
YEAR_CONFIDENCE = 0.95
STATUS_CONFIDENCE = 0.9

_AMOUNT = (
    r"(?P<amount>\(\s*\$?\s*(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{0,2})?\s*\)"
    r"|[-\u2212\u2013]?\s*\$?\s*(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{0,2})?"
    r"|-0-)"
)

# field -> (line numbers, the label after the number). The label may be followed by more label text; the
# amount must end the line.
_LINES: dict[str, tuple[str, str]] = {
    "wages": ("1z", r"add lines 1a through 1h"),
    "taxable_interest": ("2b", r"taxable interest"),
    "qualified_dividends": ("3a", r"qualified dividends"),
    "ordinary_dividends": ("3b", r"ordinary dividends"),
    "capital_gain": ("7a?", r"capital gain or \(loss\)"),
    "agi": ("11[ab]?", r"(?:.*?this is your adjusted gross income|amount from line 11a? \(adjusted gross income\))"),
    "deductions": ("12e?", r"standard deduction or itemized deductions"),
    "taxable_income": ("15", r".*?this is your taxable income"),
    "total_tax": ("24", r".*?this is your total tax"),
}
_SCHEDULE_D_LINES: dict[str, tuple[str, str]] = {
    "st_carryover": ("6", r"short-term capital loss carryover"),
    "st_net": ("7", r"net short-term capital gain or \(loss\)"),
    "lt_carryover": ("14", r"long-term capital loss carryover"),
    "lt_net": ("15", r"net long-term capital gain or \(loss\)"),
}
_CARRYOVERS = ("st_carryover", "lt_carryover")

_LABEL_START = re.compile(r"^\d{1,2}[a-z]?\s+[A-Za-z(]")
_NOT_CONTINUATION = re.compile(r"^(?:form|schedule|part|page|department|cat\.|for disclosure)\b", re.IGNORECASE)
_ENDS_WITH_AMOUNT = re.compile(r"(?:^|[\s.…:$])" + _AMOUNT + r"\s*$")
_SCHEDULE_D = re.compile(r"\bschedule\s+d\b", re.IGNORECASE)

_YEAR_PATTERNS = (
    re.compile(r"\bForm\s*1040(?:-SR)?\s*\(\s*(20\d\d)\s*\)", re.IGNORECASE),
    re.compile(r"U\.?\s*S\.?\s+Individual\s+Income\s+Tax\s+Return\s+(20\d\d)\b", re.IGNORECASE),
)

_MARKED = r"(?:\[\s*[xX✓✔✗]\s*\]|[☒☑■✔✓✗])"
_STATUSES = (
    ("single", r"single"),
    ("married_joint", r"married filing jointly"),
    ("married_separate", r"married filing separately"),
    ("head_of_household", r"head of household"),
    ("qualifying_surviving_spouse", r"qualifying (?:surviving spouse|widow)"),
)


def parse_1040(text: str) -> Extraction:
    """Return the figures found in a Form 1040's ``text`` (source "offline"); absent figures are left out."""
    values: dict[str, Value] = {}
    if year := _tax_year(text):
        values["tax_year"] = year
    if status := _filing_status(text):
        values["filing_status"] = status
    lines = _logical_lines(text)
    wanted = dict(_LINES)
    if _SCHEDULE_D.search(text):
        wanted |= _SCHEDULE_D_LINES
    for name, (number, label) in wanted.items():
        if found := _find_amount(lines, number, label):
            amount, confidence, snippet = found
            if name in _CARRYOVERS:
                amount = abs(amount)
            values[name] = Value(amount, confidence, snippet)
    return Extraction(values=values, source="offline")


def parse_amount(raw: str) -> Decimal:
    """Return the dollars in an amount as printed: "(3,000.)", "-3,000", "$1,250.50", "-0-"."""
    raw = raw.strip()
    if raw == "-0-":
        return Decimal("0.00")
    negative = raw.startswith(("(", "-", MINUS_SIGN, EN_DASH))
    digits = re.sub(r"[^\d.]", "", raw).rstrip(".")
    value = Decimal(digits).quantize(Decimal("0.01"))
    return -value if negative else value


def _tax_year(text: str) -> Value | None:
    for pattern in _YEAR_PATTERNS:
        if match := pattern.search(text):
            return Value(int(match.group(1)), YEAR_CONFIDENCE, " ".join(match.group(0).split()))
    return None


def _filing_status(text: str) -> Value | None:
    found: list[tuple[str, str]] = []
    for line in text.splitlines():
        for status, label in _STATUSES:
            if re.search(_MARKED + r"\s*" + label, line, re.IGNORECASE):
                found.append((status, line.strip()))
    if len({status for status, _ in found}) != 1:
        return None
    status, snippet = found[0]
    return Value(status, STATUS_CONFIDENCE, snippet)


def _logical_lines(text: str) -> list[tuple[str, int]]:
    """Return the text's numbered lines as (line, physical lines joined), a wrapped label or amount rejoined."""
    joined: list[list[str]] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        continues = (
            joined
            and not _LABEL_START.match(line)
            and not _NOT_CONTINUATION.match(line)
            and not _ENDS_WITH_AMOUNT.search(joined[-1][-1])
        )
        if continues:
            joined[-1].append(line)
        else:
            joined.append([line])
    return [(segment, len(parts)) for parts in joined for segment in _side_by_side(" ".join(parts))]


_NEXT_ON_ROW = re.compile(r"(?<=[\d.)])\s+(?=[a-z]\s+[A-Z])")
_LINE_NUMBER = re.compile(r"^(\d{1,2})[a-z]?\s")


def _side_by_side(line: str) -> list[str]:
    """The printed form puts two lines on one row ("2a Tax-exempt interest . 2a 500 b Taxable interest . 2b
    1,204."): split the row after each amount that a lettered label follows, and give that label its number
    ("b Taxable interest" is line 2b)."""
    segments = _NEXT_ON_ROW.split(line)
    number = _LINE_NUMBER.match(segments[0])
    if len(segments) == 1 or number is None:
        return [line]
    return [segments[0], *(f"{number.group(1)}{segment}" for segment in segments[1:])]


def _find_amount(lines: list[tuple[str, int]], number: str, label: str) -> tuple[Decimal, float, str] | None:
    pattern = re.compile(
        rf"^(?:{number})\s+{label}.*?(?:^|(?<=[\s.…:$])){_AMOUNT}\s*$",
        re.IGNORECASE,
    )
    for line, parts in lines:
        if match := pattern.match(line):
            confidence = SAME_LINE if parts == 1 else WRAPPED
            return parse_amount(match.group("amount")), confidence, line
    return None
