"""Form 8949 and transactions CSV downloads: the figures to the cent, the round trip through ``manage.py ledger``,
who may download them, and the audit row each download leaves.

The Smiths' ledger (imported from smiths-ledger.csv, except the last sale, a harvest order's fill):

    2021-03-01  SM-T    buy       10 MSFT at 300     M1
    2022-01-03  SM-T    buy      100 AAPL at 180     A1
    2022-02-01  SM-IRA  buy        5 MSFT at 250     I1
    2022-03-15  SM-T    reinvest   0.125 MSFT at 288.40
    2022-06-01  SM-T    sell     100 AAPL at 150     A1   loss 3,000.00; A2 replaces 50 shares: W 1,500.00
    2022-06-15  SM-T    buy       50 AAPL at 155     A2   basis 7,750.00 + 1,500.00, held from 2022-01-17
    2022-09-01  SM-IRA  sell       5 MSFT at 240          in the IRA: not on Form 8949
    2022-11-01  SM-T    sell       4 MSFT at 330     M1   fees 1.25: 1,318.75 - 1,200.00 = 118.75, long
    2023-02-01  SM-T    sell      50 AAPL at 170     A2   8,500.00 - 9,250.00 = -750.00, long (from 2022-01-17)

A2's holding period starts 149 days (A1's, 2022-01-03 to 2022-06-01) before 2022-06-15: 2022-01-17.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.http import Http404
from django.test import Client as HttpClient
from django.urls import reverse

from harvesting.models import HarvestRun, Opportunity, OpportunityStatus, Order, OrderStatus
from portfolios.importers import ledger_import
from portfolios.ledger import replay_household
from portfolios.models import Account, Action, Client, Household, Role, Security, Transaction, User
from reporting.export_views import form8949_download, transactions_download
from reporting.exports import form8949_csv, transactions_csv
from reporting.models import DownloadEvent, DownloadKind
from taxharvest.errors import ApplicationError
from tests.factories import HouseholdFactory, UserFactory

HEAD = "account,account_type,date,action,symbol,quantity,price,lot,fees\n"
FORM_8949_HEAD = "account,symbol,quantity,date_acquired,date_sold,proceeds,cost_basis,code,adjustment,gain_loss,term"
TRANSACTIONS_HEAD = "account,account_type,date,action,symbol,quantity,price,lot,fees,cost_basis,acquisition_date,source"
SMITHS_LEDGER = (
    HEAD
    + "SM-T,taxable,2021-03-01,buy,MSFT,10,300,M1,0\n"
    + "SM-T,taxable,2022-01-03,buy,AAPL,100,180,A1,0\n"
    + "SM-IRA,traditional_ira,2022-02-01,buy,MSFT,5,250,I1,0\n"
    + "SM-T,taxable,2022-03-15,reinvest,MSFT,0.125,288.40,,0\n"
    + "SM-T,taxable,2022-06-01,sell,AAPL,100,150,A1,0\n"
    + "SM-T,taxable,2022-06-15,buy,AAPL,50,155,A2,0\n"
    + "SM-IRA,traditional_ira,2022-09-01,sell,MSFT,5,240,,0\n"
    + "SM-T,taxable,2022-11-01,sell,MSFT,4,330,M1,1.25\n"
)


def signed_in(user: User) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


def load(household: Household, filename: str, text: str) -> None:
    ledger_import(household=household, filename=filename, content=text.encode(), today=date(2026, 1, 1))


def form8949_url(household: Household, year: int) -> str:
    return reverse("reporting:form8949_csv", args=[household.pk, year])


def transactions_url(household: Household, year: int) -> str:
    return reverse("reporting:transactions_csv", args=[household.pk, year])


def lines(text: str) -> list[str]:
    assert text.endswith("\n")
    return text.split("\n")[:-1]


@pytest.fixture
def smith_ledger(smiths: Household, smith_taxable: Account, smith_ira: Account, securities: dict[str, Security]):
    load(smiths, "smiths-ledger.csv", SMITHS_LEDGER)
    return smiths


@pytest.fixture
def harvest_fill(smith_ledger: Household, smith_taxable: Account, securities: dict[str, Security]) -> Transaction:
    """The 2023 sale of A2, as a filled harvest order records it (``harvesting.execution``)."""
    aapl = securities["AAPL"]
    fill = Transaction.objects.create(
        account=smith_taxable,
        security=aapl,
        action=Action.SELL,
        trade_date=date(2023, 2, 1),
        quantity=Decimal("50"),
        price=Decimal("170"),
        lot_name="A2",
    )
    run = HarvestRun.objects.create(firm=smith_ledger.firm, household=smith_ledger)
    opportunity = Opportunity.objects.create(
        run=run,
        household=smith_ledger,
        account_number="SM-T",
        security=aapl,
        lot_name="A2",
        quantity=Decimal("50"),
        price=Decimal("170"),
        loss=Decimal("750.00"),
        term="long",
        tax_value=Decimal("150.00"),
        costs=Decimal("0.00"),
        net_benefit=Decimal("150.00"),
        expires_at=datetime(2023, 2, 2, tzinfo=UTC),
        status=OpportunityStatus.EXECUTED,
    )
    Order.objects.create(
        opportunity=opportunity,
        account=smith_taxable,
        security=aapl,
        side="sell",
        quantity=Decimal("50"),
        lot_name="A2",
        client_order_id="th-smiths-a2-0001",
        status=OrderStatus.FILLED,
        broker="paper",
        filled_quantity=Decimal("50"),
        average_price=Decimal("170"),
        transaction=fill,
    )
    return fill


@pytest.fixture
def msft_transferred_in(smith_ledger: Household, smith_taxable: Account, securities: dict[str, Security]):
    """A transfer-in (entered in the admin, say): it brings its own basis and acquisition date."""
    return Transaction.objects.create(
        account=smith_taxable,
        security=securities["MSFT"],
        action=Action.TRANSFER_IN,
        trade_date=date(2022, 4, 1),
        quantity=Decimal("3"),
        price=Decimal("95.12"),
        cost_basis=Decimal("285.36"),
        acquired_on=date(2015, 5, 11),
        lot_name="T1",
    )


@pytest.fixture
def smith_login(acme, jane: Client) -> User:
    """Jane's own login: she sees her reports, never the advisor's downloads."""
    return UserFactory(firm=acme, email="jane@smith.example", role=Role.CLIENT, client=jane)


# --- Form 8949 -----------------------------------------------------------------------------------------------


def test_it_reports_the_years_taxable_sales_with_the_wash_sale_adjustment(smith_ledger, harvest_fill):
    assert lines(form8949_csv(smith_ledger, 2022)) == [
        FORM_8949_HEAD,
        "SM-T,AAPL,100,2022-01-03,2022-06-01,15000.00,18000.00,W,1500.00,-1500.00,short",
        "SM-T,MSFT,4,2021-03-01,2022-11-01,1318.75,1200.00,,0.00,118.75,long",
    ]


def test_a_replacements_sale_next_year_carries_the_added_basis_and_holding_period(smith_ledger, harvest_fill):
    assert lines(form8949_csv(smith_ledger, 2023)) == [
        FORM_8949_HEAD,
        "SM-T,AAPL,50,2022-01-17,2023-02-01,8500.00,9250.00,,0.00,-750.00,long",
    ]


def test_a_year_without_sales_is_the_header_alone(smith_ledger):
    assert form8949_csv(smith_ledger, 2021) == FORM_8949_HEAD + "\n"


def test_a_loss_replaced_in_the_ira_is_disallowed_for_good(smiths, smith_taxable, smith_ira, securities):
    load(
        smiths,
        "ira-replacement.csv",
        HEAD
        + "SM-T,taxable,2022-01-03,buy,AAPL,100,180,A1,0\n"
        + "SM-T,taxable,2022-06-01,sell,AAPL,100,150,A1,0\n"
        + "SM-IRA,traditional_ira,2022-06-10,buy,AAPL,40,155,I1,0\n",
    )

    # 40 of the 100 shares are replaced: 1,200.00 of the 3,000.00 loss is disallowed, code W, as for any wash
    # sale; only 1,800.00 is deductible.
    assert lines(form8949_csv(smiths, 2022)) == [
        FORM_8949_HEAD,
        "SM-T,AAPL,100,2022-01-03,2022-06-01,15000.00,18000.00,W,1200.00,-1800.00,short",
    ]
    # ...and the IRA lot does not take it into its basis (Rev. Rul. 2008-5): the 1,200.00 is lost.
    replay = replay_household(smiths).replay
    [wash] = replay.wash_sales
    assert (wash.replacement_account, wash.shares, wash.disallowed, wash.permanent) == (
        "SM-IRA",
        Decimal("40"),
        Decimal("1200.00"),
        True,
    )
    [ira_lot] = replay.open_lots
    assert (ira_lot.account, ira_lot.cost_basis, ira_lot.adjustment, ira_lot.holding_start) == (
        "SM-IRA",
        Decimal("6200.00"),
        Decimal("0"),
        date(2022, 6, 10),
    )


def test_a_ledger_that_cannot_be_replayed_is_refused_with_the_bad_transaction(smith_ledger, smith_taxable, securities):
    Transaction.objects.create(
        account=smith_taxable,
        security=securities["AAPL"],
        action=Action.SELL,
        trade_date=date(2022, 12, 1),
        quantity=Decimal("500"),
        price=Decimal("140"),
    )

    with pytest.raises(ApplicationError) as caught:
        form8949_csv(smith_ledger, 2022)

    assert caught.value.message == (
        "The ledger of Smith Family cannot be replayed, so its Form 8949 cannot be prepared. "
        "Correct these transactions first:\n"
        "  2022-12-01 sell 500 AAPL in SM-T: sells 500 AAPL in SM-T but only 50 are held"
    )


# --- transactions --------------------------------------------------------------------------------------------


def test_it_writes_the_years_transactions_as_a_ledger_file(smith_ledger, msft_transferred_in):

    assert lines(transactions_csv(smith_ledger, 2022)) == [
        TRANSACTIONS_HEAD,
        "SM-T,taxable,2022-01-03,buy,AAPL,100,180,A1,0.00,,,import smiths-ledger.csv",
        "SM-IRA,traditional_ira,2022-02-01,buy,MSFT,5,250,I1,0.00,,,import smiths-ledger.csv",
        "SM-T,taxable,2022-03-15,reinvest,MSFT,0.125,288.4,,0.00,,,import smiths-ledger.csv",
        "SM-T,taxable,2022-04-01,transfer_in,MSFT,3,95.12,T1,0.00,285.36,2015-05-11,",
        "SM-T,taxable,2022-06-01,sell,AAPL,100,150,A1,0.00,,,import smiths-ledger.csv",
        "SM-T,taxable,2022-06-15,buy,AAPL,50,155,A2,0.00,,,import smiths-ledger.csv",
        "SM-IRA,traditional_ira,2022-09-01,sell,MSFT,5,240,,0.00,,,import smiths-ledger.csv",
        "SM-T,taxable,2022-11-01,sell,MSFT,4,330,M1,1.25,,,import smiths-ledger.csv",
    ]


def test_a_harvest_orders_fill_names_the_order(smith_ledger, harvest_fill):
    assert lines(transactions_csv(smith_ledger, 2023)) == [
        TRANSACTIONS_HEAD,
        "SM-T,taxable,2023-02-01,sell,AAPL,50,170,A2,0.00,,,order th-smiths-a2-0001",
    ]


def test_same_day_transactions_keep_the_order_they_were_recorded_in(smiths, smith_taxable, securities):
    load(
        smiths,
        "same-day.csv",
        HEAD + "SM-T,taxable,2022-05-02,buy,MSFT,2,250,,0\n" + "SM-T,taxable,2022-05-02,sell,MSFT,2,251,,0\n",
    )

    assert [line.split(",")[3] for line in lines(transactions_csv(smiths, 2022))[1:]] == ["buy", "sell"]


def test_the_transactions_file_takes_one_query(smith_ledger, harvest_fill, django_assert_num_queries):
    with django_assert_num_queries(1):
        transactions_csv(smith_ledger, 2023)


def test_the_transactions_of_a_ledger_that_cannot_be_replayed_can_still_be_taken(
    smith_ledger, smith_taxable, securities
):
    Transaction.objects.create(
        account=smith_taxable,
        security=securities["AAPL"],
        action=Action.SELL,
        trade_date=date(2022, 12, 1),
        quantity=Decimal("500"),
        price=Decimal("140"),
    )

    assert lines(transactions_csv(smith_ledger, 2022))[-1] == "SM-T,taxable,2022-12-01,sell,AAPL,500,140,,0.00,,,"


# --- the round trip through manage.py ledger -----------------------------------------------------------------


def replay_with_ledger_command(client: HttpClient, household: Household, years: range, tmp_path: Path) -> list[str]:
    """Download every year's transactions, join them under one header and run ``manage.py ledger`` on them."""
    files = [client.get(transactions_url(household, year)).content.decode() for year in years]
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(TRANSACTIONS_HEAD + "\n" + "".join(text.split("\n", 1)[1] for text in files))
    form = tmp_path / "form8949.csv"
    call_command("ledger", str(ledger), form8949=form, stdout=io.StringIO())
    return lines(form.read_text())


