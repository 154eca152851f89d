"""The figures read from a Form 1040, each with how sure the reader is and where it read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# The command's JSON names, in order (``parse_1040 --json``).
FIELD_NAMES = (
    "tax_year",
    "filing_status",
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
MONEY_FIELDS = FIELD_NAMES[2:]
FILING_STATUSES = ("single", "married_joint", "married_separate", "head_of_household", "qualifying_surviving_spouse")


@dataclass(frozen=True, slots=True)
class Value:
    """One field: ``value`` is an int year, a filing status string, or Decimal dollars (negative for a loss)."""

    value: int | str | Decimal
    confidence: float  # 0..1
    snippet: str  # the text it was read from


@dataclass(frozen=True)
class Extraction:
    values: dict[str, Value] = field(default_factory=dict)  # only the fields found
    source: str = "offline"  # "openai", "offline" (the PDF's text layer or form fields) or "ocr" (a scan)
    fallback_reason: str = ""  # why the offline reader was used although OpenAI was configured
    names: tuple[str, ...] = ()  # the taxpayer's (and spouse's) names as printed
    blank: frozenset[str] = frozenset()  # lines found on the form with no amount in them

    def as_json(self) -> dict[str, Any]:
        """The command's JSON object: every field (null where absent), then ``source``. Money stays Decimal:
        the command writes it as a JSON number with its exact digits (``json.dumps(..., default=float)``
        prints the shortest form, which for dollars and cents is exact)."""
        out: dict[str, Any] = {
            name: (found.value if (found := self.values.get(name)) else None) for name in FIELD_NAMES
        }
        out["source"] = self.source
        return out


class DocumentError(Exception):
    """The file cannot be read as a Form 1040; the message says why and what to do."""


class ActiveContentError(DocumentError):
    """The PDF holds JavaScript, an automatic action or an embedded file: it is refused, not stored."""


class ReadLimitError(DocumentError):
    """Reading the PDF went over the sandbox's CPU, memory or time limit."""
