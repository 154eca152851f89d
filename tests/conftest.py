"""Shared fixtures: two firms and the personas of STYLE.md.

alice is an advisor at Acme serving the Smith household; bob is Acme's firm admin; carol is another
Acme advisor who does not serve the Smiths; mallory is an advisor at a different firm (Other Co).
"""

from __future__ import annotations

import gzip
import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from portfolios.importers import ledger_import
from portfolios.models import Account, AccountType, Client, Firm, Household, Role, Security, User
from taxprofiles.models import TaxProfile
from tests.factories import (
    AccountFactory,
    ClientFactory,
    FirmFactory,
    HouseholdFactory,
    PriceFactory,
    SecurityFactory,
    UserFactory,
)


@pytest.fixture
def acme(db: None) -> Firm:
    return FirmFactory(name="Acme Wealth", slug="acme")


@pytest.fixture
def other_firm(db: None) -> Firm:
    return FirmFactory(name="Other Co", slug="other")


@pytest.fixture
def alice(acme: Firm) -> User:
    return UserFactory(firm=acme, email="alice@acme.example", first_name="Alice", last_name="Adams")


@pytest.fixture
def bob(acme: Firm) -> User:
    # Firm admins must have two-factor sign-in set up (taxharvest/mfa.py): bob has his authenticator app.
    return UserFactory(firm=acme, email="bob@acme.example", role=Role.FIRM_ADMIN, is_staff=True, authenticator_app=True)


@pytest.fixture
def carol(acme: Firm) -> User:
    return UserFactory(firm=acme, email="carol@acme.example")


@pytest.fixture
def mallory(other_firm: Firm) -> User:
    return UserFactory(firm=other_firm, email="mallory@other.example")


@pytest.fixture
def smiths(acme: Firm, alice: User) -> Household:
    household = HouseholdFactory(firm=acme, name="Smith Family")
    household.advisors.add(alice)
    return household


@pytest.fixture
def jane(smiths: Household) -> Client:
    return ClientFactory(household=smiths, external_id="SMITH-1", name="Jane Smith")


@pytest.fixture
def john(smiths: Household) -> Client:
    return ClientFactory(household=smiths, external_id="SMITH-2", name="John Smith")


@pytest.fixture
def smith_taxable(smiths: Household, jane: Client) -> Account:
    return AccountFactory(household=smiths, owner=jane, number="SM-T", account_type=AccountType.TAXABLE)


@pytest.fixture
def smith_ira(smiths: Household, john: Client) -> Account:
    return AccountFactory(household=smiths, owner=john, number="SM-IRA", account_type=AccountType.TRADITIONAL_IRA)


@pytest.fixture
def securities(db: None) -> dict[str, Security]:
    return {
        "AAPL": SecurityFactory(symbol="AAPL", name="Apple Inc."),
        "MSFT": SecurityFactory(symbol="MSFT", name="Microsoft Corp."),
        "SPX": SecurityFactory(symbol="SPX", name="S&P 500 Index", kind="index", tradable=False),
    }


@pytest.fixture
def smiths_at_a_loss(smiths, smith_taxable, smith_ira, securities):
    ledger_import(
        household=smiths,
        filename="l.csv",
        content=b"account,account_type,date,action,symbol,quantity,price,lot\n"
        b"SM-T,taxable,2022-01-03,buy,AAPL,100,180,A1\n"
        b"SM-T,taxable,2022-01-03,buy,MSFT,50,330,M1\n"
        b"SM-IRA,traditional_ira,2022-02-01,buy,AAPL,10,170,\n",
        today=date(2026, 1, 1),
    )
    for day in range(1, 29):
        for symbol, start in (("AAPL", 140), ("MSFT", 240)):
            PriceFactory(
                security=securities[symbol],
                timestamp=datetime(2022, 12, day, 21, 0, tzinfo=UTC),
                price=Decimal(start + (day % 5) - 2 * (day % 3)),
            )
    TaxProfile.objects.create(
        household=smiths, tax_year=2025, filing_status="married_joint", wages=Decimal("400000"),
        st_gains_realized=Decimal("30000"), state="NY",
    )  # fmt: skip
    return smiths


@pytest.fixture(scope="session")
def recent_market_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled market data trimmed to 2018-12-03 onward: real prices, loaded in a second."""
    source = Path(settings.MARKET_DATA_DIR)
    target = tmp_path_factory.mktemp("market")
    shutil.copy(source / "securities.csv", target / "securities.csv")
    for name in ("sp500_dataset.csv.gz", "sp500_index.csv.gz"):
        with gzip.open(source / name, "rt") as src, gzip.open(target / name, "wt") as dst:
            header = next(src)
            dst.write(header)
            dst.writelines(line for line in src if line[:10] >= "2018-12-03")
    return target


@pytest.fixture(autouse=True)
def _fresh_scan_caches() -> None:
    """Tests roll their rows back, so a price table can look the same to the scan's caches and differ."""
    from harvesting import scanning

    scanning._past_closes.cache_clear()
    scanning._outlooks_memo.clear()


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Cached fragments and series are keyed by ids that a rolled-back test can hand out again."""
    from django.core.cache import cache

    cache.clear()
