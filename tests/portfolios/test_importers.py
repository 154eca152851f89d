"""The holdings and ledger imports: what an accepted file writes, and how every bad row is reported.

A file is imported whole or not at all, so each rejection test also checks that nothing was written.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portfolios.csvfields import RowError
from portfolios.importers import ImportRejected, ImportResult, holdings_import, ledger_import
from portfolios.models import (
    Account,
    AccountType,
    Client,
    Firm,
    Household,
    ImportBatch,
    ImportKind,
    ReliefMethod,
    Security,
    TaxLot,
    Transaction,
)
from tests.factories import ClientFactory, HouseholdFactory

TODAY = date(2025, 6, 30)
HOLDINGS_HEADER = "client_id,security_name,quantity,cost_basis,acquisition_date"
LEDGER_HEADER = "account,account_type,date,action,symbol,quantity,price,lot"
GOOD_HOLDING = "SMITH-1,AAPL,10,1000,2024-01-02"
GOOD_BUY = "SM-T,taxable,2024-01-02,buy,AAPL,10,100,"


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def import_holdings(firm: Firm, *lines: str, filename: str = "holdings.csv") -> ImportResult:
    return holdings_import(firm=firm, filename=filename, content=csv_bytes(*lines), today=TODAY)


def import_ledger(household: Household, *lines: str, filename: str = "ledger.csv") -> ImportResult:
    return ledger_import(household=household, filename=filename, content=csv_bytes(*lines), today=TODAY)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Transaction, TaxLot, ImportBatch, Account, Household)}


def rejected(run, *args, **kwargs) -> list[RowError]:  # type: ignore[no-untyped-def]
    """Run an import that must be rejected; check nothing was written and return its errors."""
    before = row_counts()
    with pytest.raises(ImportRejected) as caught:
        run(*args, **kwargs)
    assert row_counts() == before
    return caught.value.errors


def reject_holdings(firm: Firm, *rows: str) -> list[RowError]:
    return rejected(import_holdings, firm, HOLDINGS_HEADER, *rows)


def reject_ledger(household: Household, *rows: str) -> list[RowError]:
    return rejected(import_ledger, household, LEDGER_HEADER, *rows)


def only_error(errors: list[RowError]) -> RowError:
    assert len(errors) == 1, errors
    return errors[0]


def lots_of(account: Account) -> list[tuple[str, str, Decimal, Decimal, date]]:
    return [
        (lot.security.symbol, lot.name, lot.quantity, lot.adjusted_basis, lot.acquired_on)
        for lot in TaxLot.objects.filter(account=account).select_related("security").order_by("acquired_on", "name")
    ]


@pytest.fixture
def setup(
    acme: Firm, smiths: Household, jane: Client, john: Client, securities: dict[str, Security]
) -> dict[str, object]:
    """The firm and the Smiths with their two clients and the securities, but no accounts yet."""
    return {"firm": acme, "household": smiths, "jane": jane, "john": john}


# --- holdings: accepted files ----------------------------------------------------------------


def test_holdings_rows_become_lots_in_the_clients_taxable_account(
    acme: Firm, smith_taxable: Account, securities: dict[str, Security]
) -> None:
    result = import_holdings(
        acme,
        HOLDINGS_HEADER,
        'SMITH-1,AAPL,10,"$1,200.50",2020-03-15',
        "SMITH-1,MSFT,2.5,300.07,01/31/2023",
    )

    assert (result.transactions, result.households) == (2, 1)
    lot = TaxLot.objects.get(account=smith_taxable, security=securities["AAPL"])
    assert lot.quantity == Decimal("10")
    assert lot.adjusted_basis == Decimal("1200.50")
    assert lot.acquired_on == date(2020, 3, 15)
    assert lot.holding_period_start == date(2020, 3, 15)
    assert lots_of(smith_taxable) == [
        ("AAPL", "2020-03-15", Decimal("10"), Decimal("1200.50"), date(2020, 3, 15)),
        ("MSFT", "2023-01-31", Decimal("2.5"), Decimal("300.07"), date(2023, 1, 31)),
    ]


def test_holdings_import_records_one_batch_with_its_transfers_in(
    acme: Firm, smith_taxable: Account, securities
) -> None:
    result = import_holdings(acme, HOLDINGS_HEADER, GOOD_HOLDING, filename="q1.csv")

    batch = ImportBatch.objects.get()
    assert result.batch == batch
    assert (batch.firm, batch.kind, batch.filename, batch.row_count) == (acme, ImportKind.HOLDINGS, "q1.csv", 1)
    txn = Transaction.objects.get()
    assert (txn.action, txn.batch, txn.cost_basis, txn.acquired_on) == (
        "transfer_in",
        batch,
        Decimal("1000.00"),
        date(2024, 1, 2),
    )


def test_holdings_import_creates_a_taxable_account_for_a_client_without_one(
    acme: Firm, smiths: Household, john: Client, smith_ira: Account, securities: dict[str, Security]
) -> None:
    import_holdings(acme, HOLDINGS_HEADER, "SMITH-2,AAPL,4,600,2024-05-06")

    account = Account.objects.get(number="SMITH-2-TAXABLE")
    assert (account.household, account.owner, account.account_type) == (smiths, john, AccountType.TAXABLE)
    assert lots_of(account) == [("AAPL", "2024-05-06", Decimal("4"), Decimal("600.00"), date(2024, 5, 6))]
    assert not TaxLot.objects.filter(account=smith_ira).exists()


def test_holdings_import_creates_the_new_taxable_account_once_for_several_rows(setup, securities) -> None:
    import_holdings(setup["firm"], HOLDINGS_HEADER, "SMITH-1,AAPL,1,100,2024-01-02", "SMITH-1,MSFT,2,50,2024-01-03")

    account = Account.objects.get(number="SMITH-1-TAXABLE")
    assert [symbol for symbol, *_ in lots_of(account)] == ["AAPL", "MSFT"]


def test_holdings_of_two_clients_of_one_household_go_to_each_clients_own_account(
    acme: Firm, smith_taxable: Account, john: Client, securities: dict[str, Security]
) -> None:
    import_holdings(acme, HOLDINGS_HEADER, "SMITH-1,AAPL,1,100,2024-01-02", "SMITH-2,AAPL,2,200,2024-01-02")

    assert lots_of(smith_taxable) == [("AAPL", "2024-01-02", Decimal("1"), Decimal("100.00"), date(2024, 1, 2))]
    johns = Account.objects.get(owner=john, account_type=AccountType.TAXABLE)
    assert johns.number == "SMITH-2-TAXABLE"
    assert lots_of(johns) == [("AAPL", "2024-01-02", Decimal("2"), Decimal("200.00"), date(2024, 1, 2))]


@pytest.mark.parametrize("name", ["aapl", "Apple Inc.", "APPLE INC.", "apple inc."])
def test_holdings_security_name_may_be_a_symbol_or_a_name_in_any_case(
    acme: Firm, smith_taxable: Account, securities: dict[str, Security], name: str
) -> None:
    import_holdings(acme, HOLDINGS_HEADER, f"SMITH-1,{name},3,450,2024-01-02")

    assert TaxLot.objects.get().security == securities["AAPL"]


def test_holdings_client_id_is_matched_without_regard_to_case(acme: Firm, smith_taxable: Account, securities) -> None:
    import_holdings(acme, HOLDINGS_HEADER, "smith-1,AAPL,3,450,2024-01-02")

    assert TaxLot.objects.get().account == smith_taxable


def test_holdings_header_is_matched_without_regard_to_case_or_spaces(
    acme: Firm, smith_taxable: Account, securities
) -> None:
    import_holdings(acme, " Client_ID , Security_Name ,QUANTITY,Cost_Basis,acquisition_date", GOOD_HOLDING)

    assert TaxLot.objects.get().quantity == Decimal("10")


def test_holdings_file_with_a_utf8_bom_is_accepted(acme: Firm, smith_taxable: Account, securities) -> None:
    content = "\ufeff".encode() + csv_bytes(HOLDINGS_HEADER, GOOD_HOLDING)

    holdings_import(firm=acme, filename="excel.csv", content=content, today=TODAY)

    assert TaxLot.objects.count() == 1


def test_holdings_account_column_places_the_lot_in_that_account(
    acme: Firm, smith_taxable: Account, smith_ira: Account, securities: dict[str, Security]
) -> None:
    import_holdings(
        acme,
        HOLDINGS_HEADER + ",account",
        "SMITH-1,AAPL,5,500,2024-01-02,SM-IRA",
        "SMITH-1,MSFT,1,300,2024-01-02,",
    )

    assert lots_of(smith_ira) == [("AAPL", "2024-01-02", Decimal("5"), Decimal("500.00"), date(2024, 1, 2))]
    assert lots_of(smith_taxable) == [("MSFT", "2024-01-02", Decimal("1"), Decimal("300.00"), date(2024, 1, 2))]


def test_holdings_lot_column_names_the_lot(acme: Firm, smith_taxable: Account, securities) -> None:
    import_holdings(acme, HOLDINGS_HEADER + ",lot", "SMITH-1,AAPL,5,500,2024-01-02,gift-from-grandma")

    assert TaxLot.objects.get().name == "gift-from-grandma"


def test_holdings_same_day_lots_without_names_get_distinct_names(
    acme: Firm, smith_taxable: Account, securities
) -> None:
    import_holdings(acme, HOLDINGS_HEADER, "SMITH-1,AAPL,1,100,2024-01-02", "SMITH-1,AAPL,2,250,2024-01-02")

    assert [name for _, name, *_ in lots_of(smith_taxable)] == ["2024-01-02", "2024-01-02-2"]


def test_holdings_zero_cost_basis_is_accepted(acme: Firm, smith_taxable: Account, securities) -> None:
    import_holdings(acme, HOLDINGS_HEADER, "SMITH-1,AAPL,5,0,2024-01-02")

    assert TaxLot.objects.get().adjusted_basis == Decimal("0.00")


def test_holdings_acquired_today_is_not_in_the_future(acme: Firm, smith_taxable: Account, securities) -> None:
    import_holdings(acme, HOLDINGS_HEADER, f"SMITH-1,AAPL,5,500,{TODAY.isoformat()}")

    assert TaxLot.objects.get().acquired_on == TODAY


# --- holdings: rejected rows -----------------------------------------------------------------


def test_holdings_rejects_an_unknown_client_id(setup) -> None:
    error = only_error(reject_holdings(setup["firm"], GOOD_HOLDING, "NOBODY,AAPL,10,1000,2024-01-02"))

    assert error.row == 3
    assert "unknown client_id 'NOBODY'" in error.reason


def test_holdings_rejects_a_client_of_another_firm(setup, other_firm: Firm) -> None:
    ClientFactory(household=HouseholdFactory(firm=other_firm), external_id="OTHER-1")

    error = only_error(reject_holdings(setup["firm"], "OTHER-1,AAPL,10,1000,2024-01-02"))

    assert error.row == 2
    assert "unknown client_id 'OTHER-1'" in error.reason


def test_holdings_rejects_a_client_id_shared_by_two_households_of_the_firm(setup) -> None:
    ClientFactory(household=HouseholdFactory(firm=setup["firm"], name="Other Smiths"), external_id="smith-1")

    error = only_error(reject_holdings(setup["firm"], "SMITH-1,AAPL,10,1000,2024-01-02"))

    assert error.row == 2
    assert "belongs to more than one household" in error.reason


def test_holdings_rejects_an_unknown_security(setup) -> None:
    error = only_error(reject_holdings(setup["firm"], GOOD_HOLDING, "SMITH-1,Acme Rockets,10,1000,2024-01-02"))

    assert error.row == 3
    assert "unknown security 'Acme Rockets'" in error.reason


def test_holdings_rejects_an_index_security(setup) -> None:
    error = only_error(reject_holdings(setup["firm"], "SMITH-1,SPX,10,1000,2024-01-02"))

    assert error.row == 2
    assert "SPX is an index and cannot be held" in error.reason


@pytest.mark.parametrize(
    ("quantity", "reason"),
    [
        ("ten", "quantity 'ten' is not a number"),
        ("0", "quantity must be more than zero"),
        ("-5", "quantity must be more than zero"),
        ("", "quantity is empty"),
    ],
    ids=["not-a-number", "zero", "negative", "empty"],
)
def test_holdings_rejects_a_bad_quantity(setup, quantity: str, reason: str) -> None:
    error = only_error(reject_holdings(setup["firm"], GOOD_HOLDING, f"SMITH-1,AAPL,{quantity},1000,2024-01-02"))

    assert error.row == 3
    assert reason in error.reason


@pytest.mark.parametrize(
    ("basis", "reason"),
    [("lots", "cost_basis 'lots' is not a number"), ("-100", "cost_basis must not be negative")],
    ids=["not-a-number", "negative"],
)
def test_holdings_rejects_a_bad_cost_basis(setup, basis: str, reason: str) -> None:
    error = only_error(reject_holdings(setup["firm"], GOOD_HOLDING, f"SMITH-1,AAPL,10,{basis},2024-01-02"))

    assert error.row == 3
    assert reason in error.reason


@pytest.mark.parametrize("raw", ["2024-02-30", "yesterday", "15/01/2024"])
def test_holdings_rejects_a_bad_date(setup, raw: str) -> None:
    error = only_error(reject_holdings(setup["firm"], GOOD_HOLDING, f"SMITH-1,AAPL,10,1000,{raw}"))

    assert error.row == 3
    assert f"acquisition_date {raw!r} is not a date" in error.reason


def test_holdings_rejects_a_future_date(setup) -> None:
    error = only_error(reject_holdings(setup["firm"], GOOD_HOLDING, "SMITH-1,AAPL,10,1000,2025-07-01"))

    assert error.row == 3
    assert "acquisition_date 2025-07-01 is in the future" in error.reason


def test_holdings_rejects_a_date_before_1900(setup) -> None:
    error = only_error(reject_holdings(setup["firm"], GOOD_HOLDING, "SMITH-1,AAPL,10,1000,1800-01-01"))

    assert error == RowError(3, "acquisition_date 1800-01-01 is before 1900-01-01")


@pytest.mark.parametrize(
    ("column", "field"),
    [("lot", Transaction._meta.get_field("lot_name")), ("account", Account._meta.get_field("number"))],
)
def test_holdings_rejects_a_name_longer_than_its_column(setup, column: str, field) -> None:  # type: ignore[no-untyped-def]
    too_long = "X" * (field.max_length + 1)
    errors = rejected(import_holdings, setup["firm"], HOLDINGS_HEADER + f",{column}", f"{GOOD_HOLDING},{too_long}")

    assert only_error(errors) == RowError(
        2, f"{column} is {field.max_length + 1} characters long; at most {field.max_length} fit"
    )


def test_holdings_reads_a_cell_guarded_by_our_exports_without_the_guard(
    acme: Firm, smith_taxable: Account, securities
) -> None:
    import_holdings(acme, HOLDINGS_HEADER + ",lot", "SMITH-1,AAPL,5,500,2024-01-02,'=SUM(A1:A2)")

    assert TaxLot.objects.get().name == "=SUM(A1:A2)"


def test_holdings_keeps_a_quote_that_is_not_a_guard(acme: Firm, smith_taxable: Account, securities) -> None:
    import_holdings(acme, HOLDINGS_HEADER + ",lot", "SMITH-1,AAPL,5,500,2024-01-02,'gift")

    assert TaxLot.objects.get().name == "'gift"


def test_holdings_rejects_an_account_outside_the_clients_household(setup) -> None:
    error = only_error(
        rejected(import_holdings, setup["firm"], HOLDINGS_HEADER + ",account", "SMITH-1,AAPL,1,100,2024-01-02,ELSE")
    )

    assert error.row == 2
    assert "account 'ELSE' is not an account of Smith Family" in error.reason


def test_holdings_rejects_a_lot_name_used_twice(setup) -> None:
    errors = rejected(
        import_holdings,
        setup["firm"],
        HOLDINGS_HEADER + ",lot",
        "SMITH-1,AAPL,1,100,2024-01-02,L1",
        "SMITH-1,AAPL,2,200,2024-01-03,L1",
    )

    error = only_error(errors)
    assert error.row == 3
    assert "lot 'L1' already exists" in error.reason


def test_holdings_rejects_a_file_missing_a_required_column(setup) -> None:
    errors = rejected(import_holdings, setup["firm"], "client_id,security_name,quantity,acquisition_date", "A,B,1,x")

    error = only_error(errors)
    assert error.row == 1
    assert "missing column(s): cost_basis" in error.reason


def test_holdings_rejects_an_empty_file(setup) -> None:
    before = row_counts()
    with pytest.raises(ImportRejected) as caught:
        holdings_import(firm=setup["firm"], filename="empty.csv", content=b"", today=TODAY)

    assert row_counts() == before
    assert only_error(caught.value.errors) == RowError(0, "the file is empty")


def test_holdings_rejects_a_file_with_a_header_only(setup) -> None:
    error = only_error(reject_holdings(setup["firm"]))

    assert (error.row, error.reason) == (0, "the file has a header but no rows")


def test_holdings_rejects_a_file_that_is_not_utf8(setup) -> None:
    content = csv_bytes(HOLDINGS_HEADER, "SMITH-1,Soci\u00e9t\u00e9 G\u00e9n\u00e9rale,1,1,2024-01-02").decode()
    before = row_counts()
    with pytest.raises(ImportRejected) as caught:
        holdings_import(firm=setup["firm"], filename="latin1.csv", content=content.encode("latin-1"), today=TODAY)

    assert row_counts() == before
    error = only_error(caught.value.errors)
    assert error.row == 0
    assert "not UTF-8" in error.reason


def test_holdings_rejects_a_row_with_the_wrong_number_of_fields(setup) -> None:
    error = only_error(reject_holdings(setup["firm"], GOOD_HOLDING, "SMITH-1,AAPL,10,2024-01-02"))

    assert error.row == 3
    assert "has 4 fields, the header has 5" in error.reason


def test_holdings_blank_lines_are_skipped_but_still_counted_in_row_numbers(setup) -> None:
    error = only_error(reject_holdings(setup["firm"], GOOD_HOLDING, "", "NOBODY,AAPL,10,1000,2024-01-02"))

    assert error.row == 4


def test_holdings_rejection_lists_every_bad_row_in_row_order(setup) -> None:
    errors = reject_holdings(
        setup["firm"],
        GOOD_HOLDING,
        "NOBODY,AAPL,10,1000,2024-01-02",
        GOOD_HOLDING.replace("10", "11"),
        "SMITH-1,SPX,10,1000,2024-01-02",
        "SMITH-1,AAPL,-1,1000,2024-01-02",
    )

    assert [error.row for error in errors] == [3, 5, 6]
    assert "unknown client_id" in errors[0].reason
    assert "index" in errors[1].reason
    assert "quantity" in errors[2].reason


def test_holdings_rejection_reports_each_bad_field_of_one_row(setup) -> None:
    errors = reject_holdings(setup["firm"], "NOBODY,ZZZ,x,y,z")

    assert [error.row for error in errors] == [2] * 5
    assert [error.reason.split()[0] for error in errors] == [
        "unknown",
        "unknown",
        "quantity",
        "cost_basis",
        "acquisition_date",
    ]


def test_holdings_rejection_lists_a_short_row_together_with_other_bad_rows(setup) -> None:
    errors = reject_holdings(setup["firm"], "NOBODY,AAPL,10,1000,2024-01-02", "SMITH-1,AAPL,10,2024-01-02")

    assert [error.row for error in errors] == [2, 3]


def test_holdings_rejection_message_names_the_file_and_each_row(setup) -> None:
    with pytest.raises(ImportRejected) as caught:
        import_holdings(setup["firm"], HOLDINGS_HEADER, "NOBODY,AAPL,1,1,2024-01-02", "SMITH-1,SPX,1,1,2024-01-02")

    message = caught.value.message
    assert message.startswith("holdings.csv was not imported (2 problem(s)):")
    assert "row 2: unknown client_id 'NOBODY'" in message
    assert "row 3: SPX is an index" in message


def test_holdings_file_imported_twice_is_rejected_the_second_time(
    acme: Firm, smith_taxable: Account, securities
) -> None:
    import_holdings(acme, HOLDINGS_HEADER, GOOD_HOLDING, filename="first.csv")

    errors = rejected(import_holdings, acme, HOLDINGS_HEADER, GOOD_HOLDING, filename="renamed.csv")

    error = only_error(errors)
    assert "already imported" in error.reason
    assert "first.csv" in error.reason
    assert TaxLot.objects.get().quantity == Decimal("10")


def test_holdings_good_rows_of_a_rejected_file_are_not_imported(setup) -> None:
    """The first row alone would create Jane's taxable account and a lot; neither may remain."""
    reject_holdings(setup["firm"], GOOD_HOLDING, "SMITH-2,AAPL,10,1000,2024-01-02", "NOBODY,AAPL,1,1,2024-01-02")

    assert not Account.objects.exists()
    assert not TaxLot.objects.exists()
    assert not Transaction.objects.exists()
    assert not ImportBatch.objects.exists()


