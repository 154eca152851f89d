"""The dashboard: a book's (or one household's) figures to the cent, a paper harvest in this market year's
tiles and on the value chart, the household filter, htmx, isolation and bounded queries.

The small book, valued at Dec 28, 2022's closes (AAPL 140 + day % 3 = 141, MSFT 240 + day % 4 = 240):

    Smiths  SM-T    A1  100 AAPL at 180 on 2022-01-03  short  14,100.00 - 18,000.00 = -3,900.00
            SM-T    M1   10 MSFT at 200 on 2021-06-01  long    2,400.00 -  2,000.00 =    400.00
            SM-T    M2    4 MSFT at 300 on 2021-03-01  long      960.00 -  1,200.00 =   -240.00
            SM-IRA  I1    5 MSFT at 250 on 2022-06-01  short   1,200.00 -  1,250.00 =    -50.00
    Joneses JO-T    J1   50 MSFT at 330 on 2022-01-03  short  12,000.00 - 16,500.00 = -4,500.00

Both households file single with 400,000 of wages in 2025. The scan recommends the Smiths' AAPL and the
Joneses' MSFT (each 3,000 against ordinary income at 35%: 1,050.00); the Smiths' M2 is worth nothing this
year once AAPL has used the $3,000 limit, so it is open but not recommended, and not counted.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from brokers import paper
from brokers.market_clock import pinned
from harvesting.models import Opportunity, Order
from harvesting.scanning import scan_start
from portfolios.importers import ledger_import
from portfolios.models import Household, RealizedSale, User
from taxprofiles.models import TaxProfile
from tests.factories import HouseholdFactory, PriceFactory

CLOSE = datetime(2022, 12, 28, 21, 0, tzinfo=UTC)
HEAD = b"account,account_type,date,action,symbol,quantity,price,lot\n"
DASHBOARD = reverse("reporting:dashboard")
TILES = ("assets", "unrealized", "open-opportunities", "open-tax-value", "harvests-ytd", "realized-ytd", "savings-ytd")


def text_of(page: str, testid: str) -> str:
    """The text of the element marked ``data-testid=testid``: tags dropped, entities decoded, spaces collapsed."""
    match = re.search(rf'<(\w+)[^>]*\bdata-testid="{re.escape(testid)}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, f"nothing marked {testid!r} on the page"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(2))).split())


def tiles(page: str) -> dict[str, str]:
    return {name: text_of(page, name) for name in TILES}


def unrealized_split(page: str) -> str:
    """The unrealized tile's line under the figure: short gains / losses · long gains / losses."""
    tile = page.split('data-testid="unrealized"')[1].split('<span class="sub">', 1)[1].split("</div>")[0]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", tile)).split())


def signed_in(user: User) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def honest_paper_broker(monkeypatch):
    monkeypatch.setattr(paper, "behaviour", paper.PaperBehaviour())


