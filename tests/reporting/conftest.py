"""A small household with one known harvest, for the report and activity tests.

The Smiths (single, $400,000 of wages, $10,000 of short-term gains realized elsewhere, California; the 2025
profile) hold, valued at December 2022's closes (AAPL 140 + day % 3, MSFT 240 + day % 4):

    SM-T    A1  100 AAPL bought at 180 on 2022-01-03 (short-term)
    SM-T    M1   10 MSFT bought at 200 on 2021-06-01 (long-term)
    SM-IRA  I1    5 MSFT bought at 250 on 2022-06-01 (IRA)

On Dec 28, 2022 the advisor approves the harvest of A1: the paper broker sells 100 AAPL at 141 less 5 bp
(140.9295): 14,092.95 of proceeds and a 3,907.05 short-term loss; it buys 58.6912 MSFT at 240.12
(14,092.93) as the replacement, leaving 0.02 in cash.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from brokers import paper
from harvesting.models import Opportunity
from harvesting.scanning import scan_start
from portfolios.importers import ledger_import
from portfolios.models import Household, User
from taxprofiles.models import TaxProfile
from tests.factories import PriceFactory

DEC_CLOSE = datetime(2022, 12, 1, 21, 0, tzinfo=UTC)
LEDGER = (
    b"account,account_type,date,action,symbol,quantity,price,lot\n"
    b"SM-T,taxable,2022-01-03,buy,AAPL,100,180,A1\n"
    b"SM-T,taxable,2021-06-01,buy,MSFT,10,200,M1\n"
    b"SM-IRA,traditional_ira,2022-06-01,buy,MSFT,5,250,I1\n"
)


def signed_in(user: User) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


@pytest.fixture
def december_closes(securities):
    for day in range(1, 29):
        stamp = DEC_CLOSE.replace(day=day)
        PriceFactory(security=securities["AAPL"], timestamp=stamp, price=Decimal(140 + day % 3))
        PriceFactory(security=securities["MSFT"], timestamp=stamp, price=Decimal(240 + day % 4))


@pytest.fixture
def harvested_smiths(
    monkeypatch, alice, smiths, jane, smith_taxable, smith_ira, december_closes, django_capture_on_commit_callbacks
) -> Household:
    monkeypatch.setattr(paper, "behaviour", paper.PaperBehaviour())
    ledger_import(household=smiths, filename="smiths.csv", content=LEDGER, today=date(2026, 1, 1))
    TaxProfile.objects.create(
        household=smiths,
        tax_year=2025,
        filing_status="single",
        state="CA",
        wages=Decimal("400000"),
        st_gains_realized=Decimal("10000"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        scan_start(firm=smiths.firm, household=smiths)
    opportunity = Opportunity.objects.get(security__symbol="AAPL", status="open")
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(alice).post(reverse("harvesting:opportunity_approve", args=[opportunity.pk]))
    return smiths