def test_the_8949_download_is_what_the_ledger_command_makes_of_the_transactions(
    smith_ledger, harvest_fill, alice, tmp_path
):
    client = signed_in(alice)
    command = replay_with_ledger_command(client, smith_ledger, range(2021, 2024), tmp_path)
    assert command[0] == FORM_8949_HEAD
    assert len(command) == 4  # the header and three taxable sale lines

    for year in range(2021, 2024):
        download = lines(client.get(form8949_url(smith_ledger, year)).content.decode())
        assert download == [command[0], *(row for row in command[1:] if row.split(",")[4].startswith(f"{year}-"))]


FORMULA_ACCOUNT = '=HYPERLINK("http://evil.example","x")'
FORMULA_LOT = "@SUM(1+1)*cmd|' /C calc'!A0"
GUARDED_ACCOUNT_CELL = "\"'" + FORMULA_ACCOUNT.replace('"', '""') + '"'  # as the csv module quotes it


@pytest.fixture
def formula_ledger(acme, alice, securities) -> Household:
    """A household whose account and lot names a spreadsheet would run as formulas, with a loss and a wash sale."""
    household = HouseholdFactory(firm=acme, name="-Formula Family")
    household.advisors.add(alice)
    quoted = FORMULA_ACCOUNT.replace('"', '""')
    load(
        household,
        "formula-ledger.csv",
        HEAD
        + f'"{quoted}",taxable,2022-01-03,buy,AAPL,100,180,{FORMULA_LOT},0\n'
        + f'"{quoted}",taxable,2022-06-01,sell,AAPL,100,141.929,{FORMULA_LOT},0\n'
        + f'"{quoted}",taxable,2022-06-15,buy,AAPL,10,150,+A2,0\n'
        + "-SM,taxable,2022-08-01,buy,MSFT,1,250,-1,0\n",
    )
    return household