@pytest.fixture(autouse=True)
def _empty_cache():
    """The value series is cached by the newest row ids, which a rolled-back test can hand out again."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def closes(securities):
    for day in range(1, 29):
        stamp = CLOSE.replace(day=day)
        PriceFactory(security=securities["AAPL"], timestamp=stamp, price=Decimal(140 + day % 3))
        PriceFactory(security=securities["MSFT"], timestamp=stamp, price=Decimal(240 + day % 4))


def book(household: Household, rows: bytes, capture) -> None:
    ledger_import(household=household, filename="l.csv", content=HEAD + rows, today=date(2026, 1, 1))
    TaxProfile.objects.create(household=household, tax_year=2025, filing_status="single", wages=Decimal("400000"))
    with capture(execute=True):
        scan_start(firm=household.firm, household=household)


@pytest.fixture
def smith_book(smiths, smith_taxable, smith_ira, closes, django_capture_on_commit_callbacks) -> Household:
    book(
        smiths,
        b"SM-T,taxable,2022-01-03,buy,AAPL,100,180,A1\n"
        b"SM-T,taxable,2021-06-01,buy,MSFT,10,200,M1\n"
        b"SM-T,taxable,2021-03-01,buy,MSFT,4,300,M2\n"
        b"SM-IRA,traditional_ira,2022-06-01,buy,MSFT,5,250,I1\n",
        django_capture_on_commit_callbacks,
    )
    return smiths


@pytest.fixture
def jones_book(acme, alice, closes, django_capture_on_commit_callbacks) -> Household:
    joneses = HouseholdFactory(firm=acme, name="Jones Family")
    joneses.advisors.add(alice)
    book(joneses, b"JO-T,taxable,2022-01-03,buy,MSFT,50,330,J1\n", django_capture_on_commit_callbacks)
    return joneses


@pytest.fixture
def bob_with_app(bob: User) -> User:
    """Firm admins must have an authenticator app (taxharvest.mfa): make sure bob has one."""
    if not Authenticator.objects.filter(user=bob, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(bob, generate_totp_secret())
    return bob


def harvest_smith_aapl(user: User, capture) -> Order:
    opportunity = Opportunity.objects.get(security__symbol="AAPL", status="open")
    with capture(execute=True):
        signed_in(user).post(reverse("harvesting:opportunity_approve", args=[opportunity.pk]))
    return Order.objects.get(side="sell")


def test_the_scan_found_what_the_book_says(smith_book, jones_book):
    found = {
        (o.household.name, o.lot_name): (o.status, o.explanation["action"], o.tax_value)
        for o in Opportunity.objects.select_related("household")
    }
    assert found == {
        ("Smith Family", "A1"): ("open", "harvest", Decimal("1050.00")),
        # The plan buys MSFT to replace AAPL: selling M2 at a loss with it would wash (no cross-swap).
        ("Smith Family", "M2"): ("blocked", "blocked", Decimal("0.00")),
        ("Jones Family", "J1"): ("open", "harvest", Decimal("1050.00")),
    }


def test_the_tiles_of_a_small_book(alice, smith_book, jones_book):
    page = signed_in(alice).get(DASHBOARD).text
    assert "<h1>Your book</h1>" in page
    assert tiles(page) == {
        "assets": "$30,660.00",  # 14,100 + 2,400 + 960 + 1,200 + 12,000
        "unrealized": "-$8,290.00",  # of 38,950.00 of basis
        "open-opportunities": "2",
        "open-tax-value": "$2,100.00",
        "harvests-ytd": "0",
        "realized-ytd": "$0.00",
        "savings-ytd": "$0.00",
    }
    assert "basis $38,950.00" in page
    assert unrealized_split(page) == "short $0.00 / -$8,450.00 · long $400.00 / -$240.00"
    assert "Harvests in 2022" in page
    assert "Tax saved in 2022" in page
    assert "prices as of Dec 28, 2022 4:00 PM" in page


def test_one_households_tiles_and_chart(alice, smith_book, jones_book):
    page = signed_in(alice).get(DASHBOARD, {"household": smith_book.pk}).text
    assert "<h1>Smith Family</h1>" in page
    assert tiles(page) == {
        "assets": "$18,660.00",
        "unrealized": "-$3,790.00",
        "open-opportunities": "1",
        "open-tax-value": "$1,050.00",
        "harvests-ytd": "0",
        "realized-ytd": "$0.00",
        "savings-ytd": "$0.00",
    }
    assert unrealized_split(page) == "short $0.00 / -$3,950.00 · long $400.00 / -$240.00"
    assert f'<option value="{smith_book.pk}" selected>Smith Family</option>' in page
    assert f'href="{reverse("harvesting:opportunities")}?household={smith_book.pk}"' in page
    # 100 AAPL and 19 MSFT every day: Dec 1 141 and 241 -> 18,679; Dec 28 141 and 240 -> 18,660;
    # lowest on Dec 12 and 24 (140, 240) 18,560; highest on Dec 11 and 23 (142, 243) 18,817.
    assert "from $18,679.00 to $18,660.00, with 0 harvest(s) marked" in page
    assert ">$18,560.00</text>" in page
    assert ">$18,817.00</text>" in page
    assert 'data-testid="harvest-marker"' not in page


def test_a_paper_harvest_counts_in_this_market_years_tiles_and_is_marked_on_the_chart(
    alice, smith_book, django_capture_on_commit_callbacks
):
    sell = harvest_smith_aapl(alice, django_capture_on_commit_callbacks)
    # Sold at 141 less 5 bp = 140.9295: 14,092.95 of proceeds against 18,000.00, a 3,907.05 loss.
    assert RealizedSale.objects.get().gain_loss == Decimal("-3907.05")
    assert sell.tax_value_at_decision == Decimal("1050.00")
    page = signed_in(alice).get(DASHBOARD, {"household": smith_book.pk}).text
    # The replacement: 58.6912 MSFT (14,092.95 / 240.12) worth 58.6912 x 240 = 14,085.89, basis 14,092.93.
    assert tiles(page) == {
        "assets": "$18,645.89",  # 14,085.89 + 2,400 + 960 + 1,200
        "unrealized": "$102.96",  # -7.04 + 400 - 240 - 50
        "open-opportunities": "0",
        "open-tax-value": "$0.00",
        "harvests-ytd": "1",
        "realized-ytd": "-$3,907.05",
        "savings-ytd": "$1,050.00",
    }
    assert page.count('data-testid="harvest-marker"') == 1
    assert text_of(page, "harvest-marker").startswith("Dec 28, 2022: harvested AAPL for Smith Family, a $3,")
    assert "with 1 harvest(s) marked" in page
    # The marker is drawn on the last day of the series, the harvest's market date.
    assert '<circle cx="952.0"' in page


def test_the_harvest_marker_shows_the_realized_loss(alice, smith_book, django_capture_on_commit_callbacks):
    harvest_smith_aapl(alice, django_capture_on_commit_callbacks)
    page = signed_in(alice).get(DASHBOARD).text
    assert text_of(page, "harvest-marker") == "Dec 28, 2022: harvested AAPL for Smith Family, a $3,907.05 loss"


def test_a_new_market_year_starts_the_year_to_date_figures_again(alice, smith_book, django_capture_on_commit_callbacks):
    harvest_smith_aapl(alice, django_capture_on_commit_callbacks)
    with pinned(datetime(2023, 1, 3, 15, 0, tzinfo=UTC)):
        page = signed_in(alice).get(DASHBOARD).text
    assert "Harvests in 2023" in page
    assert (text_of(page, "harvests-ytd"), text_of(page, "realized-ytd"), text_of(page, "savings-ytd")) == (
        "0",
        "$0.00",
        "$0.00",
    )
    # The chart still shows the past year, December's harvest included.
    assert page.count('data-testid="harvest-marker"') == 1


def test_an_htmx_refresh_gets_only_the_dashboard(alice, smith_book):
    response = signed_in(alice).get(DASHBOARD, {"household": smith_book.pk}, headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith(
        f'<div id="dashboard" hx-get="{DASHBOARD}?household={smith_book.pk}" hx-trigger="every 30s"'
    )
    assert "<html" not in response.text
    assert text_of(response.text, "assets") == "$18,660.00"


@pytest.mark.parametrize("persona", ["carol", "mallory"])
def test_outsiders_get_404_for_the_smiths_and_an_empty_book(persona, request, smith_book):
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(DASHBOARD, {"household": smith_book.pk}).status_code == 404
    page = client.get(DASHBOARD).text
    assert (text_of(page, "assets"), text_of(page, "open-opportunities")) == ("$0.00", "0")
    assert "Smith Family" not in page
    assert "No price history for these holdings yet." in page


def test_a_firm_admin_sees_the_firms_whole_book(bob_with_app, smith_book, jones_book):
    page = signed_in(bob_with_app).get(DASHBOARD).text
    assert (text_of(page, "assets"), text_of(page, "open-opportunities")) == ("$30,660.00", "2")


def test_the_dashboard_needs_a_sign_in(db):
    response = HttpClient().get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def queries_for(client: HttpClient) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(DASHBOARD).status_code == 200
    return len(captured)


def test_the_dashboards_queries_do_not_grow_with_the_book(
    alice, acme, closes, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    def household(i: int) -> None:
        h = HouseholdFactory(firm=acme, name=f"Household {i}")
        h.advisors.add(alice)
        book(
            h,
            f"H{i}-T,taxable,2022-01-03,buy,AAPL,{10 + i},180,A{i}\nH{i}-T,taxable,2021-06-01,buy,MSFT,3,200,M{i}\n"
            f"H{i}-IRA,roth_ira,2022-02-01,buy,MSFT,1,250,R{i}\n".encode(),
            django_capture_on_commit_callbacks,
        )

    for i in range(2):
        household(i)
    client = signed_in(alice)
    two = queries_for(client)
    for i in range(2, 10):
        household(i)
    cache.clear()
    client.cookies.pop(settings.CSRF_COOKIE_NAME, None)  # a first visit: rendered in full, not from the cache
    with django_assert_max_num_queries(two):
        page = client.get(DASHBOARD).text
    # 10..19 AAPL (145 shares) at 141, 30 MSFT at 240 and 10 more in the Roth IRAs.
    assert text_of(page, "assets") == "$30,045.00"
