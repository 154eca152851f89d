"""The firm admin's Django admin: every list, form and choice is limited to the admin's own firm.

Platform superusers see everything. Firm admins (staff users with the firm-admin role) manage their
firm's advisors, households, clients and accounts. The ledger and the lots it produces are
read-only here: they change only through imports and trades, so lots always equal a replay.

Every admin view is scoped, not only the changelist and the change form: django-simple-history's object
history, its history detail and its "Revert" (which would otherwise show any firm's rows, and save a firm
admin's firm onto another firm's row) answer a firm admin only for rows of their firm, and revert only
where they could change the row. Models of other packages (the task queue, sign-in records, groups) are
the platform operator's alone (``SuperuserOnlyAdmin``, applied to them in ``taxharvest/admin.py``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.db.models import Model, QuerySet
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.http import Http404, HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from portfolios.models import (
    Account,
    Client,
    Firm,
    Household,
    ImportBatch,
    Price,
    RealizedSale,
    Role,
    Security,
    SubstantiallyIdenticalGroup,
    TaxLot,
    Transaction,
    User,
    WashSaleMatch,
)
from portfolios.services import firm_wash_sale_reading_set, households_rebuild_for_securities, user_invite
from taxharvest.errors import ApplicationError

# Querysets of firm-owned models, keyed by model, filtered by the lookup that reaches their firm.
FIRM_LOOKUPS: dict[type[Model], str] = {
    User: "firm",
    Household: "firm",
    Client: "household__firm",
    Account: "household__firm",
    Transaction: "account__household__firm",
    TaxLot: "account__household__firm",
    ImportBatch: "firm",
    RealizedSale: "account__household__firm",
    WashSaleMatch: "sale__account__household__firm",
    SubstantiallyIdenticalGroup: "firm",
}


def _is_firm_admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or getattr(user, "is_firm_admin", False)))


def _is_superuser(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


def _scope(queryset: QuerySet[Any], request: HttpRequest, lookup: str | None = None) -> QuerySet[Any]:
    if request.user.is_superuser:
        return queryset
    lookup = lookup or FIRM_LOOKUPS.get(queryset.model)
    if lookup is None or not _is_firm_admin(request):
        return queryset.none()
    return queryset.filter(**{lookup: request.user.firm_id})


class FirmAdminAccess:
    """Firm admins (not Django's model permissions) decide access; related choices stay in the firm."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_firm_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_firm_admin(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_firm_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_firm_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_firm_admin(request)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> ModelChoiceField:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.related_model in FIRM_LOOKUPS:
            field.queryset = _scope(field.queryset, request)
        return field

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> ModelMultipleChoiceField:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.related_model in FIRM_LOOKUPS:
            field.queryset = _scope(field.queryset, request)
        return field


class FirmScopedAdmin(FirmAdminAccess, admin.ModelAdmin):
    """Limit rows, related choices, history and saves to the firm admin's firm.

    ``firm_lookup`` reaches the firm from a model of another app (this app's models are in FIRM_LOOKUPS).
    A model admin with django-simple-history lists this class (or a subclass) before ``SimpleHistoryAdmin``,
    so that these history views wrap simple-history's: ``class OrderAdmin(ReadOnlyAdmin, SimpleHistoryAdmin)``.
    """

    firm_lookup: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        mro = cls.__mro__
        if SimpleHistoryAdmin in mro and mro.index(SimpleHistoryAdmin) < mro.index(FirmScopedAdmin):
            raise ImproperlyConfigured(
                f"{cls.__name__} lists SimpleHistoryAdmin before FirmScopedAdmin: its history views would show "
                "and revert every firm's rows. List FirmScopedAdmin (or its subclass) first."
            )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return _scope(super().get_queryset(request), request, self.firm_lookup)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Save a firm admin's row in their firm, and refuse (rolled back) a save that takes it out of it."""
        if not request.user.is_superuser and (self.firm_lookup or FIRM_LOOKUPS.get(self.model)) == "firm":
            obj.firm_id = request.user.firm_id
        super().save_model(request, obj, form, change)
        if not request.user.is_superuser and not self.get_queryset(request).filter(pk=obj.pk).exists():
            raise PermissionDenied

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        """Show a firm admin the history of their firm's rows only (not of another firm's, nor of deleted rows)."""
        if not request.user.is_superuser and self.get_object(request, unquote(object_id)) is None:
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def get_history_queryset(self, request: HttpRequest, history_manager: Any, pk_name: str, object_id: Any) -> Any:
        return self._history_in_firm(
            request, super().get_history_queryset(request, history_manager, pk_name, object_id)
        )

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        """Show one version of a firm's row to its firm admin; revert it only where the row may be changed.

        Revert saves through ``save_model``, which keeps the row in the firm admin's firm, in one transaction
        that is rolled back if the row would leave it.
        """
        pk = unquote(object_id)
        obj = self.get_object(request, pk)
        if not request.user.is_superuser:
            history = getattr(self.model, self.model._meta.simple_history_manager_attribute)
            if obj is None or not version_id.isdigit():  # history ids are integers: anything else is missing
                raise Http404
            version = history.filter(**{self.model._meta.pk.attname: obj.pk, "history_id": version_id})
            if not self._history_in_firm(request, version).exists():
                raise Http404
        if request.method == "POST" and not self.has_change_permission(request, obj):
            raise PermissionDenied
        with transaction.atomic():
            return super().history_form_view(request, object_id, version_id, extra_context)

    def _history_in_firm(self, request: HttpRequest, records: QuerySet[Any]) -> QuerySet[Any]:
        """Return the historical records that belonged to the firm admin's firm when they were saved."""
        return _scope(records, request, self.firm_lookup or FIRM_LOOKUPS.get(self.model))


class ReadOnlyAdmin(FirmScopedAdmin):
    """Rows that only services write (the ledger, lots, import batches)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SuperuserWritesAdmin(FirmScopedAdmin):
    """Shared reference data: firm admins may look, only the platform operator edits."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return admin.ModelAdmin.get_queryset(self, request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


class SuperuserOnlyAdmin:
    """Platform data (the task queue, sign-in records, groups, trained models): the platform operator's alone."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_superuser(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superuser(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _is_superuser(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superuser(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superuser(request)


@admin.register(Firm)
class FirmAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "wash_sale_reading", "created_at"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request: HttpRequest, obj: Firm, form: Any, change: bool) -> None:
        reading = obj.wash_sale_reading
        if change and "wash_sale_reading" in form.changed_data:
            obj.wash_sale_reading = Firm.objects.values_list("wash_sale_reading", flat=True).get(pk=obj.pk)
            super().save_model(request, obj, form, change)
            rebuilt = firm_wash_sale_reading_set(firm=obj, reading=reading)
            self.message_user(request, f"The wash-sale reading changed: {rebuilt} household(s) rebuilt under it.")
            return
        super().save_model(request, obj, form, change)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Firm]:
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(pk=request.user.firm_id)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_firm_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_firm_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_firm_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


@admin.register(User)
class UserAdmin(FirmScopedAdmin, DjangoUserAdmin):
    list_display = ["email", "first_name", "last_name", "role", "firm", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["email"]
    add_fieldsets = ((None, {"classes": ["wide"], "fields": ["email", "role", "password1", "password2"]}),)
    firm_admin_fieldsets = (
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name"]}),
        ("Access", {"fields": ["role", "is_active"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    )
    fieldsets = (
        (None, {"fields": ["email", "username", "password"]}),
        ("Person", {"fields": ["first_name", "last_name"]}),
        ("Access", {"fields": ["firm", "role", "is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    )
    readonly_fields = ["last_login", "date_joined"]
    actions = ["send_invitation"]

    @admin.action(description="Email a sign-in invitation (set-password link)")
    def send_invitation(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        sent = 0
        for user in queryset:
            try:
                user_invite(user=user, base_url=request.build_absolute_uri("/"))
                sent += 1
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        if sent:
            self.message_user(request, f"Sent {sent} invitation(s).", messages.SUCCESS)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not request.user.is_superuser:
            return self.firm_admin_fieldsets
        return super().get_fieldsets(request, obj)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not obj.username:
            obj.username = obj.email
        if not request.user.is_superuser:
            obj.firm_id = request.user.firm_id
            obj.is_superuser = False
        obj.is_staff = obj.is_superuser or obj.role == Role.FIRM_ADMIN
        super().save_model(request, obj, form, change)


class FirmScopedInline(FirmAdminAccess, admin.TabularInline):
    """Inlines answer the same access questions as their parent."""

    extra = 0


class ClientInline(FirmScopedInline):
    model = Client
    fields = ["external_id", "name", "email"]


class AccountInline(FirmScopedInline):
    model = Account
    fields = ["number", "name", "account_type", "owner", "broker", "relief_method"]


@admin.register(Household)
class HouseholdAdmin(FirmScopedAdmin):
    list_display = ["name", "firm", "created_at"]
    search_fields = ["name", "clients__name", "clients__external_id"]
    filter_horizontal = ["advisors"]
    inlines = [ClientInline, AccountInline]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if request.user.is_superuser else ["firm"]


@admin.register(Client)
class ClientAdmin(FirmScopedAdmin):
    list_display = ["name", "external_id", "household", "email"]
    search_fields = ["name", "external_id", "email"]
    list_select_related = ["household"]


@admin.register(Account)
class AccountAdmin(FirmScopedAdmin):
    list_display = ["number", "name", "account_type", "household", "owner", "broker", "relief_method"]
    list_filter = ["account_type", "broker"]
    search_fields = ["number", "name", "household__name"]
    list_select_related = ["household", "owner"]


@admin.register(Security)
class SecurityAdmin(SuperuserWritesAdmin):
    list_display = ["symbol", "name", "kind", "sector", "identity_group", "tradable"]
    list_filter = ["kind", "sector", "tradable"]
    search_fields = ["symbol", "name"]


@admin.register(Price)
class PriceAdmin(SuperuserWritesAdmin):
    list_display = ["security", "timestamp", "price", "volume"]
    list_filter = ["security"]
    date_hierarchy = "timestamp"
    list_select_related = ["security"]
    show_full_result_count = False


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ["trade_date", "action", "security", "quantity", "price", "fees", "lot_name", "account"]
    list_filter = ["action"]
    search_fields = ["security__symbol", "account__number", "lot_name"]
    list_select_related = ["security", "account"]
    date_hierarchy = "trade_date"


@admin.register(TaxLot)
class TaxLotAdmin(ReadOnlyAdmin):
    list_display = [
        "account",
        "security",
        "name",
        "quantity",
        "adjusted_basis",
        "acquired_on",
        "holding_period_start",
    ]
    search_fields = ["security__symbol", "account__number"]
    list_select_related = ["security", "account"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "filename", "row_count", "household", "imported_by"]
    list_filter = ["kind"]
    list_select_related = ["household", "imported_by"]


@admin.register(RealizedSale)
class RealizedSaleAdmin(ReadOnlyAdmin):
    list_display = [
        "sold_on",
        "security",
        "quantity",
        "proceeds",
        "cost_basis",
        "code",
        "wash_sale_adjustment",
        "gain_loss",
        "term",
        "reportable",
        "account",
    ]
    list_filter = ["term", "reportable"]
    search_fields = ["security__symbol", "account__number"]
    list_select_related = ["security", "account"]
    date_hierarchy = "sold_on"


@admin.register(WashSaleMatch)
class WashSaleMatchAdmin(ReadOnlyAdmin):
    list_display = ["sale", "replacement", "shares", "disallowed", "permanent"]
    list_filter = ["permanent"]
    list_select_related = ["sale__security", "replacement__security"]


@admin.register(SubstantiallyIdenticalGroup)
class SubstantiallyIdenticalGroupAdmin(FirmScopedAdmin):
    """Firm admins declare which securities their firm treats as substantially identical."""

    list_display = ["name", "firm"]
    filter_horizontal = ["securities"]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if request.user.is_superuser else ["firm"]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        group = form.instance
        before = set(group.securities.values_list("pk", flat=True))
        super().save_related(request, form, formsets, change)
        after = set(group.securities.values_list("pk", flat=True))
        households_rebuild_for_securities(firm_id=group.firm_id, security_ids=before | after)

    def delete_model(self, request: HttpRequest, obj: SubstantiallyIdenticalGroup) -> None:
        security_ids = set(obj.securities.values_list("pk", flat=True))
        super().delete_model(request, obj)
        households_rebuild_for_securities(firm_id=obj.firm_id, security_ids=security_ids)