def test_formula_like_names_are_guarded_and_survive_the_round_trip_through_the_ledger_command(
    formula_ledger, alice, tmp_path
):
    client = signed_in(alice)
    transactions = lines(client.get(transactions_url(formula_ledger, 2022)).content.decode())
    assert transactions[1].startswith(f"{GUARDED_ACCOUNT_CELL},taxable,")
    assert f",'{FORMULA_LOT}," in transactions[1]
    assert transactions[3].endswith(",'+A2,0.00,,,import formula-ledger.csv")
    assert transactions[4].startswith(
        "'-SM,taxable,2022-08-01,buy,MSFT,1,250,-1,0.00,"
    )  # a lot named -1: a number, left as is

    command = replay_with_ledger_command(client, formula_ledger, range(2022, 2023), tmp_path)

    assert command == lines(client.get(form8949_url(formula_ledger, 2022)).content.decode())
    assert command[1].endswith(",W,380.71,-3426.39,short")  # the loss stays a number
    assert command[1].startswith(f"{GUARDED_ACCOUNT_CELL},AAPL,")


def test_an_exported_ledger_with_formula_like_names_re_imports_to_the_same_values(formula_ledger, acme):
    exported = transactions_csv(formula_ledger, 2022)
    twin = HouseholdFactory(firm=acme, name="Twin Family")

    load(twin, "twin.csv", exported)

    def values(household: Household) -> list[tuple[str, str, str]]:
        return list(
            Transaction.objects.filter(account__household=household)
            .order_by("trade_date", "id")
            .values_list("account__number", "lot_name", "price")
        )

    assert values(twin) == values(formula_ledger)
    assert {number for number, _, _ in values(twin)} == {FORMULA_ACCOUNT, "-SM"}


