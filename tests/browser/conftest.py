"""Browser tests: the portal driven in headless Chromium against pytest-django's live server.

Chromium is Debian's (/usr/bin/chromium, or $CHROMIUM); Playwright never downloads a browser. A missing or
broken Chromium fails every browser test with a clear message: it is never a skip, so CI cannot go green
without having driven the portal. The live server runs in a thread of this process on a transactional
database (each test's rows are committed, so the server sees them, and flushed afterwards); django-q2 is in
sync mode, so the tasks a request queues (scans, harvest executions) run inside that request.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, Response, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from portfolios.importers import ledger_import
from portfolios.models import Action, Household, Security, Transaction, User
from portfolios.services import household_rebuild_lots
from taxprofiles.models import TaxProfile
from tests.factories import PriceFactory

# Playwright's sync API drives the browser from an asyncio event loop that it runs in this, the test,
# thread, and that loop stays marked as running between calls for as long as the session's Playwright is up
# (so also during every test that runs after the first browser test). Django refuses ORM calls in a thread
# with a running event loop (SynchronousOnlyOperation), which would break the fixtures and database checks
# here and in later test modules. The calls are plain blocking calls on this thread, nothing is awaited
# concurrently, so the guard is a false alarm here: turn it off for the test process. (Django reads the
# variable at each ORM call, so setting it here, once this conftest is loaded, is early enough.)
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
TIMEOUT_MS = 10_000
PASSWORD = "pw"  # every factory-made user's password (tests/factories.py)
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test (`-m "not browser"` leaves them out)."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}, and the browser tests need it. Install Debian's "
            "chromium (`make install-test` does it) or point CHROMIUM at a Chromium binary. "
            "These tests fail rather than skip, so a CI run cannot pass without them.",
            pytrace=False,
        )
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        except PlaywrightError as exc:
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {exc}", pytrace=False)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    """A fresh browser context (no cookies) per test; a JavaScript error or a 5xx answer fails the test."""
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    problems: list[str] = []

    def server_error(response: Response) -> None:
        if response.status >= 500:
            problems.append(f"{response.status} from {response.request.method} {response.url}")

    tab.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    tab.on("response", server_error)
    yield tab
    context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def site_url(live_server) -> Callable[..., str]:
    """The live server's absolute URL of a named route: ``site_url("brokers:feed")``."""

    def url(name: str, *args: object) -> str:
        return live_server.url + reverse(name, args=args)

    return url


@pytest.fixture
def signed_in_page(page: Page, site_url: Callable[..., str]) -> Callable[[User], Page]:
    """Sign a persona in through the real sign-in form: ``page = signed_in_page(alice)``."""

    def sign_in(user: User, password: str = PASSWORD) -> Page:
        page.goto(site_url("account_login"))
        page.get_by_label("Email", exact=True).fill(user.email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("header .who")).to_contain_text(f"{user} · {user.firm}")
        return page

    return sign_in


# --- data ----------------------------------------------------------------------------------------------

CLOSE = datetime(2022, 12, 28, 21, 0, tzinfo=UTC)  # 4:00 PM in New York


@pytest.fixture
def smiths_with_lots(smiths: Household, smith_taxable, smith_ira, securities: dict[str, Security]) -> Household:
    """tests/portfolios/test_views.py's household: 10 AAPL (taxable) and 2.5 AAPL (IRA), AAPL at 125.674."""
    aapl = securities["AAPL"]
    Transaction.objects.create(
        account=smith_taxable, security=aapl, action=Action.BUY, trade_date=date(2022, 1, 3),
        quantity=Decimal("10"), price=Decimal("180.00"), fees=Decimal("1.00"),
    )  # fmt: skip
    Transaction.objects.create(
        account=smith_ira, security=aapl, action=Action.BUY, trade_date=date(2021, 12, 1),
        quantity=Decimal("2.5"), price=Decimal("160.00"),
    )  # fmt: skip
    household_rebuild_lots(household=smiths)
    PriceFactory(security=aapl, timestamp=CLOSE, price=Decimal("125.674"))
    PriceFactory(security=aapl, timestamp=CLOSE.replace(day=27), price=Decimal("129.652"))
    return smiths


@pytest.fixture
def harvestable_smiths(smiths: Household, smith_taxable, securities: dict[str, Security]) -> Household:
    """tests/harvesting/test_execution.py's `opportunity`, not yet scanned: 100 AAPL bought at 180 in Jane's
    taxable account; AAPL closes at 141 + day % 3 (142 on Dec 28) and MSFT at 240 + day % 4 (240)."""
    ledger_import(
        household=smiths,
        filename="l.csv",
        content=b"account,account_type,date,action,symbol,quantity,price,lot\nSM-T,taxable,2022-01-03,buy,AAPL,100,180,A1\n",
        today=date(2026, 1, 1),
    )
    for day in range(1, 29):
        stamp = CLOSE.replace(day=day)
        PriceFactory(security=securities["AAPL"], timestamp=stamp, price=Decimal(141 + day % 3))
        PriceFactory(security=securities["MSFT"], timestamp=stamp, price=Decimal(240 + day % 4))
    TaxProfile.objects.create(household=smiths, tax_year=2025, filing_status="single", wages=Decimal("400000"))
    return smiths
