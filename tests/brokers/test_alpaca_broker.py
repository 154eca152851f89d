"""``AlpacaBroker`` against the local fake Alpaca server (real HTTP through alpaca-py, no SDK mocking)."""

from __future__ import annotations

import socket
import time
from decimal import Decimal

import pytest
from alpaca.trading.enums import OrderStatus
from pytest_django.fixtures import Settings

from brokers.alpaca import AlpacaBroker, alpaca_broker_from_settings, map_order_status
from brokers.base import BrokerError, BrokerOrderStatus, OrderNotFound, OrderRequest, Side
from tests.brokers.fake_alpaca import API_KEY, SECRET_KEY, FakeAlpaca
from tests.brokers.fake_alpaca import fake_alpaca as fake_alpaca_fixture

fake_alpaca = fake_alpaca_fixture  # the running fake server, a fixture from fake_alpaca.py

CLIENT_TIMEOUT = 0.3  # seconds; the fake's "slow" answers sleep longer than this


@pytest.fixture
def broker(fake_alpaca: FakeAlpaca) -> AlpacaBroker:
    return AlpacaBroker(API_KEY, SECRET_KEY, url_override=fake_alpaca.url, timeout=CLIENT_TIMEOUT)


def order(key: str = "harvest-1", symbol: str = "VTI", side: Side = Side.SELL, qty: str = "10") -> OrderRequest:
    return OrderRequest(client_order_id=key, symbol=symbol, side=side, quantity=Decimal(qty))


def posts(fake: FakeAlpaca) -> int:
    return fake.post_count


# ---------------------------------------------------------------- submit and poll


def test_submit_sends_one_market_day_order_with_the_idempotency_key(
    broker: AlpacaBroker, fake_alpaca: FakeAlpaca
) -> None:
    result = broker.submit_order(order())

    assert posts(fake_alpaca) == 1
    sent = fake_alpaca.order_for("harvest-1")
    assert (sent["type"], sent["time_in_force"], sent["side"], sent["qty"]) == ("market", "day", "sell", "10")
    assert result.broker_order_id == sent["id"]
    assert result.client_order_id == "harvest-1"
    assert (result.symbol, result.side, result.quantity) == ("VTI", Side.SELL, Decimal("10"))
    assert result.status == BrokerOrderStatus.ACCEPTED
    assert result.filled_quantity == Decimal(0)
    assert result.average_price is None
    assert result.submitted_at is not None
    assert result.submitted_at.tzinfo is not None


def test_fractional_quantity_is_sent_exactly(broker: AlpacaBroker, fake_alpaca: FakeAlpaca) -> None:
    result = broker.submit_order(order(qty="0.123456789", side=Side.BUY))

    assert fake_alpaca.order_for("harvest-1")["qty"] == "0.123456789"
    assert result.quantity == Decimal("0.123456789")


def test_quantity_alpaca_cannot_take_is_refused_before_any_request(
    broker: AlpacaBroker, fake_alpaca: FakeAlpaca
) -> None:
    with pytest.raises(BrokerError) as excinfo:
        broker.submit_order(order(qty="0.0000000001"))

    assert excinfo.value.retryable is False
    assert fake_alpaca.requests == []


def test_poll_reports_a_fill_with_decimal_quantity_and_average_price(
    broker: AlpacaBroker, fake_alpaca: FakeAlpaca
) -> None:
    broker.submit_order(order())
    fake_alpaca.fill("harvest-1", price="101.25")

    result = broker.get_order("harvest-1")

    assert result.status == BrokerOrderStatus.FILLED
    assert result.filled_quantity == Decimal("10")
    assert isinstance(result.filled_quantity, Decimal)
    assert result.average_price == Decimal("101.25")
    assert isinstance(result.average_price, Decimal)
    assert result.filled_at is not None
    assert posts(fake_alpaca) == 1


def test_partial_fill_then_full_fill(broker: AlpacaBroker, fake_alpaca: FakeAlpaca) -> None:
    broker.submit_order(order(side=Side.BUY))
    fake_alpaca.fill("harvest-1", price="100", qty="4")

    partial = broker.get_order("harvest-1")
    assert partial.status == BrokerOrderStatus.PARTIALLY_FILLED
    assert (partial.filled_quantity, partial.average_price) == (Decimal("4"), Decimal("100"))
    assert partial.filled_at is None

    fake_alpaca.fill("harvest-1", price="110")
    done = broker.get_order("harvest-1")
    assert done.status == BrokerOrderStatus.FILLED
    assert (done.filled_quantity, done.average_price) == (Decimal("10"), Decimal("106"))


