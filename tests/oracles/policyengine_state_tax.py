"""PolicyEngine-US's state income tax for a list of profiles: the state tax oracle's other side.

Run by ``.venv-oracle/bin/python`` (``scripts/bootstrap.sh --test`` creates it from
``requirements-oracle.txt``), never imported by the app or by the main venv: PolicyEngine's pins must
not meet taxcalc's. ``tests/taxprofiles/rules/test_policyengine_states.py`` calls it once per test
module, since importing PolicyEngine takes half a minute.

Reads a JSON list of profiles on stdin, each::

    {"id": "...", "year": 2024, "state": "CA", "status": "single" | "married_joint" | "married_separate",
     "wages": 250000, "st_gains": -1200, "lt_gains": 30000, "qualified_dividends": 4000}

(the figures for one return: the test sends each profile twice, before and after the harvest) and
prints a JSON list, in the same order, of ``{"id", "state_income_tax",
"state_income_tax_before_refundable_credits", "adjusted_gross_income", "filing_status"}``
(``state_income_tax`` is after refundable credits; New York City's tax is not part of it).

Each profile is one household of one adult aged 40 (two on a joint return, the spouse without income)
in the state, with no dependents, no rent or property tax and no other income, so the state return
holds only wages, capital gains and losses and qualified dividends. Every tax unit's ``filing_status``
is given (a separate return is a tax unit of one filing SEPARATE). All profiles of a year are computed
in one Simulation.
"""

from __future__ import annotations

import json
import sys
import warnings
from collections import defaultdict
from typing import Any

OUTPUTS = ("state_income_tax", "state_income_tax_before_refundable_credits", "adjusted_gross_income")
STATUSES = {"single": "SINGLE", "married_joint": "JOINT", "married_separate": "SEPARATE"}


def situation(profiles: list[dict[str, Any]]) -> dict[str, Any]:
    """One household per profile; entity names sort in the profiles' order (PolicyEngine keeps that order)."""
    people: dict[str, Any] = {}
    groups: dict[str, dict[str, Any]] = {
        "tax_units": {},
        "spm_units": {},
        "families": {},
        "marital_units": {},
        "households": {},
    }
    for i, p in enumerate(profiles):
        year = str(p["year"])
        head = f"p{i:05d}a"
        people[head] = {
            "age": {year: 40},
            "employment_income": {year: p["wages"]},
            "short_term_capital_gains": {year: p["st_gains"]},
            "long_term_capital_gains": {year: p["lt_gains"]},
            # All dividends qualified: ordinary dividends (dividend_income) are the sum of the two.
            "qualified_dividend_income": {year: p["qualified_dividends"]},
            "non_qualified_dividend_income": {year: 0},
            # Roles are given: PolicyEngine picks the head as the oldest adult, and two adults of the same
            # age would both be heads and neither a spouse (a joint couple would file as single).
            "is_tax_unit_head": {year: True},
            "is_tax_unit_spouse": {year: False},
            "is_tax_unit_dependent": {year: False},
        }
        members = [head]
        if p["status"] == "married_joint":
            spouse = f"p{i:05d}b"
            people[spouse] = {
                "age": {year: 40},
                "is_tax_unit_head": {year: False},
                "is_tax_unit_spouse": {year: True},
                "is_tax_unit_dependent": {year: False},
            }
            members.append(spouse)
        unit = f"u{i:05d}"
        # Given for every unit: an input given for some units of a Simulation gives the others the default
        # (SINGLE), not the formula's value.
        # The product's profiles here take the federal standard deduction (no itemized deductions given); without
        # this input PolicyEngine itemizes whenever the state tax alone, as a SALT deduction, beats the standard
        # deduction, which changes the state return of DC, VA, SC, GA and CO (no itemizing there allows no state
        # standard deduction, or adds a deduction back).
        groups["tax_units"][unit] = {
            "members": members,
            "filing_status": {year: STATUSES[p["status"]]},
            "tax_unit_itemizes": {year: False},
        }
        groups["spm_units"][unit] = {"members": members}
        groups["families"][unit] = {"members": members}
        groups["marital_units"][unit] = {"members": members}
        # Oregon's kicker (surplus credit) on a 2023 or 2025 return is a share of the prior year's tax
        # (OR-40 instructions; 44.28% in 2023, 9.863% in 2025), which a harvest this year does not change
        # and the product does not know. Without this input PolicyEngine takes this year's tax instead.
        tax_unit_inputs = groups["tax_units"][unit]
        if p["state"] == "OR":
            tax_unit_inputs["or_tax_before_credits_in_prior_year"] = {year: 0}
        groups["households"][unit] = {"members": members, "state_name": {year: p["state"]}, "in_nyc": {year: False}}
    return {"people": people, **groups}


def compute(profiles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from policyengine_us import Simulation

    by_year: dict[int, list[int]] = defaultdict(list)
    for index, p in enumerate(profiles):
        by_year[int(p["year"])].append(index)
    results: list[dict[str, Any]] = [{} for _ in profiles]
    for year, indexes in sorted(by_year.items()):
        mine = [profiles[i] for i in indexes]
        simulation = Simulation(situation=situation(mine))
        values = {name: simulation.calculate(name, year) for name in OUTPUTS}
        statuses = simulation.calculate("filing_status", year).decode_to_str()
        for row, index in enumerate(indexes):
            results[index] = {
                "id": profiles[index]["id"],
                **{name: round(float(values[name][row]), 2) for name in OUTPUTS},
                "filing_status": str(statuses[row]),
            }
    return results


def main() -> None:
    profiles = json.load(sys.stdin)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = compute(profiles)
    json.dump(results, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
