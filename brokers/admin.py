"""Firm admins manage their broker connections: the keys are write-only, stored encrypted, shown as "…ABCD".

A firm admin chooses the broker's own endpoint (paper or live); only a platform superuser sees or sets a test
server URL, so no firm can make the server send credentials anywhere else.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from brokers.base import BrokerError
from brokers.credentials import (
    CredentialsError,
    credential_decrypt,
    credential_encrypt,
    credential_hint,
    credentials_cipher,
)
from brokers.models import BrokerConnection
from portfolios.admin import FirmScopedAdmin

# The form's write-only inputs and the encrypted columns they fill.
_CREDENTIAL_FIELDS = {"api_key": "api_key_encrypted", "secret_key": "secret_key_encrypted"}


def _formfield(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    """Build a form field as the admin does: a URL typed without a scheme is https."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class BrokerConnectionForm(forms.ModelForm):
    api_key = forms.CharField(
        label="API key",
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted; only its last four characters are shown. Leave blank to keep the stored key.",
    )
    secret_key = forms.CharField(
        label="Secret key",
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted and never shown. Leave blank to keep the stored secret.",
    )

    class Meta:
        model = BrokerConnection
        fields = ["firm", "broker", "label", "environment", "base_url", "enabled"]
        formfield_callback = _formfield

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        entered = [name for name in _CREDENTIAL_FIELDS if cleaned.get(name)]
        if self.instance.pk is None and len(entered) < len(_CREDENTIAL_FIELDS):
            raise forms.ValidationError("Enter both the API key and the secret key of a new connection.")
        if entered:
            try:
                credentials_cipher()
            except CredentialsError as exc:
                raise forms.ValidationError(exc.message) from None
        return cleaned


@admin.register(BrokerConnection)
class BrokerConnectionAdmin(FirmScopedAdmin):
    form = BrokerConnectionForm
    firm_lookup = "firm"
    list_display = [
        "label",
        "broker",
        "environment",
        "api_key_hint",
        "enabled",
        "last_checked_at",
        "last_check_ok",
        "last_check_message",
    ]
    readonly_fields = ["api_key_hint", "last_checked_at", "last_check_ok", "last_check_message"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # a URL typed without a scheme is https
    actions = ["check_connections"]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if request.user.is_superuser else ["firm", "base_url"]

    def save_model(self, request: HttpRequest, obj: BrokerConnection, form: Any, change: bool) -> None:
        if not request.user.is_superuser:
            obj.firm_id = request.user.firm_id
        entered = {column: form.cleaned_data[name] for name, column in _CREDENTIAL_FIELDS.items()}
        for column, value in entered.items():
            if value:
                setattr(obj, column, credential_encrypt(value))
        if any(entered.values()):
            obj.last_checked_at, obj.last_check_ok, obj.last_check_message = None, None, ""
        super().save_model(request, obj, form, change)

    @admin.display(description="API key")
    def api_key_hint(self, obj: BrokerConnection) -> str:
        if not obj.api_key_encrypted:
            return "not entered"
        try:
            return credential_hint(credential_decrypt(obj.api_key_encrypted))
        except CredentialsError as exc:
            return exc.message

    @admin.action(description="Check the selected connections with the broker")
    def check_connections(self, request: HttpRequest, queryset: QuerySet[BrokerConnection]) -> None:
        from brokers.alpaca import alpaca_broker_for_connection

        for connection in queryset:
            try:
                status = alpaca_broker_for_connection(connection).account_status()
                ok = not status.trading_blocked
                message = f"Account {status.account_number}: buying power {status.buying_power:,.2f}" + (
                    f"; {'; '.join(status.notes)}" if status.notes else ""
                )
            except BrokerError as exc:
                ok, message = False, str(exc)
            BrokerConnection.objects.filter(pk=connection.pk).update(
                last_checked_at=timezone.now(), last_check_ok=ok, last_check_message=message[:300]
            )
            self.message_user(request, f"{connection.label}: {message}", messages.SUCCESS if ok else messages.ERROR)