def test_crash_recovery_finds_the_order_by_client_order_id_without_submitting(
    broker: AlpacaBroker, fake_alpaca: FakeAlpaca
) -> None:
    submitted = broker.submit_order(order())
    # the worker dies here, before recording; a fresh worker only looks the order up
    restarted = AlpacaBroker(API_KEY, SECRET_KEY, url_override=fake_alpaca.url, timeout=CLIENT_TIMEOUT)

    assert restarted.get_order("harvest-1") == submitted
    assert posts(fake_alpaca) == 1


def test_unknown_client_order_id_is_order_not_found(broker: AlpacaBroker) -> None:
    with pytest.raises(OrderNotFound) as excinfo:
        broker.get_order("never-sent")
    assert excinfo.value.retryable is False


@pytest.mark.parametrize(
    ("alpaca_status", "expected"),
    [
        ("new", BrokerOrderStatus.ACCEPTED),
        ("pending_new", BrokerOrderStatus.ACCEPTED),
        ("done_for_day", BrokerOrderStatus.ACCEPTED),
        ("pending_cancel", BrokerOrderStatus.ACCEPTED),
        ("held", BrokerOrderStatus.ACCEPTED),
        ("rejected", BrokerOrderStatus.REJECTED),
        ("expired", BrokerOrderStatus.EXPIRED),
        ("canceled", BrokerOrderStatus.CANCELLED),
    ],
)
def test_alpaca_statuses_seen_through_the_api(
    broker: AlpacaBroker, fake_alpaca: FakeAlpaca, alpaca_status: str, expected: BrokerOrderStatus
) -> None:
    broker.submit_order(order())
    fake_alpaca.set_status("harvest-1", alpaca_status)

    assert broker.get_order("harvest-1").status == expected


def test_every_alpaca_status_is_mapped() -> None:
    final = {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.REJECTED}
    final |= {OrderStatus.REPLACED}
    for status in OrderStatus:
        unfilled = map_order_status(status, Decimal(0))
        some_filled = map_order_status(status, Decimal(3))
        assert unfilled.final == some_filled.final == (status in final), status
        if status not in final:
            assert unfilled == BrokerOrderStatus.ACCEPTED
            assert some_filled == BrokerOrderStatus.PARTIALLY_FILLED


# ----------------------------------------------------------------------- cancel


def test_cancel_open_order(broker: AlpacaBroker, fake_alpaca: FakeAlpaca) -> None:
    broker.submit_order(order())

    result = broker.cancel_order("harvest-1")

    assert result.status == BrokerOrderStatus.CANCELLED
    assert fake_alpaca.order_for("harvest-1")["status"] == "canceled"
    assert ("DELETE", f"/v2/orders/{result.broker_order_id}") in fake_alpaca.requests


def test_cancel_after_partial_fill_keeps_the_filled_part(broker: AlpacaBroker, fake_alpaca: FakeAlpaca) -> None:
    broker.submit_order(order())
    fake_alpaca.fill("harvest-1", price="50", qty="4")

    result = broker.cancel_order("harvest-1")

    assert result.status == BrokerOrderStatus.CANCELLED
    assert (result.filled_quantity, result.average_price) == (Decimal("4"), Decimal("50"))


def test_cancel_of_a_filled_order_returns_it_filled(broker: AlpacaBroker, fake_alpaca: FakeAlpaca) -> None:
    broker.submit_order(order())
    fake_alpaca.fill("harvest-1", price="50")

    result = broker.cancel_order("harvest-1")

    assert result.status == BrokerOrderStatus.FILLED


def test_cancel_of_unknown_order(broker: AlpacaBroker) -> None:
    with pytest.raises(OrderNotFound):
        broker.cancel_order("never-sent")


def test_cancel_failure_on_the_broker_is_retryable(broker: AlpacaBroker, fake_alpaca: FakeAlpaca) -> None:
    broker.submit_order(order())
    fake_alpaca.fail_next("DELETE", 503, "service unavailable")

    with pytest.raises(BrokerError) as excinfo:
        broker.cancel_order("harvest-1")

    assert excinfo.value.retryable is True
    assert broker.cancel_order("harvest-1").status == BrokerOrderStatus.CANCELLED


# ------------------------------------------------------------ positions, account


