"""Encryption of the broker credentials firms store with their connections (Fernet, keys from the environment).

The keys come from ``BROKER_CREDENTIALS_KEYS``: comma-separated Fernet keys (32 url-safe base64-encoded bytes
each; make one with ``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``).
The first key encrypts, every key decrypts. Rotation: put a new key first, run
``python manage.py rotate_broker_credentials`` (it re-encrypts every stored credential with the first key), then
drop the old key.

Development: with DEBUG on and no keys set, one key is derived from SECRET_KEY (an HMAC-SHA256 of a fixed salt
keyed by SECRET_KEY), so a local database stays readable between runs. Changing SECRET_KEY then makes the stored
credentials unreadable: enter them again. With DEBUG off and no keys, storing or using credentials fails with a
``CredentialsError`` that says what to set.

The setting of that name wins over the environment variable (tests set it); the environment variable is read here
directly while ``taxharvest/settings.py`` does not define the setting.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

from taxharvest.env import env_list
from taxharvest.errors import ApplicationError

KEYS_VARIABLE = "BROKER_CREDENTIALS_KEYS"
_DEVELOPMENT_KEY_SALT = "brokers.credentials.development-key"


class CredentialsError(ApplicationError):
    """The broker credentials cannot be encrypted or decrypted: a configuration problem, told plainly."""


def _configured_keys() -> list[str]:
    value = getattr(settings, KEYS_VARIABLE, None)
    if value is None:
        return env_list(KEYS_VARIABLE, [])
    if isinstance(value, str):
        value = value.split(",")
    return [key.strip() for key in value if key.strip()]


def development_key() -> bytes:
    """Return the Fernet key derived from SECRET_KEY, used only when DEBUG is on and no keys are set."""
    digest = salted_hmac(_DEVELOPMENT_KEY_SALT, "", secret=settings.SECRET_KEY, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest)


def credentials_cipher() -> MultiFernet:
    """Return the cipher of the configured keys: the first encrypts, all decrypt.

    Raise ``CredentialsError`` when no key is configured (outside DEBUG) or a key is not a Fernet key.
    """
    keys = _configured_keys()
    if not keys:
        if not settings.DEBUG:
            raise CredentialsError(
                f"Broker credentials cannot be stored or used: {KEYS_VARIABLE} is not set. The platform operator "
                "must set it to one or more comma-separated Fernet keys."
            )
        return MultiFernet([Fernet(development_key())])
    ciphers = []
    for position, key in enumerate(keys, start=1):
        try:
            ciphers.append(Fernet(key))
        except ValueError:
            raise CredentialsError(
                f"{KEYS_VARIABLE} key number {position} is not a Fernet key (32 url-safe base64-encoded bytes)."
            ) from None
    return MultiFernet(ciphers)


def credential_encrypt(plaintext: str) -> str:
    """Return the Fernet token of ``plaintext`` under the first configured key."""
    return credentials_cipher().encrypt(plaintext.encode()).decode()


def credential_decrypt(token: str) -> str:
    """Return the plaintext of a stored token; raise ``CredentialsError`` if no configured key opens it."""
    try:
        return credentials_cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        raise CredentialsError(
            f"The stored broker credentials cannot be decrypted with the keys in {KEYS_VARIABLE} (was the key "
            "that encrypted them removed?). Enter the API key and secret key again."
        ) from None


def credential_rotate(token: str) -> str:
    """Return ``token`` re-encrypted under the first configured key (decrypted with whichever key opens it)."""
    try:
        return credentials_cipher().rotate(token.encode()).decode()
    except InvalidToken:
        raise CredentialsError(
            f"A stored broker credential cannot be decrypted with any key in {KEYS_VARIABLE}; keep the old key "
            "in the list until rotation has finished."
        ) from None


def credential_hint(plaintext: str) -> str:
    """Return what may be shown of a key: its last four characters (none of a key too short to hide the rest)."""
    return f"…{plaintext[-4:]}" if len(plaintext) >= 8 else "…"
