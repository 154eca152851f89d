"""Broker connections: firm admins manage them in the admin with write-only, encrypted keys.

Personas: bob administers Acme; dora administers another firm; root is the platform superuser.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from django.db import connection as db_connection
from django.test import Client as HttpClient
from django.urls import reverse

from brokers import alpaca
from brokers.alpaca import AlpacaBroker, alpaca_broker_for_connection
from brokers.base import BrokerError
from brokers.credentials import credential_decrypt, credential_encrypt
from brokers.models import BrokerConnection
from harvesting.execution import broker_for
from portfolios.models import Role
from tests.brokers.fake_alpaca import API_KEY, SECRET_KEY, FakeAlpaca, fake_alpaca  # noqa: F401 (a fixture)
from tests.factories import AccountFactory, FirmFactory, HouseholdFactory, UserFactory

pytestmark = pytest.mark.django_db

FIRM_API_KEY = "PKACMEFIRMKEY0000ABCD"
FIRM_SECRET_KEY = "acme-firm-secret-never-shown"


@pytest.fixture(autouse=True)
def _credentials_key(settings) -> None:  # type: ignore[no-untyped-def]
    settings.BROKER_CREDENTIALS_KEYS = [Fernet.generate_key().decode()]


@pytest.fixture
def root(db: None):  # type: ignore[no-untyped-def]
    return UserFactory(
        firm=None, email="root@platform.example", is_staff=True, is_superuser=True, authenticator_app=True
    )


@pytest.fixture
def dora(other_firm):  # type: ignore[no-untyped-def]
    return UserFactory(
        firm=other_firm, email="dora@other.example", role=Role.FIRM_ADMIN, is_staff=True, authenticator_app=True
    )


def admin_client(user) -> HttpClient:  # type: ignore[no-untyped-def]
    client = HttpClient()
    client.force_login(user)
    return client


def connection_with_keys(firm, api_key: str = FIRM_API_KEY, secret_key: str = FIRM_SECRET_KEY, **fields):  # type: ignore[no-untyped-def]
    return BrokerConnection.objects.create(
        firm=firm,
        api_key_encrypted=credential_encrypt(api_key),
        secret_key_encrypted=credential_encrypt(secret_key),
        **{"label": "Alpaca paper", **fields},
    )


def check(user, connection: BrokerConnection):  # type: ignore[no-untyped-def]
    return admin_client(user).post(
        reverse("admin:brokers_brokerconnection_changelist"),
        {"action": "check_connections", "_selected_action": [connection.pk]},
        follow=True,
    )


def raw_columns(connection: BrokerConnection) -> str:
    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT api_key_encrypted, secret_key_encrypted FROM brokers_brokerconnection WHERE id = %s",
            [connection.pk],
        )
        return " ".join(cursor.fetchone())


@pytest.fixture
def attacker() -> Iterator[FakeAlpaca]:
    """A server that would accept anything, standing where an attacker wants the server's secrets sent."""
    fake = FakeAlpaca(api_key=API_KEY, secret_key=SECRET_KEY).start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def alpaca_paper_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAlpaca]:
    """The fake Alpaca standing in for Alpaca's own paper endpoint, serving the firm's keys."""
    fake = FakeAlpaca(api_key=FIRM_API_KEY, secret_key=FIRM_SECRET_KEY).start()
    monkeypatch.setitem(alpaca.ALPACA_TRADING_ENDPOINTS, "paper", fake.url)
    try:
        yield fake
    finally:
        fake.stop()


def test_a_firm_admin_adds_a_connection_with_its_keys_stored_encrypted(bob, acme):
    response = admin_client(bob).post(
        reverse("admin:brokers_brokerconnection_add"),
        {
            "broker": "alpaca",
            "label": "Alpaca paper",
            "environment": "paper",
            "api_key": FIRM_API_KEY,
            "secret_key": FIRM_SECRET_KEY,
            "enabled": "on",
        },
    )
    assert response.status_code == 302, response.text
    connection = BrokerConnection.objects.get()
    assert (connection.firm, connection.environment, connection.base_url) == (acme, "paper", "")
    assert FIRM_API_KEY not in raw_columns(connection)
    assert FIRM_SECRET_KEY not in raw_columns(connection)
    assert credential_decrypt(connection.api_key_encrypted) == FIRM_API_KEY
    assert credential_decrypt(connection.secret_key_encrypted) == FIRM_SECRET_KEY