@pytest.mark.xfail(
    raises=CommandError,
    strict=True,
    reason="the ledger reader has no transfer_in (portfolios/csvfields.py LEDGER_ACTIONS, read_ledger_fields and "
    "harvesting/ledger_file.py would have to read cost_basis and acquisition_date)",
)
def test_a_transfer_in_survives_the_round_trip(smith_ledger, msft_transferred_in, alice, tmp_path):
    client = signed_in(alice)

    command = replay_with_ledger_command(client, smith_ledger, range(2021, 2023), tmp_path)

    assert command == lines(client.get(form8949_url(smith_ledger, 2022)).content.decode())


# --- the views: who may download, the audit, the response ----------------------------------------------------


@pytest.mark.parametrize("persona", ["alice", "bob"])
@pytest.mark.parametrize(
    ("url", "kind"), [(form8949_url, DownloadKind.FORM_8949), (transactions_url, DownloadKind.TRANSACTIONS)]
)
def test_the_households_advisor_and_the_firm_admin_download_and_are_recorded(request, smith_ledger, persona, url, kind):
    user = request.getfixturevalue(persona)

    response = signed_in(user).get(url(smith_ledger, 2022), HTTP_USER_AGENT="pytest")

    assert response.status_code == 200
    [event] = DownloadEvent.objects.all()
    assert (event.kind, event.household, event.year, event.user, event.ip_address, event.user_agent) == (
        kind,
        smith_ledger,
        2022,
        user,
        "127.0.0.1",
        "pytest",
    )
    assert event.report is None
    assert event.link is None


