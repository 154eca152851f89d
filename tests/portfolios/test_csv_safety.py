"""CSV injection and input limits: every CSV the product writes guards formula-like cells (and keeps numbers
numbers), its own importers read the guard back off, and over-long names and out-of-range dates are row errors
(a 400 in the API), never a 500.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from brokers.market_clock import pinned
from portfolios.csv_safety import csv_writer, guard_cell, unguard_cell
from portfolios.csvfields import RowError
from portfolios.importers import ImportRejected, holdings_import, ledger_import
from portfolios.models import Account, Client, Household, ImportBatch, TaxLot, Transaction
from reporting.activity import Activity, ActivityRow, activity_csv
from reporting.exports import form8949_csv, transactions_csv
from tests.api_clients import bearer
from tests.factories import ClientFactory, HouseholdFactory, PriceFactory
from tests.reporting.conftest import signed_in

HYPERLINK = '=HYPERLINK("http://evil.example","x")'
DDE = "@SUM(1+1)*cmd|' /C calc'!A0"
PAYLOADS = [HYPERLINK, DDE, "+1+cmd|' /C calc'!A0", "-2+3", "@x", "\t=1+1", "\r=1+1"]
TODAY = date(2025, 6, 30)
LEDGER_HEADER = ("account", "account_type", "date", "action", "symbol", "quantity", "price", "lot")
HOLDINGS_HEADER = ("client_id", "security_name", "quantity", "cost_basis", "acquisition_date", "account", "lot")
LOT_LENGTH = Transaction._meta.get_field("lot_name").max_length
ACCOUNT_LENGTH = Account._meta.get_field("number").max_length
CLIENT_ID_LENGTH = Client._meta.get_field("external_id").max_length
HOUSEHOLD_NAME_LENGTH = Household._meta.get_field("name").max_length


def csv_bytes(*rows: tuple[str, ...]) -> bytes:
    """Write rows as a spreadsheet would save them (quoting what needs it), without any guard."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def column(text: str, name: str) -> list[str]:
    header, *rows = cells(text)
    return [row[header.index(name)] for row in rows]


def assert_guarded(cell: str, payload: str) -> None:
    assert cell == "'" + payload


# --- the guard itself ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_formula_like_cell_gets_a_leading_quote(payload):
    assert guard_cell(payload) == "'" + payload


@pytest.mark.parametrize("number", ["-3807.10", "+12", "-0.5", "-.5", "1e5", "-1E-3", "3807.10", "0"])
def test_a_plain_number_stays_a_number(number):
    assert guard_cell(number) == number


@pytest.mark.parametrize("text", ["A1", "SM-T", "2022-01-03", "O'Brien", "", "'", "'A1", "Smith Family"])
def test_ordinary_text_is_left_alone(text):
    assert guard_cell(text) == text


@pytest.mark.parametrize("text", [*PAYLOADS, "'=1+1", "''@x", "-3807.10", "'-3807.10", "A1", "'", "'A1", "-", "="])
def test_reading_a_guarded_cell_gives_back_the_text_exactly(text):
    assert unguard_cell(guard_cell(text)) == text


def test_non_text_cells_are_written_as_text():
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow([2022, Decimal("-3807.10"), None, HYPERLINK])
    assert cells(out.getvalue()) == [["2022", "-3807.10", "", "'" + HYPERLINK]]


# --- the exports -------------------------------------------------------------------------------------------------


@pytest.fixture
def poisoned(smiths, securities) -> Household:
    """A household whose ledger names an account and a lot with formulas, and sells at a loss."""
    ledger_import(
        household=smiths,
        filename="poisoned.csv",
        content=csv_bytes(
            LEDGER_HEADER,
            (HYPERLINK, "taxable", "2022-01-03", "buy", "AAPL", "100", "180", DDE),
            (HYPERLINK, "taxable", "2022-06-01", "sell", "AAPL", "100", "141.929", DDE),
        ),
        today=TODAY,
    )
    return smiths


def test_the_transactions_file_guards_the_account_and_the_lot(poisoned):
    text = transactions_csv(poisoned, 2022)
    assert set(column(text, "account")) == {"'" + HYPERLINK}
    assert set(column(text, "lot")) == {"'" + DDE}
    assert column(text, "price") == ["180", "141.929"]


def test_the_form_8949_file_guards_the_account_and_keeps_the_loss_a_number(poisoned):
    text = form8949_csv(poisoned, 2022)
    assert column(text, "account") == ["'" + HYPERLINK]
    assert column(text, "gain_loss") == ["-3807.10"]


