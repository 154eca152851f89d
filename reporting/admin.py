"""Firm admins see their firm's client reports, share links and the download audit (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from portfolios.admin import ReadOnlyAdmin
from reporting.models import ClientReport, DownloadEvent, ReportLink


@admin.register(ClientReport)
class ClientReportAdmin(ReadOnlyAdmin):
    firm_lookup = "household__firm"
    list_display = ["household", "year", "status", "size", "requested_by", "created_at", "finished_at"]
    list_filter = ["status", "year"]
    search_fields = ["household__name"]
    exclude = ["file"]


@admin.register(ReportLink)
class ReportLinkAdmin(ReadOnlyAdmin):
    firm_lookup = "report__household__firm"
    list_display = ["report", "created_by", "created_at", "expires_at", "revoked_at"]


@admin.register(DownloadEvent)
class DownloadEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "household", "year", "user", "link", "ip_address"]
    list_filter = ["kind", "year"]
    search_fields = ["household__name", "user__email"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return rows
        if not getattr(request.user, "is_firm_admin", False):
            return rows.none()
        firm = request.user.firm_id  # type: ignore[union-attr]
        return rows.filter(Q(household__firm_id=firm) | Q(household__isnull=True, user__firm_id=firm))
