"""Firm admins manage harvesting policy, replacement pairs and planned purchases; scans are read-only, and so
are the forecast model's versions (platform data, which only a superuser changes).

History (django-simple-history) is firm-scoped by ``FirmScopedAdmin``, which must come before
``SimpleHistoryAdmin`` in the bases (it refuses otherwise). A firm-wide row (``firm_lookup = "firm"``) is
saved in the firm admin's firm by ``FirmScopedAdmin.save_model``, a revert included.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from harvesting.models import (
    HarvestPolicy,
    HarvestRun,
    ModelVersion,
    Opportunity,
    Order,
    PlannedPurchase,
    ReplacementPair,
    TradingControls,
)
from portfolios.admin import FirmScopedAdmin, ReadOnlyAdmin, SuperuserWritesAdmin


@admin.register(HarvestPolicy)
class HarvestPolicyAdmin(FirmScopedAdmin, SimpleHistoryAdmin):
    firm_lookup = "household__firm"
    list_display = ["household", "min_net_benefit", "min_loss_percent", "automation"]
    list_filter = ["automation"]
    filter_horizontal = ["excluded_securities"]


@admin.register(ReplacementPair)
class ReplacementPairAdmin(FirmScopedAdmin):
    firm_lookup = "firm"
    list_display = ["security", "replacement", "firm"]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if request.user.is_superuser else ["firm"]


@admin.register(PlannedPurchase)
class PlannedPurchaseAdmin(FirmScopedAdmin):
    firm_lookup = "account__household__firm"
    list_display = ["planned_on", "kind", "security", "quantity", "account"]
    list_filter = ["kind"]


@admin.register(HarvestRun)
class HarvestRunAdmin(ReadOnlyAdmin):
    firm_lookup = "firm"
    list_display = [
        "created_at",
        "trigger",
        "household",
        "status",
        "households_done",
        "households_total",
        "opportunities_found",
    ]
    list_filter = ["status", "trigger"]


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    firm_lookup = "household__firm"
    list_display = ["household", "security", "quantity", "loss", "tax_value", "net_benefit", "rank", "status"]
    list_filter = ["status", "term"]
    list_select_related = ["household", "security"]


@admin.register(ModelVersion)
class ModelVersionAdmin(SuperuserWritesAdmin):
    """The forecast model's versions: platform data trained on the bundled public prices, no firm's.

    Every firm admin may read them (as every portal user does on the Model page). Only a superuser changes
    one, and only which version is current (or deletes it): a version's record is what its stored predictions
    give, and training (``manage.py train_model``) is the only way to make one.
    """

    list_display = [
        "version",
        "is_current",
        "auc",
        "brier",
        "brier_baseline",
        "trained_from",
        "trained_to",
        "tested_from",
        "tested_to",
        "created_at",
    ]
    readonly_fields = [
        "version",
        "path",
        "predictions_path",
        "predictions_sha256",
        "trained_from",
        "trained_to",
        "tested_from",
        "tested_to",
        "features",
        "metrics",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="AUC")
    def auc(self, obj: ModelVersion) -> object:
        return obj.metrics.get("auc")

    @admin.display(description="Brier")
    def brier(self, obj: ModelVersion) -> object:
        return obj.metrics.get("brier")

    @admin.display(description="Base-rate Brier")
    def brier_baseline(self, obj: ModelVersion) -> object:
        return obj.metrics.get("brier_baseline")


@admin.register(TradingControls)
class TradingControlsAdmin(FirmScopedAdmin, SimpleHistoryAdmin):
    """The firm's kill switch and daily guardrails."""

    firm_lookup = "firm"
    list_display = ["firm", "kill_switch", "max_orders_per_household_per_day", "max_notional_per_household_per_day"]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if request.user.is_superuser else ["firm"]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Every order with who or what approved it, the tax value and model version at the decision."""

    firm_lookup = "account__household__firm"
    list_display = [
        "created_at",
        "side",
        "security",
        "quantity",
        "status",
        "filled_quantity",
        "average_price",
        "approved_by",
        "approved_automatically",
        "tax_value_at_decision",
        "model_version_at_decision",
        "client_order_id",
    ]
    list_filter = ["status", "side", "approved_automatically"]
    list_select_related = ["security", "approved_by"]