def test_holdings_rejected_file_can_be_imported_once_fixed(setup) -> None:
    reject_holdings(setup["firm"], GOOD_HOLDING, "NOBODY,AAPL,1,1,2024-01-02")

    import_holdings(setup["firm"], HOLDINGS_HEADER, GOOD_HOLDING)

    assert TaxLot.objects.count() == 1


@pytest.mark.parametrize(
    "row", ["SMITH-1,AAPL,1000000000000,100,2024-01-02", "SMITH-1,AAPL,1,100000000000000000,2024-01-02"]
)
def test_holdings_rejects_a_number_too_large_to_store_as_a_row_error(setup, row: str) -> None:
    error = only_error(reject_holdings(setup["firm"], row))

    assert error.row == 2
    assert "is too large" in error.reason


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("SMITH-1,AAPL,0.123456789,100,2024-01-02", "quantity 0.123456789 has more than 8 decimal places"),
        ("SMITH-1,AAPL,1,100.005,2024-01-02", "cost_basis 100.005 has more than 2 decimal places"),
    ],
)
def test_holdings_refuses_to_round_away_precision(setup, row: str, reason: str) -> None:
    error = only_error(reject_holdings(setup["firm"], row))

    assert (error.row, error.reason) == (2, reason)


def test_trailing_zeros_beyond_the_columns_places_are_fine(setup) -> None:
    import_holdings(setup["firm"], HOLDINGS_HEADER, "SMITH-1,AAPL,2.000000000,100.0000,2024-01-02")

    assert TaxLot.objects.get().adjusted_basis == Decimal("100.00")


