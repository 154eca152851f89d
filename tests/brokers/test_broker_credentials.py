"""Encryption of broker credentials: keys from BROKER_CREDENTIALS_KEYS, rotation, and clear errors."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection as db_connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client as HttpClient
from django.urls import reverse

from brokers.credentials import CredentialsError, credential_decrypt, credential_encrypt, development_key
from brokers.models import BrokerConnection

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
API_KEY = "PKFIRMAPIKEY00001234"
SECRET = "firm-secret-value"


@pytest.fixture(autouse=True)
def _old_key(settings) -> None:  # type: ignore[no-untyped-def]
    settings.BROKER_CREDENTIALS_KEYS = [OLD_KEY]


def admin_client(user) -> HttpClient:  # type: ignore[no-untyped-def]
    client = HttpClient()
    client.force_login(user)
    return client


def stored_connection(firm) -> BrokerConnection:  # type: ignore[no-untyped-def]
    return BrokerConnection.objects.create(
        firm=firm,
        label="Alpaca paper",
        api_key_encrypted=credential_encrypt(API_KEY),
        secret_key_encrypted=credential_encrypt(SECRET),
    )


def test_a_credential_is_stored_as_a_token_that_only_the_keys_open():
    token = credential_encrypt(API_KEY)
    assert API_KEY not in token
    assert Fernet(OLD_KEY).decrypt(token.encode()).decode() == API_KEY
    assert credential_decrypt(token) == API_KEY


def test_the_keys_come_from_the_environment_when_the_setting_is_absent(settings, monkeypatch):
    del settings.BROKER_CREDENTIALS_KEYS
    monkeypatch.setenv("BROKER_CREDENTIALS_KEYS", f"{NEW_KEY}, {OLD_KEY},")
    token = credential_encrypt(API_KEY)
    assert Fernet(NEW_KEY).decrypt(token.encode()).decode() == API_KEY


def test_the_first_key_encrypts_and_every_key_decrypts(settings):
    old_token = credential_encrypt(API_KEY)
    settings.BROKER_CREDENTIALS_KEYS = f"{NEW_KEY},{OLD_KEY}"
    new_token = credential_encrypt(API_KEY)
    assert Fernet(NEW_KEY).decrypt(new_token.encode()).decode() == API_KEY
    assert credential_decrypt(old_token) == API_KEY


def test_rotation_reencrypts_with_the_new_key_so_the_old_key_can_be_dropped(settings, acme):
    connection = stored_connection(acme)
    settings.BROKER_CREDENTIALS_KEYS = [NEW_KEY, OLD_KEY]
    output = io.StringIO()
    call_command("rotate_broker_credentials", stdout=output)
    assert output.getvalue() == "Re-encrypted the credentials of 1 broker connection(s) with the first key.\n"
    settings.BROKER_CREDENTIALS_KEYS = [NEW_KEY]
    connection.refresh_from_db()
    assert credential_decrypt(connection.api_key_encrypted) == API_KEY
    assert credential_decrypt(connection.secret_key_encrypted) == SECRET


def test_rotation_stops_without_writing_when_a_credential_no_key_opens(settings, acme, other_firm):
    readable = stored_connection(acme)
    settings.BROKER_CREDENTIALS_KEYS = [NEW_KEY]
    stored_connection(other_firm)
    before = readable.api_key_encrypted
    with pytest.raises(CommandError, match="cannot be decrypted with any key in BROKER_CREDENTIALS_KEYS"):
        call_command("rotate_broker_credentials")
    readable.refresh_from_db()
    assert readable.api_key_encrypted == before


def test_without_keys_outside_debug_credentials_cannot_be_stored(settings):
    settings.BROKER_CREDENTIALS_KEYS = []
    settings.DEBUG = False
    with pytest.raises(CredentialsError, match="BROKER_CREDENTIALS_KEYS is not set"):
        credential_encrypt(API_KEY)


def test_without_keys_in_debug_a_development_key_is_derived_from_the_secret_key(settings):
    settings.BROKER_CREDENTIALS_KEYS = []
    settings.DEBUG = True
    token = credential_encrypt(API_KEY)
    assert Fernet(development_key()).decrypt(token.encode()).decode() == API_KEY
    settings.SECRET_KEY = "another-secret-key"
    with pytest.raises(CredentialsError, match="cannot be decrypted"):
        credential_decrypt(token)


def test_a_key_that_is_not_a_fernet_key_is_named(settings):
    settings.BROKER_CREDENTIALS_KEYS = [OLD_KEY, "not-a-key"]
    with pytest.raises(CredentialsError, match="BROKER_CREDENTIALS_KEYS key number 2 is not a Fernet key"):
        credential_encrypt(API_KEY)


def test_the_admin_says_when_keys_are_missing_instead_of_failing(settings, bob):
    settings.BROKER_CREDENTIALS_KEYS = []
    settings.DEBUG = False
    response = admin_client(bob).post(
        reverse("admin:brokers_brokerconnection_add"),
        {"broker": "alpaca", "label": "Alpaca", "environment": "paper", "api_key": API_KEY, "secret_key": SECRET},
    )
    assert response.status_code == 200
    assert "BROKER_CREDENTIALS_KEYS is not set" in response.text
    assert not BrokerConnection.objects.exists()


def test_a_connection_under_a_dropped_key_says_to_enter_the_keys_again(settings, bob, acme):
    connection = stored_connection(acme)
    settings.BROKER_CREDENTIALS_KEYS = [NEW_KEY]
    client = admin_client(bob)
    page = client.get(reverse("admin:brokers_brokerconnection_changelist")).text
    assert "Enter the API key and secret key again." in page
    client.post(
        reverse("admin:brokers_brokerconnection_changelist"),
        {"action": "check_connections", "_selected_action": [connection.pk]},
    )
    connection.refresh_from_db()
    assert connection.last_check_ok is False
    assert "cannot be decrypted with the keys in BROKER_CREDENTIALS_KEYS" in connection.last_check_message


@pytest.mark.django_db(transaction=True)
def test_the_migration_disables_connections_without_reading_the_variables_they_named(acme, monkeypatch):
    monkeypatch.setenv("ACME_ALPACA_KEY", API_KEY)
    monkeypatch.setenv("ACME_ALPACA_SECRET", SECRET)
    executor = MigrationExecutor(db_connection)
    latest = executor.loader.graph.leaf_nodes("brokers")
    before = [("brokers", "0004_brokerconnection_encrypted_credentials")]
    try:
        executor.migrate(before)
        OldConnection = executor.loader.project_state(before).apps.get_model("brokers", "BrokerConnection")
        OldConnection.objects.create(
            firm_id=acme.pk,
            label="Live",
            paper=False,
            api_key_variable="ACME_ALPACA_KEY",
            secret_key_variable="ACME_ALPACA_SECRET",
            base_url="http://attacker.example",
        )
    finally:
        executor = MigrationExecutor(db_connection)
        executor.migrate(latest)

    connection = BrokerConnection.objects.get()
    assert (connection.api_key_encrypted, connection.secret_key_encrypted) == ("", "")
    assert (connection.enabled, connection.environment, connection.base_url) == (False, "live", "")
    assert connection.last_check_message.startswith("Enter the API key and secret key")
