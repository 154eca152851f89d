"""The advisor's household pages: what each persona sees, and that outsiders see nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from portfolios.models import Action, Transaction
from portfolios.services import household_rebuild_lots
from tests.factories import HouseholdFactory, PriceFactory


@pytest.fixture
def smiths_with_lots(smiths, smith_taxable, smith_ira, securities):
    aapl = securities["AAPL"]
    Transaction.objects.create(
        account=smith_taxable,
        security=aapl,
        action=Action.BUY,
        trade_date=date(2022, 1, 3),
        quantity=Decimal("10"),
        price=Decimal("180.00"),
        fees=Decimal("1.00"),
    )
    Transaction.objects.create(
        account=smith_ira,
        security=aapl,
        action=Action.BUY,
        trade_date=date(2021, 12, 1),
        quantity=Decimal("2.5"),
        price=Decimal("160.00"),
    )
    household_rebuild_lots(household=smiths)
    PriceFactory(security=aapl, timestamp=datetime(2022, 12, 28, 21, 0, tzinfo=UTC), price=Decimal("125.674"))
    PriceFactory(security=aapl, timestamp=datetime(2022, 12, 27, 21, 0, tzinfo=UTC), price=Decimal("129.652"))
    return smiths


def signed_in(user) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


def test_anonymous_visitors_are_sent_to_sign_in(smiths):
    response = HttpClient().get(reverse("portfolios:household_detail", args=[smiths.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_advisor_lists_the_households_they_serve(alice, smiths, acme):
    HouseholdFactory(firm=acme, name="Jones Family")
    response = signed_in(alice).get(reverse("portfolios:household_list"))
    assert response.status_code == 200
    assert "Smith Family" in response.text
    assert "Jones Family" not in response.text
    assert "Alice Adams" in response.text


def test_the_list_with_hx_request_returns_only_the_table(alice, smiths):
    response = signed_in(alice).get(reverse("portfolios:household_list"), {"q": "smi"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="household-table"')
    assert "<html" not in response.text
    assert "Smith Family" in response.text


def test_the_list_search_says_when_nothing_matches(alice, smiths):
    response = signed_in(alice).get(reverse("portfolios:household_list"), {"q": "zzz"})
    assert "No household matches “zzz”." in response.text


def test_a_firm_admin_lists_every_household_of_the_firm(bob, smiths, acme, other_firm):
    HouseholdFactory(firm=acme, name="Jones Family")
    HouseholdFactory(firm=other_firm, name="Outsider Family")
    response = signed_in(bob).get(reverse("portfolios:household_list"))
    assert "Smith Family" in response.text
    assert "Jones Family" in response.text
    assert "Outsider Family" not in response.text


def test_the_household_page_shows_lots_valued_at_the_latest_close(alice, smiths_with_lots):
    response = signed_in(alice).get(reverse("portfolios:household_detail", args=[smiths_with_lots.pk]))
    assert response.status_code == 200
    page = response.text
    # 10 AAPL bought at $180 + $1 fee = $1,801.00; worth 10 x 125.674 = $1,256.74 on 2022-12-28.
    assert "$1,801.00" in page
    assert "$1,256.74" in page
    assert '<td class="num loss">-$544.26</td>' in page
    # 2.5 shares in John's IRA: basis $400.00, worth $314.19 (314.185 rounded half up).
    assert "$400.00" in page
    assert "$314.19" in page
    assert "-$85.81" in page
    # Bought 2022-01-03, valued 2022-12-28: short-term, 7 days to long-term (long on 2023-01-04).
    assert "(7 d to long)" in page


def test_the_household_page_sums_the_household_and_counts_only_taxable_losses(alice, smiths_with_lots):
    page = signed_in(alice).get(reverse("portfolios:household_detail", args=[smiths_with_lots.pk])).text
    summary = page[page.index('class="figures summary"') : page.index("</dl>")]
    assert "<dd>$1,570.93</dd>" in summary  # 1,256.74 + 314.19
    assert "<dd>$2,201.00</dd>" in summary  # 1,801.00 + 400.00
    assert '<dd class="loss">-$630.07</dd>' in summary
    assert '<dd class="loss">-$544.26</dd>' in summary  # the IRA's -$85.81 cannot be harvested
    assert "<dd>Dec 28, 2022 4:00 PM</dd>" in summary  # the close, in New York time
    assert page.index("SM-T") < page.index("SM-IRA")  # taxable accounts first


def test_the_household_page_lists_in_a_bounded_number_of_queries(
    alice, smiths_with_lots, django_assert_max_num_queries
):
    client = signed_in(alice)
    # 2 read the market clock, 3 the wash-sale windows (purchases made and planned, blocked lots), 2 the client
    # reports section (the reports, the clients and their logins): none per lot
    with django_assert_max_num_queries(16):
        client.get(reverse("portfolios:household_detail", args=[smiths_with_lots.pk]))


def test_the_household_list_does_not_query_per_household(alice, acme, django_assert_max_num_queries):
    for n in range(15):
        HouseholdFactory(firm=acme, name=f"Family {n}").advisors.add(alice)
    client = signed_in(alice)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("portfolios:household_list"))
    assert response.text.count("Family ") >= 15


@pytest.mark.parametrize("persona", ["carol", "mallory"])
def test_an_advisor_who_does_not_serve_the_household_gets_404(persona, request, smiths_with_lots):
    user = request.getfixturevalue(persona)
    client = signed_in(user)
    assert client.get(reverse("portfolios:household_detail", args=[smiths_with_lots.pk])).status_code == 404
    assert "Smith Family" not in client.get(reverse("portfolios:household_list")).text


def test_a_firm_admin_of_another_firm_gets_404(other_firm, smiths):
    from tests.factories import UserFactory

    outsider_admin = UserFactory(firm=other_firm, role="firm_admin", is_staff=True, authenticator_app=True)
    response = signed_in(outsider_admin).get(reverse("portfolios:household_detail", args=[smiths.pk]))
    assert response.status_code == 404


def test_a_firm_admin_opens_any_household_of_the_firm(bob, smiths_with_lots):
    response = signed_in(bob).get(reverse("portfolios:household_detail", args=[smiths_with_lots.pk]))
    assert response.status_code == 200
    assert "Jane Smith" in response.text


def test_an_unknown_household_is_404(alice):
    assert signed_in(alice).get(reverse("portfolios:household_detail", args=[999999])).status_code == 404


def test_a_wash_sale_adjusted_lot_shows_its_adjustment(alice, smiths, smith_taxable, securities):
    for action, day, quantity, price in [
        ("buy", date(2022, 1, 3), "10", "180"),
        ("sell", date(2022, 2, 1), "10", "170"),
        ("buy", date(2022, 2, 10), "10", "172"),
    ]:
        Transaction.objects.create(
            account=smith_taxable,
            security=securities["AAPL"],
            action=action,
            trade_date=day,
            quantity=Decimal(quantity),
            price=Decimal(price),
        )
    household_rebuild_lots(household=smiths)
    page = signed_in(alice).get(reverse("portfolios:household_detail", args=[smiths.pk])).text
    assert "$1,820.00" in page  # 1,720 + the $100 loss disallowed
    assert "incl. $100.00 wash sale" in page
    assert "Jan 12, 2022" in page  # held 29 days, so the holding period starts 29 days before Feb 10


def test_a_simulated_price_is_tagged_on_the_household_page(alice, smiths_with_lots, securities, settings):
    settings.MONITOR_ENABLED = False
    from brokers.market_data import Tick
    from portfolios.price_store import prices_ingest

    midday = datetime(2022, 12, 29, 17, 0, tzinfo=UTC)  # 12:00 in New York, after the Dec 28 close
    prices_ingest([Tick("AAPL", midday, Decimal("120.00"), simulated=True)])
    page = signed_in(alice).get(reverse("portfolios:household_detail", args=[smiths_with_lots.pk])).text
    summary = page[page.index('class="figures summary"') : page.index("</dl>")]
    assert "Dec 29, 2022 12:00 PM" in summary
    assert 'class="tag sim"' in summary
    sim_tag = '<span class="tag sim" title="Simulated between two real closes by the replay feed">sim</span>'
    assert f"$120.00 {sim_tag}" in page
    assert "$1,200.00" in page  # 10 shares at the simulated 120.00


def test_real_prices_carry_no_simulated_tag(alice, smiths_with_lots):
    page = signed_in(alice).get(reverse("portfolios:household_detail", args=[smiths_with_lots.pk])).text
    assert 'class="tag sim"' not in page