# --- ledger: accepted files ------------------------------------------------------------------


def test_ledger_buys_a_fifo_partial_sell_and_a_reinvest_leave_the_exact_open_lots(
    smiths: Household, smith_taxable: Account, securities: dict[str, Security]
) -> None:
    result = import_ledger(
        smiths,
        LEDGER_HEADER + ",fees",
        "SM-T,taxable,2024-01-02,buy,AAPL,10,150.00,,1.00",
        "SM-T,taxable,2024-02-01,buy,AAPL,5,160.25,,",
        "SM-T,taxable,2024-03-01,sell,AAPL,4,170,,1.00",
        "SM-T,taxable,2024-04-01,reinvest,AAPL,0.125,172.40,,0",
        "SM-T,taxable,2024-04-02,buy,MSFT,3,370.333,,0.01",
    )

    assert (result.transactions, result.households) == (5, 1)
    assert lots_of(smith_taxable) == [
        # 1501.00 less the 4/10 of it that the sale relieved (600.40)
        ("AAPL", "2024-01-02", Decimal("6"), Decimal("900.60"), date(2024, 1, 2)),
        ("AAPL", "2024-02-01", Decimal("5"), Decimal("801.25"), date(2024, 2, 1)),
        ("AAPL", "2024-04-01", Decimal("0.125"), Decimal("21.55"), date(2024, 4, 1)),
        # 3 x 370.333 + 0.01 = 1111.009, half up to the cent
        ("MSFT", "2024-04-02", Decimal("3"), Decimal("1111.01"), date(2024, 4, 2)),
    ]
    assert all(lot.holding_period_start == lot.acquired_on for lot in TaxLot.objects.all())