@pytest.mark.parametrize("persona", ["carol", "mallory"])
@pytest.mark.parametrize("url", [form8949_url, transactions_url])
def test_anyone_else_gets_404_and_nothing_is_recorded(request, smith_ledger, persona, url):
    response = signed_in(request.getfixturevalue(persona)).get(url(smith_ledger, 2022))

    assert response.status_code == 404
    assert not DownloadEvent.objects.exists()


@pytest.mark.parametrize("url", [form8949_url, transactions_url])
def test_a_client_login_is_sent_to_its_reports_and_the_view_refuses_it_too(rf, smith_ledger, smith_login, url):
    response = signed_in(smith_login).get(url(smith_ledger, 2022))
    assert (response.status_code, response["Location"]) == (302, reverse("reporting:client_home"))
    # Past the middleware, the view itself finds no household for a client login.
    request = rf.get(url(smith_ledger, 2022))
    request.user = smith_login
    view = form8949_download if url is form8949_url else transactions_download
    with pytest.raises(Http404):
        view(request, smith_ledger.pk, 2022)
    assert not DownloadEvent.objects.exists()


@pytest.mark.parametrize("url", [form8949_url, transactions_url])
def test_an_anonymous_visitor_is_sent_to_sign_in(smith_ledger, url):
    response = HttpClient().get(url(smith_ledger, 2022))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login") + "?next=")
    assert not DownloadEvent.objects.exists()


@pytest.mark.parametrize(
    ("url", "filename", "body"),
    [
        (form8949_url, "smith-family-2022-form-8949.csv", form8949_csv),
        (transactions_url, "smith-family-2022-transactions.csv", transactions_csv),
    ],
)
def test_the_file_is_sent_as_a_private_csv_attachment(smith_ledger, alice, url, filename, body):
    response = signed_in(alice).get(url(smith_ledger, 2022))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.decode() == body(smith_ledger, 2022)


def test_the_filename_spells_the_household_in_lowercase_ascii(acme, alice):
    household = HouseholdFactory(firm=acme, name="O'Brien & Zoë")
    household.advisors.add(alice)

    response = signed_in(alice).get(transactions_url(household, 2024))

    assert response["Content-Disposition"] == 'attachment; filename="o-brien---zo-2024-transactions.csv"'
    assert response.content.decode() == TRANSACTIONS_HEAD + "\n"


@pytest.mark.parametrize("year", [1989, 2101])
@pytest.mark.parametrize("url", [form8949_url, transactions_url])
def test_a_year_out_of_range_is_404(smith_ledger, alice, url, year):
    assert signed_in(alice).get(url(smith_ledger, year)).status_code == 404
    assert not DownloadEvent.objects.exists()


@pytest.mark.parametrize("url", [form8949_url, transactions_url])
def test_only_get_is_allowed(smith_ledger, alice, url):
    assert signed_in(alice).post(url(smith_ledger, 2022)).status_code == 405
    assert not DownloadEvent.objects.exists()


def test_a_ledger_that_cannot_be_replayed_is_a_409_with_the_reason_and_is_not_recorded(
    smith_ledger, smith_taxable, securities, alice
):
    Transaction.objects.create(
        account=smith_taxable,
        security=securities["AAPL"],
        action=Action.SELL,
        trade_date=date(2022, 12, 1),
        quantity=Decimal("500"),
        price=Decimal("140"),
    )

    response = signed_in(alice).get(form8949_url(smith_ledger, 2022))

    assert response.status_code == 409
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().endswith(
        "  2022-12-01 sell 500 AAPL in SM-T: sells 500 AAPL in SM-T but only 50 are held"
    )
    assert not DownloadEvent.objects.exists()