def test_a_new_connection_needs_both_keys(bob):
    response = admin_client(bob).post(
        reverse("admin:brokers_brokerconnection_add"),
        {"broker": "alpaca", "label": "x", "environment": "paper", "api_key": FIRM_API_KEY},
    )
    assert response.status_code == 200
    assert "Enter both the API key and the secret key of a new connection." in response.text
    assert not BrokerConnection.objects.exists()


def test_blank_keys_on_edit_keep_the_stored_keys(bob, acme):
    connection = connection_with_keys(acme)
    stored = (connection.api_key_encrypted, connection.secret_key_encrypted)
    response = admin_client(bob).post(
        reverse("admin:brokers_brokerconnection_change", args=[connection.pk]),
        {"broker": "alpaca", "label": "Renamed", "environment": "live", "api_key": "", "secret_key": ""},
    )
    assert response.status_code == 302, response.text
    connection.refresh_from_db()
    assert (connection.label, connection.environment) == ("Renamed", "live")
    assert (connection.api_key_encrypted, connection.secret_key_encrypted) == stored


def test_a_new_secret_on_edit_replaces_only_the_secret(bob, acme):
    connection = connection_with_keys(acme)
    admin_client(bob).post(
        reverse("admin:brokers_brokerconnection_change", args=[connection.pk]),
        {"broker": "alpaca", "label": "Alpaca paper", "environment": "paper", "secret_key": "rotated-secret"},
    )
    connection.refresh_from_db()
    assert credential_decrypt(connection.api_key_encrypted) == FIRM_API_KEY
    assert credential_decrypt(connection.secret_key_encrypted) == "rotated-secret"


def test_the_admin_shows_only_the_last_four_characters_of_the_key(bob, acme):
    connection = connection_with_keys(acme)
    client = admin_client(bob)
    for url in (
        reverse("admin:brokers_brokerconnection_changelist"),
        reverse("admin:brokers_brokerconnection_change", args=[connection.pk]),
    ):
        page = client.get(url).text
        assert "…ABCD" in page
        assert FIRM_API_KEY not in page
        assert FIRM_SECRET_KEY not in page
        assert connection.secret_key_encrypted not in page


def test_a_firm_admin_cannot_set_or_see_the_test_server_url(bob, acme):
    connection = connection_with_keys(acme, base_url="http://127.0.0.1:9")
    client = admin_client(bob)
    page = client.get(reverse("admin:brokers_brokerconnection_change", args=[connection.pk])).text
    assert 'name="base_url"' not in page
    assert "127.0.0.1:9" not in page
    client.post(
        reverse("admin:brokers_brokerconnection_change", args=[connection.pk]),
        {"broker": "alpaca", "label": "Alpaca paper", "environment": "paper", "base_url": "http://attacker.example"},
    )
    connection.refresh_from_db()
    assert connection.base_url == "http://127.0.0.1:9"


def test_a_superuser_sets_a_test_server_url(root, acme):
    connection = connection_with_keys(acme)
    response = admin_client(root).post(
        reverse("admin:brokers_brokerconnection_change", args=[connection.pk]),
        {
            "firm": acme.pk,
            "broker": "alpaca",
            "label": "Alpaca paper",
            "environment": "paper",
            "base_url": "http://127.0.0.1:9",
        },
    )
    assert response.status_code == 302, response.text
    connection.refresh_from_db()
    assert connection.base_url == "http://127.0.0.1:9"


