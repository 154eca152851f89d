"""POST /api/portfolios and GET /api/portfolios/{id}: the brief's holdings in, lots valued out."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portfolios.models import Account, Action, Household, ImportBatch, Role, TaxLot, Transaction
from tests.api_clients import bearer
from tests.factories import ClientFactory, PriceFactory, UserFactory

CLOSE = datetime(2022, 12, 28, 21, 0, tzinfo=UTC)


@pytest.fixture
def closes(securities):
    PriceFactory(security=securities["AAPL"], timestamp=CLOSE, price=Decimal("150.00"))
    PriceFactory(security=securities["MSFT"], timestamp=CLOSE, price=Decimal("240.00"))


def holdings(*rows: tuple[str, str, str, str]) -> list[dict[str, str]]:
    return [
        {"client_id": "SMITH-1", "security_name": name, "quantity": qty, "cost_basis": basis, "acquisition_date": day}
        for name, qty, basis, day in rows
    ]


BRIEF = holdings(("AAPL", "10", "1800.00", "2021-06-01"), ("Microsoft Corp.", "5.5", "1650.25", "2022-09-01"))


def test_an_advisor_creates_a_portfolio_from_the_briefs_holdings_and_reads_it_valued(alice, jane, closes):
    api = bearer(alice)
    response = api.post("/api/portfolios", {"holdings": BRIEF}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    account = Account.objects.get(pk=body["id"])
    assert response["Location"] == f"/api/portfolios/{account.pk}"
    assert (account.owner, account.number, account.account_type) == (jane, "SMITH-1-TAXABLE", "taxable")
    assert body["client_id"] == "SMITH-1"
    assert body["household"] == {"id": jane.household_id, "name": "Smith Family"}
    # AAPL: 10 x 150 = 1,500.00 against 1,800.00; MSFT: 5.5 x 240 = 1,320.00 against 1,650.25.
    assert (body["market_value"], body["cost_basis"], body["unrealized_gain"]) == ("2820.00", "3450.25", "-630.25")
    assert body["priced_at"] == "2022-12-28T16:00:00-05:00"
    aapl, msft = body["lots"]
    assert (aapl["security"], aapl["quantity"], aapl["cost_basis"], aapl["acquisition_date"]) == (
        "AAPL", "10.00000000", "1800.00", "2021-06-01",
    )  # fmt: skip
    assert (aapl["market_value"], aapl["unrealized_gain"], aapl["term"], aapl["days_to_long_term"]) == (
        "1500.00", "-300.00", "long", 0,
    )  # fmt: skip
    assert (msft["security_name"], msft["quantity"], msft["unrealized_gain"], msft["term"]) == (
        "Microsoft Corp.", "5.50000000", "-330.25", "short",
    )  # fmt: skip
    assert msft["days_to_long_term"] == 248  # long-term from 2023-09-02; the quote is of 2022-12-28
    # The holdings are ledger entries (transfers-in with their own basis and date), recorded as one import.
    assert list(Transaction.objects.filter(account=account).values_list("action", "cost_basis", "acquired_on")) == [
        (Action.TRANSFER_IN, Decimal("1800.00"), date(2021, 6, 1)),
        (Action.TRANSFER_IN, Decimal("1650.25"), date(2022, 9, 1)),
    ]
    batch = ImportBatch.objects.get()
    assert (batch.imported_by, batch.household, batch.row_count) == (alice, jane.household, 2)
    assert api.get(response["Location"]).json() == body


def test_a_second_portfolio_of_a_client_gets_the_next_number_and_may_be_named(alice, jane, closes):
    api = bearer(alice)
    first = api.post("/api/portfolios", {"client_id": "smith-1", "holdings": []}, format="json")
    second = api.post(
        "/api/portfolios",
        {"client_id": "SMITH-1", "account_type": "roth_ira", "name": "Jane's Roth", "holdings": BRIEF[:1]},
        format="json",
    )
    third = api.post("/api/portfolios", {"client_id": "SMITH-1", "holdings": []}, format="json")
    assert [r.status_code for r in (first, second, third)] == [201, 201, 201]
    assert [r.json()["account_number"] for r in (first, second, third)] == [
        "SMITH-1-TAXABLE", "SMITH-1-ROTH_IRA", "SMITH-1-TAXABLE-2",
    ]  # fmt: skip
    assert (first.json()["lots"], first.json()["market_value"]) == ([], "0.00")
    assert (second.json()["name"], second.json()["account_type"]) == ("Jane's Roth", "roth_ira")


def test_invalid_holdings_are_refused_with_a_message_per_field_and_nothing_is_written(alice, jane, closes):
    bad = holdings(
        ("NOPE", "10", "100", "2021-01-04"),
        ("AAPL", "-1", "100", "2021-01-04"),
        ("AAPL", "1.123456789", "100.001", "2023-01-02"),
        ("SPX", "1", "100", "2021-01-04"),
    )
    response = bearer(alice).post("/api/portfolios", {"holdings": bad}, format="json")
    assert response.status_code == 400
    errors = response.json()["holdings"]  # by the holding's index in the list
    assert errors["0"] == {"security_name": ["unknown security 'NOPE': add it in the admin first"]}
    assert errors["1"] == {"quantity": ["Must be more than zero."]}
    assert errors["2"] == {
        "quantity": ["Ensure that there are no more than 8 decimal places."],
        "cost_basis": ["Ensure that there are no more than 2 decimal places."],
        "acquisition_date": ["2023-01-02 is in the future."],
    }
    assert errors["3"] == {"security_name": ["SPX is an index and cannot be held"]}
    assert (Account.objects.count(), Transaction.objects.count(), ImportBatch.objects.count()) == (0, 0, 0)


def test_a_missing_field_and_a_body_that_is_not_an_object_are_400s(alice, jane):
    api = bearer(alice)
    response = api.post("/api/portfolios", {"holdings": [{"client_id": "SMITH-1"}]}, format="json")
    assert response.status_code == 400
    assert set(response.json()["holdings"]["0"]) == {"security_name", "quantity", "cost_basis", "acquisition_date"}
    assert api.post("/api/portfolios", [1, 2], format="json").status_code == 400
    malformed = api.post("/api/portfolios", "{not json", content_type="application/json")
    assert malformed.status_code == 400
    assert malformed.json()["detail"].startswith("JSON parse error")


def test_a_portfolio_belongs_to_one_client(alice, jane, john, securities):
    mixed = [BRIEF[0], {**BRIEF[1], "client_id": "SMITH-2"}]
    response = bearer(alice).post("/api/portfolios", {"holdings": mixed}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "client_id": ["Give the client who owns the portfolio (the holdings name none, or several)."]
    }
    response = bearer(alice).post("/api/portfolios", {"client_id": "SMITH-1", "holdings": mixed}, format="json")
    assert response.json() == {
        "holdings": ["Every holding of this portfolio belongs to client SMITH-1; some name another."]
    }


def test_an_account_number_is_unique_in_the_household(alice, jane, smith_taxable):
    response = bearer(alice).post(
        "/api/portfolios", {"client_id": "SMITH-1", "account_number": "SM-T", "holdings": []}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["account_number"] == ["Smith Family already has an account SM-T."]


def test_a_client_of_another_firm_or_household_is_unknown(alice, jane, other_firm, acme):
    ClientFactory(household__firm=other_firm, external_id="OTHER-1")
    ClientFactory(household__firm=acme, external_id="ACME-9")  # a household alice does not serve
    for client_id in ("OTHER-1", "ACME-9", "NOBODY"):
        response = bearer(alice).post("/api/portfolios", {"client_id": client_id, "holdings": []}, format="json")
        assert response.status_code == 404
        assert response.json() == {
            "detail": f"No such client: {client_id!r} is not one of your households' (give client_name to add one)."
        }
    assert Account.objects.count() == 0


def test_a_new_client_gets_a_new_household_served_by_the_advisor(alice, closes):
    unnamed = {name: value for name, value in BRIEF[0].items() if name != "client_id"}
    response = bearer(alice).post(
        "/api/portfolios",
        {"client_id": "NEW-1", "client_name": "Ann Lee", "household_name": "Lee Family", "holdings": [unnamed]},
        format="json",
    )
    assert response.status_code == 201
    household = Household.objects.get(name="Lee Family")
    assert list(household.advisors.all()) == [alice]
    assert household.clients.get().external_id == "NEW-1"
    assert response.json()["lots"][0]["market_value"] == "1500.00"
    again = bearer(alice).post(
        "/api/portfolios",
        {"client_id": "NEW-2", "client_name": "Bo Lee", "household_name": "lee family"},
        format="json",
    )
    assert again.status_code == 400
    assert again.json()["household_name"] == ["Your firm already has a household named 'lee family'."]


def test_only_those_who_serve_the_household_see_a_portfolio(alice, bob, carol, mallory, smith_taxable, jane):
    url = f"/api/portfolios/{smith_taxable.pk}"
    assert bearer(alice).get(url).status_code == 200
    assert bearer(bob).get(url).status_code == 200  # the firm admin sees the whole firm
    for outsider in (carol, mallory):
        response = bearer(outsider).get(url)
        assert (response.status_code, response.json()) == (404, {"detail": "No such portfolio."})
    assert bearer(alice).get("/api/portfolios/999999").status_code == 404
    assert bearer(alice).get(f"/api/portfolios/{2**70}").status_code == 404


def test_a_client_login_and_an_anonymous_caller_are_refused(jane, smith_taxable):
    client_login = UserFactory(firm=jane.household.firm, email="jane@smith.example", role=Role.CLIENT, client=jane)
    url = f"/api/portfolios/{smith_taxable.pk}"
    refused = bearer(client_login).get(url)
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("The API is for advisors and firm admins")
    from rest_framework.test import APIClient

    anonymous = APIClient().get(url)
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == 'Bearer realm="api"'


def test_the_session_of_a_signed_in_advisor_works_too(alice, smith_taxable, jane, closes):
    from rest_framework.test import APIClient

    api = APIClient(enforce_csrf_checks=True)
    api.force_login(alice)
    assert api.get(f"/api/portfolios/{smith_taxable.pk}").json()["account_number"] == "SM-T"
    # A POST with the session needs the CSRF token, as every portal form does.
    refused = api.post("/api/portfolios", {"client_id": "SMITH-1", "holdings": []}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert TaxLot.objects.count() == 0


def test_a_cost_per_share_beyond_the_ledgers_price_column_is_a_field_error(alice, jane, closes):
    tiny = holdings(("AAPL", "0.00000001", "9999999999999.99", "2021-01-04"))
    response = bearer(alice).post("/api/portfolios", {"holdings": tiny}, format="json")
    assert response.status_code == 400
    assert response.json()["holdings"]["0"] == {
        "cost_basis": ["cost_basis 9999999999999.99 for 1E-8 shares is more than $1,000,000,000,000 a share"]
    }


def test_totals_larger_than_one_lot_may_hold_are_still_exact(alice, jane, closes):
    big = holdings(*[("AAPL", "1000000", "9999999999999.99", "2021-01-04")] * 3)
    response = bearer(alice).post("/api/portfolios", {"holdings": big}, format="json")
    assert response.status_code == 201
    # 3,000,000 shares at 150 = 450,000,000.00 against three bases of 9,999,999,999,999.99: 16 digits.
    assert (response.json()["cost_basis"], response.json()["market_value"]) == (
        "29999999999999.97", "450000000.00",
    )  # fmt: skip
    assert response.json()["unrealized_gain"] == "-29999549999999.97"
    too_many = holdings(("AAPL", "10000000", "99999999999999.99", "2021-01-04"))
    response = bearer(alice).post("/api/portfolios", {"holdings": too_many}, format="json")
    assert response.json()["holdings"]["0"] == {
        "quantity": ["Ensure that there are no more than 7 digits before the decimal point."],
        "cost_basis": ["Ensure that there are no more than 15 digits in total."],
    }


def test_a_market_clock_behind_the_newest_price_values_lots_at_its_own_time(alice, jane, closes, securities):
    from brokers.market_clock import pinned

    PriceFactory(security=securities["AAPL"], timestamp=datetime(2022, 12, 27, 21, 0, tzinfo=UTC), price=Decimal("140"))
    api = bearer(alice)
    created = api.post("/api/portfolios", {"holdings": BRIEF[:1]}, format="json").json()
    with pinned(datetime(2022, 12, 27, 21, 30, tzinfo=UTC)):
        earlier = api.get(f"/api/portfolios/{created['id']}").json()
    assert (created["market_value"], earlier["market_value"]) == ("1500.00", "1400.00")
    assert earlier["lots"][0]["priced_at"] == "2022-12-27T16:00:00-05:00"


def test_reading_a_portfolio_takes_five_queries_however_many_lots(
    alice, jane, closes, securities, django_assert_num_queries
):
    api = bearer(alice)
    many = holdings(*[("AAPL", "1", "100", "2021-01-04"), ("MSFT", "1", "300", "2021-01-04")] * 10)
    portfolio_id = api.post("/api/portfolios", {"holdings": many}, format="json").json()["id"]
    # The user, the account (scoped to alice's households), its lots with their latest prices, the market clock.
    with django_assert_num_queries(5):
        assert len(api.get(f"/api/portfolios/{portfolio_id}").json()["lots"]) == 20
