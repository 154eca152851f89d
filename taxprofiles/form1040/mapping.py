"""Which tax-profile figures a reviewed return sets, and which it leaves as they are (and why).

A profile field is set only from return lines that were found (or confirmed by the advisor); a line the reader
did not find never overwrites anything. A line found blank on the return counts as zero inside a sum (a return
with interest but no dividends leaves 3a and 3b blank), never as a figure of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from taxprofiles.rules.federal import KNOWN_YEARS, FilingStatus, federal_law

ZERO = Decimal("0.00")
# A qualifying surviving spouse is taxed as married filing jointly; the profile knows four statuses.
PROFILE_STATUS = {"qualifying_surviving_spouse": FilingStatus.MARRIED_JOINT.value}

# profile field -> the return's lines it is computed from (every one must be found or blank).
SOURCES: dict[str, tuple[str, ...]] = {
    "filing_status": ("filing_status",),
    "wages": ("wages",),
    "qualified_dividends": ("qualified_dividends", "ordinary_dividends"),
    "other_ordinary_income": ("taxable_interest", "ordinary_dividends", "qualified_dividends"),
    "itemized_deductions": ("deductions",),
    "st_carryforward": ("st_carryover",),
    "lt_carryforward": ("lt_carryover",),
    "st_gains_realized": ("st_net", "st_carryover"),
    "lt_gains_realized": ("lt_net", "lt_carryover"),
}
LINES = {
    "filing_status": "the filing status",
    "wages": "line 1z (wages)",
    "taxable_interest": "line 2b (taxable interest)",
    "qualified_dividends": "line 3a (qualified dividends)",
    "ordinary_dividends": "line 3b (ordinary dividends)",
    "deductions": "line 12 (deductions)",
    "st_carryover": "Schedule D line 6 (short-term carryover)",
    "lt_carryover": "Schedule D line 14 (long-term carryover)",
    "st_net": "Schedule D line 7 (net short-term)",
    "lt_net": "Schedule D line 15 (net long-term)",
}


@dataclass(frozen=True)
class Plan:
    updates: dict[str, Decimal | str | None] = field(default_factory=dict)
    kept: dict[str, str] = field(default_factory=dict)  # profile field -> why it keeps its value


def plan(
    values: Mapping[str, Decimal | str | None],
    *,
    blank: frozenset[str] = frozenset(),
    year: int,
    current_status: str,
) -> Plan:
    """The profile updates a reviewed return gives for ``year``, and the fields it leaves alone with the reason.

    ``values`` holds the confirmed figures (None: not on the return); ``blank`` the lines found empty.
    Deductions become itemized only above that year's standard deduction for the filing status; Schedule D's
    net results, which include the carryovers, become gains realized without them; the carryovers become
    carryforwards (positive sizes).
    """

    def amount(line: str) -> Decimal:
        value = values.get(line)
        return ZERO if value is None else Decimal(value)

    updates: dict[str, Decimal | str | None] = {}
    kept: dict[str, str] = {}
    for name, lines in SOURCES.items():
        missing = [line for line in lines if values.get(line) is None and line not in blank]
        if name == "qualified_dividends":
            missing = [line for line in missing if line == "qualified_dividends"]
        if missing or all(values.get(line) is None for line in lines):
            absent = missing or list(lines)
            kept[name] = "not on the return: " + ", ".join(LINES[line] for line in absent)
            continue
        if name == "filing_status":
            updates[name] = PROFILE_STATUS.get(str(values["filing_status"]), str(values["filing_status"]))
        elif name == "wages":
            updates[name] = amount("wages")
        elif name == "qualified_dividends":
            qualified = amount("qualified_dividends")
            ordinary = values.get("ordinary_dividends")
            updates[name] = min(qualified, Decimal(ordinary)) if ordinary is not None else qualified
        elif name == "other_ordinary_income":
            # Ordinary dividends (3b) include the qualified ones (3a), which are taxed at capital-gain rates.
            ordinary = amount("ordinary_dividends")
            updates[name] = amount("taxable_interest") + ordinary - min(amount("qualified_dividends"), ordinary)
        elif name == "itemized_deductions":
            status = str(updates.get("filing_status") or current_status)
            standard = federal_law(year, FilingStatus(status)).standard_deduction
            updates[name] = amount("deductions") if amount("deductions") > standard else None
        elif name in ("st_carryforward", "lt_carryforward"):
            updates[name] = abs(amount(lines[0]))
        else:
            net, carry = lines
            updates[name] = amount(net) + abs(amount(carry))
    return Plan(updates=updates, kept=kept)


def year_refusal(year: int) -> str:
    """Why a return's year cannot be applied: the tax tables it would be valued under do not exist."""
    return (
        f"The tax tables cover {min(KNOWN_YEARS)}-{max(KNOWN_YEARS)}; a {year} return cannot be applied under "
        f"its own year's law. Choose a covered year only if the figures belong to it."
    )