def test_a_connection_cannot_name_an_environment_variable_or_send_server_secrets_elsewhere(
    bob, acme, attacker, alpaca_paper_endpoint
):
    response = admin_client(bob).post(
        reverse("admin:brokers_brokerconnection_add"),
        {
            "broker": "alpaca",
            "label": "Alpaca paper",
            "environment": "paper",
            "api_key": FIRM_API_KEY,
            "secret_key": FIRM_SECRET_KEY,
            "api_key_variable": "SECRET_KEY",
            "secret_key_variable": "DATABASE_URL",
            "base_url": attacker.url,
            "enabled": "on",
        },
    )
    assert response.status_code == 302, response.text
    connection = BrokerConnection.objects.get()
    assert not any(field.name.endswith("_variable") for field in BrokerConnection._meta.get_fields())
    assert connection.base_url == ""

    check(bob, connection)

    connection.refresh_from_db()
    assert attacker.requests == []
    assert connection.last_check_ok is True, connection.last_check_message
    assert ("GET", "/v2/account") in alpaca_paper_endpoint.requests


def test_a_firm_connection_talks_to_alpacas_own_endpoints(acme):
    paper = connection_with_keys(acme)
    live = connection_with_keys(FirmFactory(), environment="live")
    assert alpaca_broker_for_connection(paper).client._base_url == "https://paper-api.alpaca.markets"
    assert alpaca_broker_for_connection(live).client._base_url == "https://api.alpaca.markets"
    assert alpaca_broker_for_connection(live).paper is False


def test_checking_a_connection_asks_the_broker_and_records_the_answer(bob, acme, fake_alpaca):  # noqa: F811
    good = connection_with_keys(acme, api_key=API_KEY, secret_key=SECRET_KEY, base_url=fake_alpaca.url)
    response = check(bob, good)
    good.refresh_from_db()
    assert good.last_check_ok is True
    assert good.last_check_message.startswith("Account ")
    assert "Alpaca paper: Account" in response.text


def test_a_connection_without_keys_says_to_enter_them(bob, acme):
    connection = BrokerConnection.objects.create(firm=acme, label="Alpaca live", environment="live")
    check(bob, connection)
    connection.refresh_from_db()
    assert connection.last_check_ok is False
    assert (
        connection.last_check_message == "Enter the API key and secret key of the connection 'Alpaca live' in the admin"
    )


def test_a_firm_admin_sees_only_the_firms_connections(bob, acme):
    BrokerConnection.objects.create(firm=acme, label="Ours")
    BrokerConnection.objects.create(firm=FirmFactory(), label="Theirs")
    page = admin_client(bob).get(reverse("admin:brokers_brokerconnection_changelist")).text
    assert "Ours" in page
    assert "Theirs" not in page


def test_another_firms_admin_cannot_open_the_connection(dora, acme):
    connection = connection_with_keys(acme, label="Acme's Alpaca")
    client = admin_client(dora)
    response = client.get(reverse("admin:brokers_brokerconnection_change", args=[connection.pk]))
    # The admin treats an object outside the queryset as missing and redirects to its index.
    assert response.status_code == 302
    assert "Acme's Alpaca" not in client.get(response["Location"]).text
    assert "…ABCD" not in client.get(reverse("admin:brokers_brokerconnection_changelist")).text


def test_another_firms_admin_cannot_change_or_check_the_connection(dora, acme):
    connection = connection_with_keys(acme)
    client = admin_client(dora)
    client.post(
        reverse("admin:brokers_brokerconnection_change", args=[connection.pk]),
        {"broker": "alpaca", "label": "Hijacked", "environment": "live", "api_key": "X" * 20, "secret_key": "Y"},
    )
    check(dora, connection)
    connection.refresh_from_db()
    assert (connection.label, connection.environment, connection.last_checked_at) == ("Alpaca paper", "paper", None)
    assert credential_decrypt(connection.api_key_encrypted) == FIRM_API_KEY


def test_an_alpaca_account_trades_through_its_firms_connection(acme):
    account = AccountFactory(household=HouseholdFactory(firm=acme), broker="alpaca")
    connection = connection_with_keys(acme, label="Alpaca")
    assert isinstance(broker_for(account), AlpacaBroker)
    connection.enabled = False
    connection.save()
    with pytest.raises(BrokerError, match="The firm's broker connection 'Alpaca' is disabled"):
        broker_for(account)