def test_the_transactions_file_re_imports_to_the_same_names(poisoned, acme, securities):
    exported = transactions_csv(poisoned, 2022)
    twin = HouseholdFactory(firm=acme, name="Twin Family")

    ledger_import(household=twin, filename="export.csv", content=exported.encode(), today=TODAY)

    assert set(Account.objects.filter(household=twin).values_list("number", flat=True)) == {HYPERLINK}
    assert set(Transaction.objects.filter(account__household=twin).values_list("lot_name", flat=True)) == {DDE}
    assert transactions_csv(twin, 2022).replace("import export.csv", "import poisoned.csv") == exported


def test_the_activity_file_guards_the_household_name_and_keeps_the_loss_a_number():
    row = ActivityRow(
        household=Household(name=HYPERLINK),
        harvests=1,
        losses_harvested=Decimal("3807.10"),
        tax_saved=Decimal("0"),
        carryforward_created=Decimal("0"),
        valued=True,
        realized_net=Decimal("-3807.10"),
        wash_sale_deferred=Decimal("0"),
        wash_sale_lost=Decimal("0"),
        reports=0,
        report_downloads=0,
    )
    text = activity_csv(Activity(2022, [row]))
    assert column(text, "household") == ["'" + HYPERLINK]
    assert column(text, "realized_net") == ["-3807.10"]


def test_the_activity_download_guards_a_household_named_with_a_formula(alice, acme):
    household = HouseholdFactory(firm=acme, name=DDE)
    household.advisors.add(alice)

    response = signed_in(alice).get(reverse("reporting:activity"), {"year": "2022", "format": "csv"})
    assert column(response.text, "household") == ["'" + DDE]


def test_the_ledger_commands_files_guard_names_keep_numbers_and_read_back(tmp_path: Path):
    source = tmp_path / "ledger.csv"
    source.write_bytes(
        csv_bytes(
            LEDGER_HEADER,
            (HYPERLINK, "taxable", "2022-01-03", "buy", "AAPL", "100", "180", DDE),
            (HYPERLINK, "taxable", "2022-06-01", "sell", "AAPL", "40", "141.929", DDE),
        )
    )
    form, lots = tmp_path / "8949.csv", tmp_path / "lots.csv"

    call_command("ledger", str(source), "--form8949", str(form), "--open-lots", str(lots), stdout=io.StringIO())

    assert column(form.read_text(), "account") == ["'" + HYPERLINK]
    assert column(form.read_text(), "gain_loss") == ["-1522.84"]
    assert column(lots.read_text(), "lot") == ["'" + DDE]
    assert column(lots.read_text(), "account") == ["'" + HYPERLINK]


def test_a_client_id_from_the_api_is_guarded_in_the_account_number_of_the_exports(alice, acme, securities):
    PriceFactory(security=securities["AAPL"], timestamp=datetime(2022, 12, 28, 21, tzinfo=UTC), price=Decimal(150))
    body = {
        "client_id": HYPERLINK,
        "client_name": "Eve",
        "household_name": DDE,
        "holdings": [{"security_name": "AAPL", "quantity": "1", "cost_basis": "100", "acquisition_date": "2022-01-03"}],
    }
    response = bearer(alice).post("/api/portfolios", body, format="json")
    assert response.status_code == 201, response.json()
    household = Household.objects.get(name=DDE)

    assert column(transactions_csv(household, 2022), "account") == ["'" + HYPERLINK + "-TAXABLE"]


# --- import limits: over-long names and dates out of range are row errors -------------------------------------


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Transaction, TaxLot, ImportBatch, Account)}


def rejected(run, **kwargs) -> list[RowError]:  # type: ignore[no-untyped-def]
    before = row_counts()
    with pytest.raises(ImportRejected) as caught:
        run(**kwargs)
    assert row_counts() == before
    return caught.value.errors


def test_a_ledger_with_over_long_names_and_dates_out_of_range_lists_each_row(smiths, smith_taxable, securities):
    errors = rejected(
        ledger_import,
        household=smiths,
        filename="ledger.csv",
        content=csv_bytes(
            LEDGER_HEADER,
            ("SM-T", "taxable", "2022-01-03", "buy", "AAPL", "1", "100", "L" * (LOT_LENGTH + 1)),
            ("A" * (ACCOUNT_LENGTH + 1), "taxable", "2022-01-03", "buy", "AAPL", "1", "100", ""),
            ("SM-T", "taxable", "1800-01-01", "buy", "AAPL", "1", "100", ""),
            ("SM-T", "taxable", "2025-07-01", "buy", "AAPL", "1", "100", ""),
            ("SM-T", "taxable", "2022-01-03", "buy", "AAPL", "1", "100", "L" * LOT_LENGTH),
        ),
        today=TODAY,
    )
    assert errors == [
        RowError(2, f"lot is {LOT_LENGTH + 1} characters long; at most {LOT_LENGTH} fit"),
        RowError(3, f"account is {ACCOUNT_LENGTH + 1} characters long; at most {ACCOUNT_LENGTH} fit"),
        RowError(4, "date 1800-01-01 is before 1900-01-01"),
        RowError(5, "date 2025-07-01 is in the future"),
    ]


