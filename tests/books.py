"""Small books that several test modules start from, written once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from portfolios.importers import ledger_import
from portfolios.models import Household, Security
from taxprofiles.models import TaxProfile
from tests.factories import PriceFactory

DECEMBER_2022_CLOSE = datetime(2022, 12, 28, 21, 0, tzinfo=UTC)


def aapl_at_a_loss(household: Household, securities: dict[str, Security]) -> None:
    """100 AAPL bought at 180 in account SM-T on 2022-01-03; December 2022 closes of AAPL (141 + day % 3) and
    MSFT (240 + day % 4); a single filer's 2025 profile with $400,000 of wages."""
    ledger_import(
        household=household,
        filename="l.csv",
        content=b"account,account_type,date,action,symbol,quantity,price,lot\nSM-T,taxable,2022-01-03,buy,AAPL,100,180,A1\n",
        today=date(2026, 1, 1),
    )
    for day in range(1, 29):
        stamp = DECEMBER_2022_CLOSE.replace(day=day)
        PriceFactory(security=securities["AAPL"], timestamp=stamp, price=Decimal(141 + day % 3))
        PriceFactory(security=securities["MSFT"], timestamp=stamp, price=Decimal(240 + day % 4))
    TaxProfile.objects.create(household=household, tax_year=2025, filing_status="single", wages=Decimal("400000"))