def test_positions(broker: AlpacaBroker, fake_alpaca: FakeAlpaca) -> None:
    fake_alpaca.set_position("VTI", "12.5", price="200", avg_entry_price="220")
    fake_alpaca.set_position("TSLA", "-3", price="100")

    positions = {p.symbol: p for p in broker.list_positions()}

    assert positions["VTI"].quantity == Decimal("12.5")
    assert positions["VTI"].market_value == Decimal("2500")
    assert positions["TSLA"].quantity == Decimal("-3")


def test_positions_follow_fills(broker: AlpacaBroker, fake_alpaca: FakeAlpaca) -> None:
    fake_alpaca.set_position("VTI", "10", price="200")
    broker.submit_order(order(qty="4"))
    fake_alpaca.fill("harvest-1", price="190")

    [position] = broker.list_positions()
    assert (position.symbol, position.quantity, position.market_value) == ("VTI", Decimal("6"), Decimal("1140"))


def test_account_status_with_market_open(broker: AlpacaBroker, fake_alpaca: FakeAlpaca) -> None:
    status = broker.account_status()

    assert status.account_number == "PA3TESTACCT"
    assert status.cash == Decimal("100000")
    assert status.buying_power == Decimal("200000")
    assert status.trading_blocked is False
    assert status.market_open is True
    assert ("GET", "/v2/clock") in fake_alpaca.requests


def test_account_status_market_closed_and_trading_blocked(broker: AlpacaBroker, fake_alpaca: FakeAlpaca) -> None:
    fake_alpaca.market_open = False
    fake_alpaca.account["trading_blocked"] = True

    status = broker.account_status()

    assert status.market_open is False
    assert status.trading_blocked is True
    assert any("market closed" in note for note in status.notes)


# --------------------------------------------------------------- error mapping


@pytest.mark.parametrize(
    ("status", "message"),
    [(403, "insufficient buying power"), (422, "qty must be > 0"), (400, "invalid symbol")],
)
def test_client_errors_are_not_retryable_and_not_looked_up(
    broker: AlpacaBroker, fake_alpaca: FakeAlpaca, status: int, message: str
) -> None:
    fake_alpaca.fail_next_post(status, message)

    with pytest.raises(BrokerError) as excinfo:
        broker.submit_order(order())

    assert excinfo.value.retryable is False
    assert message in excinfo.value.message
    assert str(status) in excinfo.value.message
    assert posts(fake_alpaca) == 1
    assert fake_alpaca.orders == {}


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_and_rate_limits_are_retryable(
    broker: AlpacaBroker, fake_alpaca: FakeAlpaca, status: int
) -> None:
    fake_alpaca.fail_next_post(status, "try later")

    with pytest.raises(BrokerError) as excinfo:
        broker.submit_order(order())

    assert excinfo.value.retryable is True
    assert posts(fake_alpaca) == 1  # the SDK's own retry is off: no second POST behind our back
    assert ("GET", "/v2/orders:by_client_order_id") in fake_alpaca.requests  # looked up, not resubmitted


def test_lookup_errors_are_mapped(broker: AlpacaBroker, fake_alpaca: FakeAlpaca) -> None:
    broker.submit_order(order())
    fake_alpaca.fail_next("GET", 429, "rate limit exceeded")
    with pytest.raises(BrokerError) as excinfo:
        broker.get_order("harvest-1")
    assert excinfo.value.retryable is True
    assert not isinstance(excinfo.value, OrderNotFound)

    fake_alpaca.fail_next("GET", 403, "forbidden")
    with pytest.raises(BrokerError) as excinfo:
        broker.get_order("harvest-1")
    assert excinfo.value.retryable is False


def test_wrong_keys_are_not_retryable(fake_alpaca: FakeAlpaca) -> None:
    broker = AlpacaBroker(API_KEY, "wrong-secret", url_override=fake_alpaca.url, timeout=CLIENT_TIMEOUT)

    with pytest.raises(BrokerError) as excinfo:
        broker.account_status()

    assert excinfo.value.retryable is False
    assert "401" in excinfo.value.message


def test_connection_refused_is_retryable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    broker = AlpacaBroker(API_KEY, SECRET_KEY, url_override=f"http://127.0.0.1:{port}", timeout=CLIENT_TIMEOUT)

    for call in (lambda: broker.submit_order(order()), lambda: broker.get_order("x"), broker.account_status):
        with pytest.raises(BrokerError) as excinfo:
            call()
        assert excinfo.value.retryable is True


# ------------------------------------------------------------------ idempotency


