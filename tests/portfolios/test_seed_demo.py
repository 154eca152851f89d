"""seed_demo: a demo book on real prices, with losses to harvest on the data's last day, seeded idempotently."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from portfolios.market_history import price_history_load
from portfolios.models import Account, AccountType, Client, Firm, Household, Price, TaxLot, Transaction, User
from portfolios.price_store import latest_quotes
from taxprofiles.models import TaxProfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def prices(recent_market_data):
    price_history_load(data_dir=recent_market_data)


def book_state() -> dict[str, object]:
    return {
        "firms": Firm.objects.count(),
        "users": sorted(User.objects.values_list("email", "role", "firm__slug")),
        "households": sorted(Household.objects.values_list("name", flat=True)),
        "clients": Client.objects.count(),
        "accounts": sorted(Account.objects.values_list("number", "account_type")),
        "transactions": sorted(
            Transaction.objects.values_list("account__number", "security__symbol", "action", "trade_date", "quantity")
        ),
        "lots": sorted(
            TaxLot.objects.values_list("account__number", "security__symbol", "name", "quantity", "adjusted_basis")
        ),
    }


def test_it_refuses_to_seed_without_prices():
    with pytest.raises(CommandError, match=r"run `python manage\.py load_prices` first"):
        call_command("seed_demo")


def test_it_prints_the_demo_logins(prices, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Firm admin  admin@harborview.example / harvest-demo-2022" in out
    assert "Advisor     maya.chen@harborview.example / harvest-demo-2022" in out
    assert "Advisor     daniel.ortiz@harborview.example / harvest-demo-2022" in out
    assert User.objects.get(email="maya.chen@harborview.example").check_password("harvest-demo-2022")


def test_seeding_twice_gives_the_same_book(prices):
    call_command("seed_demo")
    first = book_state()
    call_command("seed_demo")
    assert book_state() == first


def test_the_book_has_a_dozen_households_with_couples_and_iras(prices):
    call_command("seed_demo")
    firm = Firm.objects.get(slug="harborview")
    households = Household.objects.filter(firm=firm)
    assert households.count() == 12
    couples = [h for h in households if h.clients.count() == 2]
    assert len(couples) == 6
    for household in couples:
        kinds = sorted(household.accounts.values_list("account_type", flat=True))
        assert kinds.count(AccountType.TRADITIONAL_IRA) == 2
        assert AccountType.ROTH_IRA in kinds
    assert all(h.advisors.exists() for h in households)


def test_purchases_are_at_real_closes_between_2019_and_2022(prices):
    call_command("seed_demo")
    buys = Transaction.objects.filter(action="buy").select_related("security")
    assert buys.count() > 100
    for buy in buys[:50]:
        assert 2019 <= buy.trade_date.year <= 2022
        close = Price.objects.get(security=buy.security, timestamp__date=buy.trade_date).price
        assert buy.price == close


def test_many_lots_stand_at_a_loss_on_the_datas_last_day(prices):
    call_command("seed_demo")
    lots = list(TaxLot.objects.all())
    quotes = latest_quotes(lot.security_id for lot in lots)
    assert {quote.at.date().isoformat() for quote in quotes.values()} == {"2022-12-28"}
    losing = [lot for lot in lots if lot.quantity * quotes[lot.security_id].price < lot.adjusted_basis]
    assert len(losing) >= 40
    assert len(lots) > 150


def test_every_demo_household_gets_a_tax_profile(prices, capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    assert TaxProfile.objects.filter(tax_year=2025).count() == 12
    assert "tax profiles for 2022 and 2025 for 12 households." in capsys.readouterr().out
    assert TaxProfile.objects.filter(tax_year=2022).count() == 12  # the demo's market year, valued under its law
    assert set(TaxProfile.objects.filter(household__name="Alvarez Family").values_list("state", flat=True)) == {"CA"}
