"""Firm admins manage their broker connections (never the secrets: those stay in the environment)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from brokers.base import BrokerError
from brokers.models import BrokerConnection
from portfolios.admin import FirmScopedAdmin


@admin.register(BrokerConnection)
class BrokerConnectionAdmin(FirmScopedAdmin):
    firm_lookup = "firm"
    list_display = ["label", "broker", "paper", "enabled", "last_checked_at", "last_check_ok", "last_check_message"]
    readonly_fields = ["last_checked_at", "last_check_ok", "last_check_message"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # a URL typed without a scheme is https
    actions = ["check_connections"]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if request.user.is_superuser else ["firm"]

    def save_model(self, request: HttpRequest, obj: BrokerConnection, form: Any, change: bool) -> None:
        if not request.user.is_superuser:
            obj.firm_id = request.user.firm_id
        super().save_model(request, obj, form, change)

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
