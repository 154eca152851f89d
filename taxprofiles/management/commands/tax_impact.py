"""python manage.py tax_impact: check by hand what a harvested loss is worth to a described client.

Example:
    python manage.py tax_impact --year 2025 --filing-status single --wages 250000 --st-gains 40000 \\
        --lt-gains 60000 --st-loss 10000 --state CA --json
    python manage.py tax_impact --year 2024 --filing-status single --wages 90000 --st-loss 10000 --state NY --city nyc
Needs no database.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from taxprofiles.rules.federal import FilingStatus, UnknownTaxYear
from taxprofiles.rules.federal_tax import Income
from taxprofiles.rules.harvest_value import HarvestValue, HarvestValuer
from taxprofiles.rules.state_tax import UnknownState, state_notes

MONEY_FIELDS = (
    "federal_tax_before",
    "federal_tax_after",
    "federal_savings",
    "state_tax_before",
    "state_tax_after",
    "state_savings",
    "total_savings",
    "carryforward_st",
    "carryforward_lt",
    "carryforward_created_st",
    "carryforward_created_lt",
    "carryforward_value",
    "harvest_value",
)
RATE_FIELDS = ("marginal_ordinary_rate", "long_term_rate", "state_rate")


def amount(raw: str) -> Decimal:
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not an amount") from None
    if not value.is_finite():
        raise ValueError(f"{raw!r} is not an amount")
    return value


def non_negative(raw: str) -> Decimal:
    value = amount(raw)
    if value < 0:
        raise ValueError(f"{raw} must not be negative")
    return value


def to_json(value: HarvestValue, amt_before: Decimal, amt_after: Decimal, notes: tuple[str, ...]) -> str:
    """One JSON object; money as numbers with two decimals (written out, so 3880 prints as 3880.00).

    ``state_rate`` is the state's rate at the client's margin (brackets, phase-outs and surtaxes included);
    ``state_notes`` name what the state figure simplifies (``state_is_estimate`` is true when there are any).
    """
    parts = [f'"{name}": {getattr(value, name):.2f}' for name in MONEY_FIELDS]
    parts += [f'"amt_before": {amt_before:.2f}', f'"amt_after": {amt_after:.2f}']
    parts += [f'"{name}": {getattr(value, name):.4f}' for name in RATE_FIELDS]
    parts += [f'"niit_applies": {json.dumps(value.niit_applies)}', f'"state_is_estimate": {json.dumps(bool(notes))}']
    parts += [f'"state_notes": {json.dumps(list(notes))}']
    return "{" + ", ".join(parts) + "}"


class Command(BaseCommand):
    help = "Show the federal and state tax saved by harvesting a short- and/or long-term loss for a described client."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="Tax year (2018 to 2026).")
        parser.add_argument(
            "--filing-status", required=True, choices=[status.value for status in FilingStatus], help="Filing status."
        )
        parser.add_argument("--wages", type=non_negative, default=Decimal(0), help="Wages and other ordinary income.")
        parser.add_argument("--other-income", type=amount, default=Decimal(0), help="Other ordinary income.")
        parser.add_argument(
            "--qualified-dividends",
            type=non_negative,
            default=Decimal(0),
            help="Qualified dividends (taxed at long-term rates; not part of --other-income).",
        )
        parser.add_argument(
            "--st-gains", type=amount, default=Decimal(0), help="Net short-term gains already realized."
        )
        parser.add_argument("--lt-gains", type=amount, default=Decimal(0), help="Net long-term gains already realized.")
        parser.add_argument("--st-loss", type=non_negative, default=Decimal(0), help="Short-term loss to harvest.")
        parser.add_argument("--lt-loss", type=non_negative, default=Decimal(0), help="Long-term loss to harvest.")
        parser.add_argument("--state", default="", help="State of residence, e.g. CA (default: federal only).")
        parser.add_argument(
            "--city", default="", help="A resident city's income tax: nyc (New York City, with --state NY)."
        )
        parser.add_argument("--itemized", type=non_negative, help="Itemized deductions (default: standard deduction).")
        parser.add_argument(
            "--st-carryforward", type=non_negative, default=Decimal(0), help="Short-term loss carried in."
        )
        parser.add_argument(
            "--lt-carryforward", type=non_negative, default=Decimal(0), help="Long-term loss carried in."
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        income = Income(
            ordinary=options["wages"] + options["other_income"],
            st_gains=options["st_gains"],
            lt_gains=options["lt_gains"],
            st_carryforward=options["st_carryforward"],
            lt_carryforward=options["lt_carryforward"],
            itemized=options["itemized"],
            qualified_dividends=options["qualified_dividends"],
        )
        try:
            valuer = HarvestValuer(options["year"], options["filing_status"], options["state"], income, options["city"])
        except (UnknownTaxYear, UnknownState) as exc:
            raise CommandError(str(exc)) from exc
        value = valuer.value(st_loss=options["st_loss"], lt_loss=options["lt_loss"])
        amt_before, amt_after = (
            valuer.before.amt,
            valuer.after(st_loss=options["st_loss"], lt_loss=options["lt_loss"]).amt,
        )
        notes = state_notes(options["year"], valuer.state, valuer.city)
        if options["json"]:
            self.stdout.write(to_json(value, amt_before, amt_after, notes))
            return
        rows = [(name.replace("_", " "), f"{getattr(value, name):,.2f}") for name in MONEY_FIELDS]
        rows += [("amt before", f"{amt_before:,.2f}"), ("amt after", f"{amt_after:,.2f}")]
        rows += [(name.replace("_", " "), f"{getattr(value, name):.2%}") for name in RATE_FIELDS]
        rows.append(("niit applies", "yes" if value.niit_applies else "no"))
        width = max(len(label) for label, _ in rows)
        for label, text in rows:
            self.stdout.write(f"{label:<{width}}  {text:>14}")
        if notes:
            self.stdout.write("State figures by the state's own law, except: " + "; ".join(notes) + ".")
