"""Import tax profiles in the product brief's simple shape: client_id, tax_bracket, income, capital_gains,
capital_losses. All or nothing, every bad row listed, like the holdings and ledger imports."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from portfolios.csvfields import MONEY, FieldError, RowError, parse_decimal, read_csv
from portfolios.csvfields import RowChecker as Checker
from portfolios.importers import ImportRejected, clients_of_firm, find_client
from portfolios.models import Firm
from taxharvest.errors import ApplicationError
from taxprofiles.models import TaxProfile
from taxprofiles.rules.federal import KNOWN_YEARS
from taxprofiles.services import tax_profile_from_brief

BRIEF_COLUMNS = ("client_id", "tax_bracket", "income", "capital_gains", "capital_losses")


def parse_bracket(raw: str) -> Decimal | None:
    """Read a bracket written as 0.32, 32 or 32%; empty means not stated."""
    if not raw:
        return None
    text = raw.strip().rstrip("%").strip()
    value = parse_decimal(text, "tax_bracket", positive=False, places=4, max_digits=7)
    rate = value / 100 if (raw.strip().endswith("%") or value > 1) else value
    if rate > 1:
        raise FieldError(f"tax_bracket {raw} is not a rate (use 0.32 or 32%)")
    return rate


@transaction.atomic
def tax_profiles_import(*, firm: Firm, filename: str, content: bytes, tax_year: int) -> list[TaxProfile]:
    """Create or replace each named client's household profile for ``tax_year`` from the brief's records."""
    if tax_year not in KNOWN_YEARS:
        raise ImportRejected(filename, [RowError(0, f"tax year {tax_year} is not supported")])
    rows, errors = read_csv(content, BRIEF_COLUMNS)
    if not rows:
        raise ImportRejected(filename, errors)
    check = Checker(errors)
    clients = clients_of_firm(firm)
    seen: dict[int, int] = {}
    records = []
    for row in rows:
        f = row.fields
        client = check.field(row, lambda f=f: find_client(clients, f["client_id"]))
        bracket = check.field(row, lambda f=f: parse_bracket(f["tax_bracket"]))
        income = check.field(row, lambda f=f: parse_decimal(f["income"], "income", positive=False, **MONEY))
        gains = check.field(
            row, lambda f=f: parse_decimal(f["capital_gains"] or "0", "capital_gains", positive=False, **MONEY)
        )
        losses = check.field(
            row, lambda f=f: parse_decimal(f["capital_losses"] or "0", "capital_losses", positive=False, **MONEY)
        )
        if (
            client is None
            or income is None
            or gains is None
            or losses is None
            or (f["tax_bracket"] and bracket is None)
        ):
            continue
        first = seen.setdefault(client.household_id, row.line)
        if first != row.line:
            check.errors.append(
                RowError(row.line, f"{client.household} already has a record on row {first}: one profile per household")
            )
            continue
        records.append((client.household, bracket, income, gains, losses))
    if check.errors:
        raise ImportRejected(filename, check.errors)
    try:
        return [
            tax_profile_from_brief(
                household=household,
                tax_year=tax_year,
                tax_bracket=bracket,
                income=income,
                capital_gains=gains,
                capital_losses=losses,
            )
            for household, bracket, income, gains, losses in records
        ]
    except ApplicationError as exc:
        raise ImportRejected(filename, [RowError(0, exc.message)]) from exc
