"""python manage.py rotate_broker_credentials: re-encrypt every stored broker credential with the first key.

Rotation: put a new Fernet key first in BROKER_CREDENTIALS_KEYS (keep the old ones after it), run this command,
then drop the old keys. A credential no key opens stops the command before anything is written.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from brokers.credentials import CredentialsError, credential_rotate
from brokers.models import BrokerConnection

_COLUMNS = ["api_key_encrypted", "secret_key_encrypted"]


class Command(BaseCommand):
    help = "Re-encrypt every stored broker credential with the first key of BROKER_CREDENTIALS_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = 0
        try:
            with transaction.atomic():
                connections = BrokerConnection.objects.select_for_update().order_by("pk")
                for connection in connections.exclude(api_key_encrypted="", secret_key_encrypted=""):
                    for column in _COLUMNS:
                        if token := getattr(connection, column):
                            setattr(connection, column, credential_rotate(token))
                    connection.save(update_fields=_COLUMNS)
                    rotated += 1
        except CredentialsError as exc:
            raise CommandError(f"{exc.message} Nothing was re-encrypted.") from None
        self.stdout.write(f"Re-encrypted the credentials of {rotated} broker connection(s) with the first key.")