def test_ledger_import_records_a_batch_of_the_household(smiths: Household, smith_taxable: Account, securities) -> None:
    result = import_ledger(smiths, LEDGER_HEADER, GOOD_BUY, filename="2024.csv")

    batch = ImportBatch.objects.get()
    assert result.batch == batch
    assert (batch.firm, batch.household, batch.kind, batch.filename, batch.row_count) == (
        smiths.firm,
        smiths,
        ImportKind.LEDGER,
        "2024.csv",
        1,
    )
    assert Transaction.objects.get().batch == batch


def test_ledger_creates_new_accounts_with_the_given_type(smiths: Household, securities) -> None:
    import_ledger(
        smiths,
        LEDGER_HEADER,
        "JOINT-1,taxable,2024-01-02,buy,AAPL,1,100,",
        "ROTH-J,Roth_IRA,2024-01-02,buy,MSFT,2,50,",
        "ROTH-J,roth_ira,2024-01-03,buy,MSFT,1,60,",
    )

    accounts = {a.number: a for a in Account.objects.filter(household=smiths)}
    assert {n: a.account_type for n, a in accounts.items()} == {
        "JOINT-1": AccountType.TAXABLE,
        "ROTH-J": AccountType.ROTH_IRA,
    }
    assert lots_of(accounts["ROTH-J"]) == [
        ("MSFT", "2024-01-02", Decimal("2"), Decimal("100.00"), date(2024, 1, 2)),
        ("MSFT", "2024-01-03", Decimal("1"), Decimal("60.00"), date(2024, 1, 3)),
    ]


