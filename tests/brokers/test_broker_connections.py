"""Broker connections: firm admins manage them in the admin; the secrets stay in the environment."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from brokers.alpaca import AlpacaBroker
from brokers.base import BrokerError
from brokers.models import BrokerConnection
from harvesting.execution import broker_for
from tests.brokers.fake_alpaca import API_KEY, SECRET_KEY, fake_alpaca  # noqa: F401 (a fixture)
from tests.factories import AccountFactory, FirmFactory, HouseholdFactory

pytestmark = pytest.mark.django_db


def admin_client(user) -> HttpClient:  # type: ignore[no-untyped-def]
    client = HttpClient()
    client.force_login(user)
    return client


def test_a_firm_admin_adds_a_connection_that_names_environment_variables(bob, acme):
    response = admin_client(bob).post(
        reverse("admin:brokers_brokerconnection_add"),
        {
            "broker": "alpaca",
            "label": "Alpaca paper",
            "paper": "on",
            "api_key_variable": "ACME_ALPACA_KEY",
            "secret_key_variable": "ACME_ALPACA_SECRET",
            "base_url": "",
            "enabled": "on",
        },
    )
    assert response.status_code == 302, response.text
    connection = BrokerConnection.objects.get()
    assert (connection.firm, connection.api_key_variable, connection.paper) == (acme, "ACME_ALPACA_KEY", True)


def test_a_variable_name_must_look_like_one(bob):
    response = admin_client(bob).post(
        reverse("admin:brokers_brokerconnection_add"),
        {"broker": "alpaca", "label": "x", "api_key_variable": "pk-live-123", "secret_key_variable": "S"},
    )
    assert response.status_code == 200
    assert "An environment variable name: capitals, digits and underscores." in response.text
    assert not BrokerConnection.objects.exists()


def test_checking_a_connection_asks_the_broker_and_records_the_answer(bob, acme, fake_alpaca, monkeypatch):  # noqa: F811
    monkeypatch.setenv("ACME_ALPACA_KEY", API_KEY)
    monkeypatch.setenv("ACME_ALPACA_SECRET", SECRET_KEY)
    good = BrokerConnection.objects.create(
        firm=acme,
        label="Alpaca paper",
        api_key_variable="ACME_ALPACA_KEY",
        secret_key_variable="ACME_ALPACA_SECRET",
        base_url=fake_alpaca.url,
    )
    response = admin_client(bob).post(
        reverse("admin:brokers_brokerconnection_changelist"),
        {"action": "check_connections", "_selected_action": [good.pk]},
        follow=True,
    )
    good.refresh_from_db()
    assert good.last_check_ok is True
    assert good.last_check_message.startswith("Account ")
    assert "Alpaca paper: Account" in response.text


def test_a_connection_without_its_variables_says_which_to_set(bob, acme):
    connection = BrokerConnection.objects.create(
        firm=acme, label="Alpaca live", paper=False, api_key_variable="NOPE_KEY", secret_key_variable="NOPE_SECRET"
    )
    admin_client(bob).post(
        reverse("admin:brokers_brokerconnection_changelist"),
        {"action": "check_connections", "_selected_action": [connection.pk]},
    )
    connection.refresh_from_db()
    assert connection.last_check_ok is False
    assert connection.last_check_message == (
        "Set NOPE_KEY and NOPE_SECRET in the environment to use the connection 'Alpaca live'"
    )


def test_a_firm_admin_sees_only_the_firms_connections(bob, acme):
    BrokerConnection.objects.create(firm=acme, label="Ours")
    BrokerConnection.objects.create(firm=FirmFactory(), label="Theirs")
    page = admin_client(bob).get(reverse("admin:brokers_brokerconnection_changelist")).text
    assert "Ours" in page
    assert "Theirs" not in page


def test_an_alpaca_account_trades_through_its_firms_connection(acme, monkeypatch):
    monkeypatch.setenv("ACME_ALPACA_KEY", API_KEY)
    monkeypatch.setenv("ACME_ALPACA_SECRET", SECRET_KEY)
    account = AccountFactory(household=HouseholdFactory(firm=acme), broker="alpaca")
    connection = BrokerConnection.objects.create(
        firm=acme, label="Alpaca", api_key_variable="ACME_ALPACA_KEY", secret_key_variable="ACME_ALPACA_SECRET"
    )
    assert isinstance(broker_for(account), AlpacaBroker)
    connection.enabled = False
    connection.save()
    with pytest.raises(BrokerError, match="The firm's broker connection 'Alpaca' is disabled"):
        broker_for(account)