def test_timeout_after_the_broker_took_the_order_returns_that_order(
    broker: AlpacaBroker, fake_alpaca: FakeAlpaca
) -> None:
    fake_alpaca.delay_next_post(CLIENT_TIMEOUT + 0.5, record_order=True)

    result = broker.submit_order(order())

    assert posts(fake_alpaca) == 1
    assert len(fake_alpaca.orders) == 1
    assert result.broker_order_id == fake_alpaca.order_for("harvest-1")["id"]
    assert result.status == BrokerOrderStatus.ACCEPTED
    # and the caller retrying anyway (it never heard back) gets the same order, still one at the broker
    assert broker.submit_order(order()) == result
    assert len(fake_alpaca.orders) == 1


def test_server_error_after_the_broker_took_the_order_returns_that_order(
    broker: AlpacaBroker, fake_alpaca: FakeAlpaca
) -> None:
    fake_alpaca.fail_next_post(500, "internal error", record_order=True)

    result = broker.submit_order(order())

    assert posts(fake_alpaca) == 1
    assert len(fake_alpaca.orders) == 1
    assert result == broker.get_order("harvest-1")


def test_server_error_before_the_broker_took_the_order_can_be_retried(
    broker: AlpacaBroker, fake_alpaca: FakeAlpaca
) -> None:
    fake_alpaca.fail_next_post(500, "internal error", record_order=False)

    with pytest.raises(BrokerError) as excinfo:
        broker.submit_order(order())
    assert excinfo.value.retryable is True
    assert fake_alpaca.orders == {}

    result = broker.submit_order(order())
    assert result.status == BrokerOrderStatus.ACCEPTED
    assert len(fake_alpaca.orders) == 1


def test_order_landing_after_a_timeout_is_not_duplicated_by_the_retry(
    broker: AlpacaBroker, fake_alpaca: FakeAlpaca
) -> None:
    # The POST is slow and reaches the broker only after the client gave up and found nothing.
    fake_alpaca.delay_next_post(CLIENT_TIMEOUT + 0.3, record_order=False)
    with pytest.raises(BrokerError) as excinfo:
        broker.submit_order(order())
    assert excinfo.value.retryable is True

    deadline = time.monotonic() + 3
    while not fake_alpaca.orders and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(fake_alpaca.orders) == 1

    result = broker.submit_order(order())  # Alpaca refuses the duplicate key; the adapter looks it up
    assert len(fake_alpaca.orders) == 1
    assert result.broker_order_id == fake_alpaca.order_for("harvest-1")["id"]


def test_duplicate_client_order_id_is_answered_by_lookup(broker: AlpacaBroker, fake_alpaca: FakeAlpaca) -> None:
    first = broker.submit_order(order())
    fake_alpaca.fill("harvest-1", price="99.5")

    again = broker.submit_order(order())

    assert len(fake_alpaca.orders) == 1
    assert again.broker_order_id == first.broker_order_id
    assert again.status == BrokerOrderStatus.FILLED
    assert again.average_price == Decimal("99.5")


def test_key_reused_for_a_different_order_is_refused(broker: AlpacaBroker, fake_alpaca: FakeAlpaca) -> None:
    broker.submit_order(order(symbol="VTI"))

    with pytest.raises(BrokerError) as excinfo:
        broker.submit_order(order(symbol="ITOT"))

    assert excinfo.value.retryable is False
    assert "different Alpaca order" in excinfo.value.message
    assert len(fake_alpaca.orders) == 1


# ---------------------------------------------------------------------- settings


def test_missing_keys_are_a_non_retryable_error(settings: Settings) -> None:
    settings.ALPACA_API_KEY = ""
    settings.ALPACA_SECRET_KEY = ""

    with pytest.raises(BrokerError) as excinfo:
        alpaca_broker_from_settings()

    assert excinfo.value.retryable is False
    with pytest.raises(BrokerError):
        AlpacaBroker("", SECRET_KEY)


def test_broker_from_settings(settings: Settings, fake_alpaca: FakeAlpaca) -> None:
    settings.ALPACA_API_KEY = API_KEY
    settings.ALPACA_SECRET_KEY = SECRET_KEY
    settings.ALPACA_PAPER = True
    settings.ALPACA_BASE_URL = fake_alpaca.url + "/v2/"

    broker = alpaca_broker_from_settings()

    assert broker.paper is True
    assert broker.account_status().account_number == "PA3TESTACCT"


def test_paper_endpoint_is_the_default() -> None:
    broker = AlpacaBroker(API_KEY, SECRET_KEY)
    assert broker.client._base_url == "https://paper-api.alpaca.markets"