def test_ledger_sell_naming_a_lot_relieves_that_lot(smiths: Household, smith_taxable: Account, securities) -> None:
    import_ledger(
        smiths,
        LEDGER_HEADER,
        "SM-T,taxable,2024-01-02,buy,AAPL,5,100,cheap",
        "SM-T,taxable,2024-02-01,buy,AAPL,5,200,dear",
        "SM-T,taxable,2024-03-01,sell,AAPL,3,150,dear",
    )

    assert lots_of(smith_taxable) == [
        ("AAPL", "cheap", Decimal("5"), Decimal("500.00"), date(2024, 1, 2)),
        ("AAPL", "dear", Decimal("2"), Decimal("400.00"), date(2024, 2, 1)),
    ]


def test_ledger_hifo_account_relieves_the_highest_cost_lot_first(
    smiths: Household, smith_taxable: Account, securities
) -> None:
    smith_taxable.relief_method = ReliefMethod.HIFO
    smith_taxable.save()

    import_ledger(
        smiths,
        LEDGER_HEADER,
        "SM-T,taxable,2024-01-02,buy,AAPL,10,100,",
        "SM-T,taxable,2024-02-01,buy,AAPL,10,150,",
        "SM-T,taxable,2024-03-01,buy,AAPL,10,120,",
        "SM-T,taxable,2024-04-01,sell,AAPL,15,130,",
    )

    assert lots_of(smith_taxable) == [
        ("AAPL", "2024-01-02", Decimal("10"), Decimal("1000.00"), date(2024, 1, 2)),
        ("AAPL", "2024-03-01", Decimal("5"), Decimal("600.00"), date(2024, 3, 1)),
    ]