def test_holdings_with_over_long_names_and_dates_out_of_range_list_each_row(acme, smith_taxable, securities):
    errors = rejected(
        holdings_import,
        firm=acme,
        filename="holdings.csv",
        content=csv_bytes(
            HOLDINGS_HEADER,
            ("SMITH-1", "AAPL", "1", "100", "2022-01-03", "", "L" * (LOT_LENGTH + 1)),
            ("SMITH-1", "AAPL", "1", "100", "2022-01-03", "A" * (ACCOUNT_LENGTH + 1), ""),
            ("C" * (CLIENT_ID_LENGTH + 1), "AAPL", "1", "100", "2022-01-03", "", ""),
            ("SMITH-1", "AAPL", "1", "100", "1800-01-01", "", ""),
            ("SMITH-1", "AAPL", "1", "100", "2025-07-01", "", ""),
        ),
        today=TODAY,
    )
    assert errors == [
        RowError(2, f"lot is {LOT_LENGTH + 1} characters long; at most {LOT_LENGTH} fit"),
        RowError(3, f"account is {ACCOUNT_LENGTH + 1} characters long; at most {ACCOUNT_LENGTH} fit"),
        RowError(4, f"client_id is {CLIENT_ID_LENGTH + 1} characters long; at most {CLIENT_ID_LENGTH} fit"),
        RowError(5, "acquisition_date 1800-01-01 is before 1900-01-01"),
        RowError(6, "acquisition_date 2025-07-01 is in the future"),
    ]


def test_a_holdings_import_for_a_client_with_the_longest_id_opens_an_account_that_fits(acme, securities):
    longest = ClientFactory(household=HouseholdFactory(firm=acme), external_id="C" * CLIENT_ID_LENGTH, name="N" * 200)
    holdings_import(
        firm=acme,
        filename="holdings.csv",
        content=csv_bytes(HOLDINGS_HEADER[:5], (longest.external_id, "AAPL", "1", "100", "2022-01-03")),
        today=TODAY,
    )
    account = Account.objects.get(owner=longest)
    assert len(account.number) <= ACCOUNT_LENGTH
    assert len(account.name) <= Account._meta.get_field("name").max_length


def test_the_import_command_refuses_a_date_after_the_market_date(tmp_path, smiths, smith_taxable, securities):
    path = tmp_path / "ledger.csv"
    path.write_bytes(csv_bytes(LEDGER_HEADER, ("SM-T", "taxable", "2022-12-21", "buy", "AAPL", "1", "100", "")))
    with pinned(datetime(2022, 12, 20, 21, tzinfo=UTC)), pytest.raises(CommandError, match="row 2: date 2022-12-21"):
        call_command("import_ledger", str(path), "--household", str(smiths.pk))
    assert not Transaction.objects.exists()


# --- the API -----------------------------------------------------------------------------------------------------


@pytest.fixture
def api(alice, jane, securities):
    PriceFactory(security=securities["AAPL"], timestamp=datetime(2022, 12, 28, 21, tzinfo=UTC), price=Decimal(150))
    return bearer(alice)


def holding(**fields: str) -> dict[str, str]:
    return {
        "client_id": "SMITH-1",
        "security_name": "AAPL",
        "quantity": "1",
        "cost_basis": "100",
        "acquisition_date": "2022-01-03",
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"lot": "L" * (LOT_LENGTH + 1)}, "lot"),
        ({"acquisition_date": "1800-01-01"}, "acquisition_date"),
        ({"acquisition_date": "2022-12-29"}, "acquisition_date"),
    ],
)
def test_the_api_refuses_a_holding_out_of_limits_naming_the_field(api, fields, field):
    response = api.post("/api/portfolios", {"holdings": [holding(**fields)]}, format="json")
    assert response.status_code == 400
    assert list(response.json()["holdings"]["0"]) == [field]
    assert not Account.objects.filter(number__startswith="SMITH-1-").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"account_number": "A" * (ACCOUNT_LENGTH + 1)}, "account_number"),
        ({"client_id": "C" * (CLIENT_ID_LENGTH + 1), "client_name": "Eve"}, "client_id"),
        (
            {"client_id": "EVE", "client_name": "Eve", "household_name": "H" * (HOUSEHOLD_NAME_LENGTH + 1)},
            "household_name",
        ),
    ],
)
def test_the_api_refuses_an_over_long_name_naming_the_field(api, fields, field):
    response = api.post("/api/portfolios", {"holdings": [], **fields}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Household.objects.exclude(name="Smith Family").exists()
