"""Fixtures of the harvesting tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portfolios.importers import ledger_import
from taxprofiles.models import TaxProfile
from tests.factories import PriceFactory


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