def test_ledger_fifo_account_relieves_the_oldest_lot_first(
    smiths: Household, smith_taxable: Account, securities
) -> None:
    import_ledger(
        smiths,
        LEDGER_HEADER,
        "SM-T,taxable,2024-01-02,buy,AAPL,10,100,",
        "SM-T,taxable,2024-02-01,buy,AAPL,10,150,",
        "SM-T,taxable,2024-04-01,sell,AAPL,15,130,",
    )

    assert lots_of(smith_taxable) == [("AAPL", "2024-02-01", Decimal("5"), Decimal("750.00"), date(2024, 2, 1))]


def test_ledger_rows_are_replayed_in_date_order_not_file_order(
    smiths: Household, smith_taxable: Account, securities
) -> None:
    import_ledger(
        smiths,
        LEDGER_HEADER,
        "SM-T,taxable,2024-03-01,sell,AAPL,4,120,",
        "SM-T,taxable,01/02/2024,buy,AAPL,10,100,",
    )

    assert lots_of(smith_taxable) == [("AAPL", "2024-01-02", Decimal("6"), Decimal("600.00"), date(2024, 1, 2))]


def test_ledger_a_later_file_can_sell_lots_of_an_earlier_one(
    smiths: Household, smith_taxable: Account, securities
) -> None:
    import_ledger(smiths, LEDGER_HEADER, GOOD_BUY, filename="jan.csv")

    import_ledger(smiths, LEDGER_HEADER, "SM-T,taxable,2024-02-01,sell,AAPL,10,110,", filename="feb.csv")

    assert not TaxLot.objects.exists()
    assert ImportBatch.objects.count() == 2


# --- ledger: rejected rows -------------------------------------------------------------------


def test_ledger_rejects_an_unknown_action(smiths: Household, smith_taxable: Account, securities) -> None:
    error = only_error(reject_ledger(smiths, GOOD_BUY, "SM-T,taxable,2024-01-03,short,AAPL,1,100,"))

    assert error.row == 3
    assert "action must be buy, sell or reinvest; got 'short'" in error.reason


def test_ledger_rejects_a_bad_account_type(smiths: Household, securities) -> None:
    error = only_error(reject_ledger(smiths, "NEW-1,brokerage,2024-01-03,buy,AAPL,1,100,"))

    assert error.row == 2
    assert "account_type must be taxable, traditional_ira or roth_ira; got 'brokerage'" in error.reason


