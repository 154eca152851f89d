"""load_prices: the bundled history, in bulk, idempotently."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from portfolios.market_history import close_timestamp, price_history_load
from portfolios.models import Price, Security

pytestmark = pytest.mark.django_db


def test_it_loads_every_close_of_the_bundled_history(capsys):
    call_command("load_prices")
    # 8,313 trading days x 20 stocks + 8,313 index levels.
    assert Price.objects.count() == 8_313 * 21 == 174_573
    assert Security.objects.count() == 21
    out = capsys.readouterr().out
    assert "174,573 new, 174,573 stored" in out

    call_command("load_prices")
    assert Price.objects.count() == 174_573
    assert "0 new, 174,573 stored" in capsys.readouterr().out


def test_prices_are_real_closes_stamped_at_the_new_york_close(recent_market_data):
    price_history_load(data_dir=recent_market_data)
    aapl = Price.objects.get(security__symbol="AAPL", timestamp=close_timestamp(date(2022, 12, 28)))
    assert aapl.price == Decimal("125.674")
    assert aapl.timestamp.isoformat() == "2022-12-28T21:00:00+00:00"  # 16:00 EST
    summer = Price.objects.get(security__symbol="MSFT", timestamp=close_timestamp(date(2022, 6, 1)))
    assert summer.timestamp.isoformat() == "2022-06-01T20:00:00+00:00"  # 16:00 EDT
    spx = Price.objects.get(
        security__symbol="SPX", timestamp=close_timestamp(date(1990, 1, 2)).replace(year=2022, month=12, day=28)
    )
    assert spx.security.tradable is False
    assert spx.security.kind == "index"


def test_loading_twice_changes_nothing(recent_market_data):
    first = price_history_load(data_dir=recent_market_data)
    snapshot = list(Price.objects.order_by("id").values_list("id", "security_id", "timestamp", "price"))
    second = price_history_load(data_dir=recent_market_data)
    assert first.prices_added == first.rows_read == first.prices_total
    assert second.prices_added == 0
    assert second.prices_total == first.prices_total
    assert list(Price.objects.order_by("id").values_list("id", "security_id", "timestamp", "price")) == snapshot


def test_a_corrected_close_replaces_the_stored_one(recent_market_data):
    price_history_load(data_dir=recent_market_data)
    Price.objects.filter(security__symbol="KO", timestamp=close_timestamp(date(2022, 12, 28))).update(price=1)
    price_history_load(data_dir=recent_market_data)
    assert Price.objects.get(security__symbol="KO", timestamp=close_timestamp(date(2022, 12, 28))).price == Decimal(
        "62.609"
    )


def test_securities_get_their_names_and_sectors(recent_market_data):
    price_history_load(data_dir=recent_market_data)
    jnj = Security.objects.get(symbol="JNJ")
    assert (jnj.name, jnj.sector, jnj.kind, jnj.tradable) == ("Johnson & Johnson", "Health Care", "stock", True)
