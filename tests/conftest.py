"""Shared fixtures: two firms and the personas of STYLE.md.

alice is an advisor at Acme serving the Smith household; bob is Acme's firm admin; carol is another
Acme advisor who does not serve the Smiths; mallory is an advisor at a different firm (Other Co).
"""

from __future__ import annotations

import pytest

from portfolios.models import Account, AccountType, Client, Firm, Household, Role, Security, User
from tests.factories import AccountFactory, ClientFactory, FirmFactory, HouseholdFactory, SecurityFactory, UserFactory


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
    return UserFactory(firm=acme, email="bob@acme.example", role=Role.FIRM_ADMIN, is_staff=True)


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