def test_ledger_rejects_an_account_type_conflicting_with_the_existing_account(
    smiths: Household, smith_taxable: Account, smith_ira: Account, securities
) -> None:
    error = only_error(reject_ledger(smiths, GOOD_BUY, "SM-IRA,taxable,2024-01-03,buy,AAPL,1,100,"))

    assert error.row == 3
    assert "account SM-IRA is a traditional_ira account, not taxable" in error.reason


def test_ledger_rejects_a_new_account_given_two_types_in_one_file(smiths: Household, securities) -> None:
    errors = reject_ledger(
        smiths,
        "NEW-1,taxable,2024-01-02,buy,AAPL,1,100,",
        "NEW-1,roth_ira,2024-01-03,buy,AAPL,1,100,",
    )

    error = only_error(errors)
    assert error.row == 3
    assert "account NEW-1 is taxable on row 2, not roth_ira" in error.reason


def test_ledger_rejects_an_empty_account(smiths: Household, securities) -> None:
    error = only_error(reject_ledger(smiths, ",taxable,2024-01-02,buy,AAPL,1,100,"))

    assert (error.row, error.reason) == (2, "account is empty")


def test_ledger_rejects_an_unknown_symbol(smiths: Household, smith_taxable: Account, securities) -> None:
    error = only_error(reject_ledger(smiths, GOOD_BUY, "SM-T,taxable,2024-01-03,buy,ZZZZ,1,100,"))

    assert error.row == 3
    assert "unknown security 'ZZZZ'" in error.reason


def test_ledger_rejects_an_index_symbol(smiths: Household, smith_taxable: Account, securities) -> None:
    error = only_error(reject_ledger(smiths, "SM-T,taxable,2024-01-03,buy,SPX,1,100,"))

    assert error.row == 2
    assert "SPX is an index" in error.reason


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2024-13-01", "date '2024-13-01' is not a date"),
        ("2025-07-01", "date 2025-07-01 is in the future"),
        ("1800-01-01", "date 1800-01-01 is before 1900-01-01"),
    ],
    ids=["not-a-date", "future", "before-1900"],
)
def test_ledger_rejects_a_bad_date(
    smiths: Household, smith_taxable: Account, securities, raw: str, reason: str
) -> None:
    error = only_error(reject_ledger(smiths, GOOD_BUY, f"SM-T,taxable,{raw},buy,AAPL,1,100,"))

    assert error.row == 3
    assert reason in error.reason


def test_ledger_rejects_an_account_or_lot_longer_than_its_column(smiths: Household, securities) -> None:
    account = "A" * (Account._meta.get_field("number").max_length + 1)
    lot = "L" * (Transaction._meta.get_field("lot_name").max_length + 1)

    errors = reject_ledger(smiths, GOOD_BUY, f"{account},taxable,2024-01-02,buy,AAPL,1,100,", f"{GOOD_BUY}{lot}")

    assert [(error.row, error.reason.split(" is ")[0]) for error in errors] == [(3, "account"), (4, "lot")]


@pytest.mark.parametrize("quantity", ["0", "-3"])
def test_ledger_rejects_a_non_positive_quantity(
    smiths: Household, smith_taxable: Account, securities, quantity: str
) -> None:
    error = only_error(reject_ledger(smiths, GOOD_BUY, f"SM-T,taxable,2024-01-03,sell,AAPL,{quantity},100,"))

    assert error.row == 3
    assert f"quantity must be more than zero; got {quantity}" in error.reason


@pytest.mark.parametrize("price", ["0", "-1.50"])
def test_ledger_rejects_a_non_positive_price(smiths: Household, smith_taxable: Account, securities, price: str) -> None:
    error = only_error(reject_ledger(smiths, GOOD_BUY, f"SM-T,taxable,2024-01-03,buy,AAPL,1,{price},"))

    assert error.row == 3
    assert f"price must be more than zero; got {price}" in error.reason


def test_ledger_rejects_negative_fees(smiths: Household, smith_taxable: Account, securities) -> None:
    errors = rejected(
        import_ledger,
        smiths,
        LEDGER_HEADER + ",fees",
        GOOD_BUY + ",0",
        "SM-T,taxable,2024-01-03,buy,AAPL,1,100,,-4.95",
    )

    error = only_error(errors)
    assert error.row == 3
    assert "fees must not be negative; got -4.95" in error.reason


def test_ledger_rejects_a_sell_of_more_shares_than_held(smiths: Household, smith_taxable: Account, securities) -> None:
    error = only_error(reject_ledger(smiths, GOOD_BUY, "SM-T,taxable,2024-02-01,sell,AAPL,11,100,"))

    assert error.row == 3
    assert "sells 11 AAPL in SM-T but only 10 are held" in error.reason


def test_ledger_rejects_a_sell_of_shares_held_in_another_account(
    smiths: Household, smith_taxable: Account, smith_ira: Account, securities
) -> None:
    error = only_error(reject_ledger(smiths, GOOD_BUY, "SM-IRA,traditional_ira,2024-02-01,sell,AAPL,1,100,"))

    assert error.row == 3
    assert "sells 1 AAPL in SM-IRA but only 0 are held" in error.reason


