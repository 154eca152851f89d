"""A household's lots, realized sales and wash-sale matches always equal a replay of its ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portfolios.importers import ledger_import
from portfolios.models import (
    AccountType,
    RealizedSale,
    SubstantiallyIdenticalGroup,
    TaxLot,
    Term,
    WashSaleMatch,
)
from portfolios.services import household_rebuild_lots
from tests.factories import AccountFactory, SecurityFactory

HEADER = "account,account_type,date,action,symbol,quantity,price,lot"


def load(household, *rows: str) -> None:
    content = "\n".join([HEADER, *rows]).encode()
    ledger_import(household=household, filename=f"{hash(rows)}.csv", content=content, today=date(2026, 1, 1))


@pytest.fixture
def couple(smiths, jane, john, securities):
    AccountFactory(household=smiths, owner=jane, number="JANE-T", account_type=AccountType.TAXABLE)
    AccountFactory(household=smiths, owner=john, number="JOHN-IRA", account_type=AccountType.TRADITIONAL_IRA)
    AccountFactory(household=smiths, owner=john, number="JOHN-T", account_type=AccountType.TAXABLE)
    return smiths


def test_a_spouses_purchase_washes_the_loss_and_adjusts_the_replacement(couple):
    load(
        couple,
        "JANE-T,taxable,2025-01-02,buy,AAPL,100,10,",
        "JANE-T,taxable,2025-02-03,sell,AAPL,100,7.50,",
        "JOHN-T,taxable,2025-02-20,buy,AAPL,40,8,",
    )
    sale = RealizedSale.objects.get()
    assert (sale.proceeds, sale.cost_basis, sale.wash_sale_adjustment, sale.gain_loss) == (
        Decimal("750.00"),
        Decimal("1000.00"),
        Decimal("100.00"),  # 40 of the 100 shares replaced: 40% of the $250 loss
        Decimal("-150.00"),
    )
    assert (sale.code, sale.term, sale.reportable) == ("W", Term.SHORT, True)
    lot = TaxLot.objects.get(account__number="JOHN-T")
    assert (lot.adjusted_basis, lot.wash_sale_adjustment) == (Decimal("420.00"), Decimal("100.00"))
    assert lot.holding_period_start == date(2025, 1, 19)  # held 32 days: 32 days before 2025-02-20
    match = WashSaleMatch.objects.get()
    assert (match.sale.trade_date, match.replacement.account.number, match.shares, match.disallowed) == (
        date(2025, 2, 3),
        "JOHN-T",
        Decimal("40"),
        Decimal("100.00"),
    )
    assert match.permanent is False


def test_an_ira_purchase_disallows_the_loss_for_good(couple):
    load(
        couple,
        "JANE-T,taxable,2025-01-02,buy,AAPL,10,100,",
        "JANE-T,taxable,2025-03-03,sell,AAPL,10,80,",
        "JOHN-IRA,traditional_ira,2025-03-20,buy,AAPL,10,82,",
    )
    sale = RealizedSale.objects.get()
    assert (sale.wash_sale_adjustment, sale.gain_loss) == (Decimal("200.00"), Decimal("0.00"))
    ira_lot = TaxLot.objects.get(account__number="JOHN-IRA")
    assert (ira_lot.adjusted_basis, ira_lot.wash_sale_adjustment) == (Decimal("820.00"), Decimal("0.00"))
    assert WashSaleMatch.objects.get().permanent is True


def test_sales_inside_an_ira_are_recorded_but_not_reportable(couple):
    load(
        couple,
        "JOHN-IRA,traditional_ira,2025-01-02,buy,MSFT,5,400,",
        "JOHN-IRA,traditional_ira,2025-02-03,sell,MSFT,5,350,",
        "JOHN-IRA,traditional_ira,2025-02-04,buy,MSFT,5,351,",
    )
    sale = RealizedSale.objects.get()
    assert (sale.reportable, sale.wash_sale_adjustment, sale.gain_loss) == (False, Decimal("0.00"), Decimal("-250.00"))
    assert not WashSaleMatch.objects.exists()


def test_a_firms_identical_group_makes_different_symbols_replacements(couple, acme):
    voo = SecurityFactory(symbol="VOO", name="Vanguard S&P 500 ETF", kind="etf")
    ivv = SecurityFactory(symbol="IVV", name="iShares Core S&P 500 ETF", kind="etf")
    rows = ("JANE-T,taxable,2025-01-02,buy,VOO,10,500,", "JANE-T,taxable,2025-02-03,sell,VOO,10,450,")
    load(couple, *rows, "JOHN-T,taxable,2025-02-04,buy,IVV,10,455,")
    assert RealizedSale.objects.get().wash_sale_adjustment == Decimal("0.00")

    group = SubstantiallyIdenticalGroup.objects.create(firm=acme, name="S&P 500 funds")
    group.securities.add(voo, ivv)
    household_rebuild_lots(household=couple)
    assert RealizedSale.objects.get().wash_sale_adjustment == Decimal("500.00")
    assert TaxLot.objects.get(security=ivv).adjusted_basis == Decimal("5050.00")


def test_another_firms_identical_group_does_not_apply(couple, other_firm):
    voo = SecurityFactory(symbol="VOO", name="Vanguard S&P 500 ETF", kind="etf")
    ivv = SecurityFactory(symbol="IVV", name="iShares Core S&P 500 ETF", kind="etf")
    SubstantiallyIdenticalGroup.objects.create(firm=other_firm, name="theirs").securities.add(voo, ivv)
    load(
        couple,
        "JANE-T,taxable,2025-01-02,buy,VOO,10,500,",
        "JANE-T,taxable,2025-02-03,sell,VOO,10,450,",
        "JOHN-T,taxable,2025-02-04,buy,IVV,10,455,",
    )
    assert RealizedSale.objects.get().wash_sale_adjustment == Decimal("0.00")


def test_share_classes_grouped_by_the_platform_are_identical_for_every_firm(couple):
    SecurityFactory(symbol="GOOGL", name="Alphabet Class A", identity_group="ALPHABET")
    SecurityFactory(symbol="GOOG", name="Alphabet Class C", identity_group="ALPHABET")
    load(
        couple,
        "JANE-T,taxable,2025-01-02,buy,GOOGL,10,200,",
        "JANE-T,taxable,2025-02-03,sell,GOOGL,10,180,",
        "JANE-T,taxable,2025-02-10,buy,GOOG,10,181,",
    )
    assert RealizedSale.objects.get().wash_sale_adjustment == Decimal("200.00")


def test_rebuilding_twice_gives_the_same_tables(couple):
    load(
        couple,
        "JANE-T,taxable,2025-01-02,buy,AAPL,100,10,",
        "JANE-T,taxable,2025-02-03,sell,AAPL,60,7.50,",
        "JOHN-T,taxable,2025-02-20,buy,AAPL,40,8,",
    )

    def state():
        return (
            sorted(
                TaxLot.objects.values_list(
                    "account__number", "name", "quantity", "adjusted_basis", "holding_period_start"
                )
            ),
            sorted(RealizedSale.objects.values_list("quantity", "proceeds", "cost_basis", "wash_sale_adjustment")),
            sorted(WashSaleMatch.objects.values_list("shares", "disallowed")),
        )

    first = state()
    household_rebuild_lots(household=couple)
    assert state() == first
    assert len(first[0]) == 2  # the 40 unsold shares of the first purchase, and the replacement
