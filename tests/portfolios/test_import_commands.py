"""The import_holdings and import_ledger management commands, run with call_command on files in tmp_path."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portfolios.models import Account, Firm, Household, ImportBatch, Security, TaxLot, Transaction
from tests.factories import HouseholdFactory

HOLDINGS = "client_id,security_name,quantity,cost_basis,acquisition_date\nSMITH-1,AAPL,10,1500,2024-01-02\n"
LEDGER = (
    "account,account_type,date,action,symbol,quantity,price,lot\n"
    "SM-T,taxable,2024-01-02,buy,AAPL,10,100,\n"
    "SM-T,taxable,2024-02-01,sell,AAPL,4,120,\n"
)


def write(tmp_path: Path, text: str, name: str = "import.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def nothing_imported() -> bool:
    return not (Transaction.objects.exists() or TaxLot.objects.exists() or ImportBatch.objects.exists())


# --- import_holdings -------------------------------------------------------------------------


def test_import_holdings_imports_the_file_and_prints_a_summary(
    tmp_path: Path, acme: Firm, smith_taxable: Account, securities: dict[str, Security]
) -> None:
    output = run("import_holdings", write(tmp_path, HOLDINGS, "q1.csv"), "--firm", "acme")

    assert "Imported 1 lots into 1 household(s) of Acme Wealth." in output
    lot = TaxLot.objects.get()
    assert (lot.account, lot.quantity, lot.adjusted_basis) == (smith_taxable, Decimal("10"), Decimal("1500.00"))
    assert ImportBatch.objects.get().filename == "q1.csv"


def test_import_holdings_uses_the_only_firm_when_none_is_named(
    tmp_path: Path, acme: Firm, smith_taxable: Account, securities
) -> None:
    output = run("import_holdings", write(tmp_path, HOLDINGS))

    assert "of Acme Wealth" in output
    assert TaxLot.objects.count() == 1


def test_import_holdings_needs_the_firm_named_when_there_are_several(
    tmp_path: Path, acme: Firm, other_firm: Firm, smith_taxable: Account, securities
) -> None:
    with pytest.raises(CommandError, match="Name the firm with --firm SLUG"):
        run("import_holdings", write(tmp_path, HOLDINGS))

    assert nothing_imported()


def test_import_holdings_says_so_when_there_is_no_firm(tmp_path: Path, db: None) -> None:
    with pytest.raises(CommandError, match="There is no firm yet"):
        run("import_holdings", write(tmp_path, HOLDINGS))


def test_import_holdings_rejects_an_unknown_firm_slug(tmp_path: Path, acme: Firm, smith_taxable, securities) -> None:
    with pytest.raises(CommandError, match="No firm with the slug 'nope'"):
        run("import_holdings", write(tmp_path, HOLDINGS), "--firm", "nope")

    assert nothing_imported()


def test_import_holdings_lists_each_bad_row_of_a_rejected_file(
    tmp_path: Path, acme: Firm, smith_taxable: Account, securities
) -> None:
    text = HOLDINGS + "NOBODY,AAPL,1,1,2024-01-02\nSMITH-1,AAPL,1,1,2024-01-02\nSMITH-1,SPX,1,1,2024-01-02\n"

    with pytest.raises(CommandError) as caught:
        run("import_holdings", write(tmp_path, text, "bad.csv"), "--firm", "acme")

    message = str(caught.value)
    assert "bad.csv was not imported (2 problem(s))" in message
    assert "row 3: unknown client_id 'NOBODY'" in message
    assert "row 5: SPX is an index and cannot be held" in message
    assert "row 2" not in message
    assert "row 4" not in message
    assert nothing_imported()


def test_import_holdings_rejects_the_same_file_twice(
    tmp_path: Path, acme: Firm, smith_taxable: Account, securities
) -> None:
    path = write(tmp_path, HOLDINGS)
    run("import_holdings", path, "--firm", "acme")

    with pytest.raises(CommandError, match="already imported"):
        run("import_holdings", path, "--firm", "acme")

    assert TaxLot.objects.count() == 1


def test_import_holdings_reports_a_missing_file_clearly(tmp_path: Path, acme: Firm) -> None:
    missing = tmp_path / "nowhere.csv"

    with pytest.raises(CommandError, match=r"Cannot read .*nowhere\.csv: No such file or directory"):
        run("import_holdings", str(missing), "--firm", "acme")


# --- import_ledger ---------------------------------------------------------------------------


def test_import_ledger_imports_into_the_household_named_by_id(
    tmp_path: Path, smiths: Household, smith_taxable: Account, securities
) -> None:
    output = run("import_ledger", write(tmp_path, LEDGER), "--household", str(smiths.pk))

    assert "Imported 2 transactions into Smith Family." in output
    lot = TaxLot.objects.get()
    assert (lot.account, lot.quantity, lot.adjusted_basis) == (smith_taxable, Decimal("6"), Decimal("600.00"))


def test_import_ledger_accepts_the_households_exact_name(
    tmp_path: Path, smiths: Household, smith_taxable: Account, securities
) -> None:
    output = run("import_ledger", write(tmp_path, LEDGER), "--household", "Smith Family")

    assert "Imported 2 transactions into Smith Family." in output
    assert ImportBatch.objects.get().household == smiths


def test_import_ledger_does_not_match_a_name_loosely(
    tmp_path: Path, smiths: Household, smith_taxable: Account, securities
) -> None:
    with pytest.raises(CommandError, match="No household 'smith family'"):
        run("import_ledger", write(tmp_path, LEDGER), "--household", "smith family")

    assert nothing_imported()


@pytest.mark.parametrize("ref", ["Jones Family", "999999"])
def test_import_ledger_rejects_an_unknown_household(tmp_path: Path, smiths: Household, securities, ref: str) -> None:
    with pytest.raises(CommandError, match=f"No household '{ref}'"):
        run("import_ledger", write(tmp_path, LEDGER), "--household", ref)

    assert nothing_imported()


def test_import_ledger_asks_for_the_id_when_two_households_share_the_name(
    tmp_path: Path, smiths: Household, other_firm: Firm, securities
) -> None:
    HouseholdFactory(firm=other_firm, name="Smith Family")

    with pytest.raises(CommandError, match="More than one household is named 'Smith Family'; give its id"):
        run("import_ledger", write(tmp_path, LEDGER), "--household", "Smith Family")


def test_import_ledger_requires_the_household_option(tmp_path: Path, smiths: Household) -> None:
    with pytest.raises(CommandError, match="--household"):
        run("import_ledger", write(tmp_path, LEDGER))


def test_import_ledger_lists_each_bad_row_of_a_rejected_file(
    tmp_path: Path, smiths: Household, smith_taxable: Account, securities
) -> None:
    text = LEDGER + "SM-T,taxable,2024-03-01,sell,AAPL,7,120,\nSM-T,taxable,2024-03-02,short,AAPL,1,120,\n"

    with pytest.raises(CommandError) as caught:
        run("import_ledger", write(tmp_path, text, "bad.csv"), "--household", str(smiths.pk))

    message = str(caught.value)
    assert "bad.csv was not imported (2 problem(s))" in message
    assert "row 4: sells 7 AAPL in SM-T but only 6 are held" in message
    assert "row 5: action must be buy, sell or reinvest; got 'short'" in message
    assert nothing_imported()


def test_import_ledger_reports_a_missing_file_clearly(tmp_path: Path, smiths: Household) -> None:
    with pytest.raises(CommandError, match=r"Cannot read .*nowhere\.csv: No such file or directory"):
        run("import_ledger", str(tmp_path / "nowhere.csv"), "--household", str(smiths.pk))