def test_ledger_rejects_a_sell_before_the_buy_date(smiths: Household, smith_taxable: Account, securities) -> None:
    error = only_error(reject_ledger(smiths, "SM-T,taxable,2024-01-01,sell,AAPL,1,100,", GOOD_BUY))

    assert error.row == 2
    assert "only 0 are held" in error.reason


def test_ledger_rejects_a_sell_naming_a_lot_that_does_not_exist(
    smiths: Household, smith_taxable: Account, securities
) -> None:
    error = only_error(reject_ledger(smiths, GOOD_BUY, "SM-T,taxable,2024-02-01,sell,AAPL,1,100,nosuch"))

    assert error.row == 3
    assert "no open lot 'nosuch' of AAPL in SM-T" in error.reason


def test_ledger_rejects_a_sell_of_more_than_the_named_lot_holds(
    smiths: Household, smith_taxable: Account, securities
) -> None:
    error = only_error(
        reject_ledger(
            smiths,
            "SM-T,taxable,2024-01-02,buy,AAPL,2,100,small",
            "SM-T,taxable,2024-01-03,buy,AAPL,8,100,big",
            "SM-T,taxable,2024-02-01,sell,AAPL,3,100,small",
        )
    )

    assert error.row == 4
    assert "from lot 'small', which holds 2" in error.reason


def test_ledger_rejects_a_lot_name_used_twice(smiths: Household, smith_taxable: Account, securities) -> None:
    error = only_error(
        reject_ledger(
            smiths,
            "SM-T,taxable,2024-01-02,buy,AAPL,2,100,L1",
            "SM-T,taxable,2024-01-03,buy,AAPL,3,100,L1",
        )
    )

    assert error.row == 3
    assert "lot 'L1' already exists in SM-T AAPL" in error.reason


def test_ledger_rejects_a_file_missing_a_required_column(smiths: Household, securities) -> None:
    error = only_error(rejected(import_ledger, smiths, "account,account_type,date,action,symbol,quantity,price"))

    assert error.row == 1
    assert "missing column(s): lot" in error.reason


def test_ledger_rejection_lists_every_bad_row_in_row_order(
    smiths: Household, smith_taxable: Account, securities
) -> None:
    """The sell that cannot happen is found by the replay, after the field checks, yet comes first."""
    errors = reject_ledger(
        smiths,
        GOOD_BUY,
        "SM-T,taxable,2024-02-01,sell,AAPL,25,100,",
        "SM-T,taxable,2024-02-02,buy,ZZZZ,1,100,",
        GOOD_BUY.replace("2024-01-02", "2024-01-05"),
        "SM-T,taxable,2024-02-03,buy,AAPL,-1,100,",
    )

    assert [error.row for error in errors] == [3, 4, 6]
    assert "sells 25 AAPL in SM-T but only 20 are held" in errors[0].reason
    assert "unknown security 'ZZZZ'" in errors[1].reason
    assert "quantity must be more than zero" in errors[2].reason


def test_ledger_file_imported_twice_is_rejected_the_second_time(
    smiths: Household, smith_taxable: Account, securities
) -> None:
    import_ledger(smiths, LEDGER_HEADER, GOOD_BUY)

    error = only_error(reject_ledger(smiths, GOOD_BUY))

    assert "already imported" in error.reason
    assert TaxLot.objects.get().quantity == Decimal("10")


def test_ledger_good_rows_of_a_rejected_file_are_not_imported(smiths: Household, securities) -> None:
    """Row 2 alone would create an account, a transaction and a lot; none of them may remain."""
    reject_ledger(
        smiths,
        "NEW-1,taxable,2024-01-02,buy,AAPL,10,100,",
        "NEW-2,roth_ira,2024-01-02,buy,MSFT,1,100,",
        "NEW-1,taxable,2024-02-01,sell,AAPL,11,100,",
    )

    assert not Account.objects.exists()
    assert not Transaction.objects.exists()
    assert not TaxLot.objects.exists()
    assert not ImportBatch.objects.exists()


def test_ledger_rejection_leaves_earlier_imports_untouched(
    smiths: Household, smith_taxable: Account, securities
) -> None:
    import_ledger(smiths, LEDGER_HEADER, GOOD_BUY)
    before = lots_of(smith_taxable)

    reject_ledger(smiths, "SM-T,taxable,2024-02-01,sell,AAPL,4,100,", "SM-T,taxable,2024-02-01,sell,AAPL,7,100,")

    assert lots_of(smith_taxable) == before
    assert Transaction.objects.count() == 1


def test_a_holding_whose_cost_per_share_cannot_be_recorded_is_a_row_error(acme, jane, securities):
    content = (
        b"client_id,security_name,quantity,cost_basis,acquisition_date\n"
        b"SMITH-1,AAPL,0.00000001,9999999999999.99,2021-01-04\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        holdings_import(firm=acme, filename="h.csv", content=content, today=date(2026, 1, 1))
    assert [str(e) for e in rejected.value.errors] == [
        "row 2: cost_basis 9999999999999.99 for 1E-8 shares is more than $1,000,000,000,000 a share"
    ]
