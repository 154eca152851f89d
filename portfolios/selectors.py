"""Reads of tenant data, always scoped to what the requesting user may see.

Views and API endpoints fetch households, accounts and lots only through these helpers: an object
outside the user's reach is indistinguishable from one that does not exist (404), so ids of other
firms' households leak nothing.
"""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Prefetch, QuerySet, Value, When
from django.http import Http404

from portfolios.models import Account, AccountType, Client, Firm, Household, Role, TaxLot, User
from taxharvest.errors import ApplicationError

# Taxable accounts first (that is where losses are harvested), then traditional, then Roth IRAs.
ACCOUNT_TYPE_ORDER = Case(
    *(When(account_type=kind, then=Value(rank)) for rank, kind in enumerate(AccountType.values)),
    output_field=IntegerField(),
)


def households_for_user(user: User) -> QuerySet[Household]:
    """Return the households ``user`` may see: all of their firm's for a firm admin, else those they serve."""
    if not user.is_authenticated or not user.is_active:
        return Household.objects.none()
    if user.is_superuser:
        return Household.objects.all()
    if user.firm_id is None or user.role == Role.CLIENT:
        return Household.objects.none()  # a client's reports are reached through reporting.selectors
    scoped = Household.objects.filter(firm_id=user.firm_id)
    if user.role == Role.FIRM_ADMIN:
        return scoped
    return scoped.filter(advisors=user)


def household_list_for_user(user: User) -> QuerySet[Household]:
    """Return the user's households with the counts the list page shows, in one query."""
    return (
        households_for_user(user)
        .select_related("firm")
        .annotate(client_count=Count("clients", distinct=True), account_count=Count("accounts", distinct=True))
        .order_by("name")
    )


def household_get_for_user(user: User, household_id: int) -> Household:
    """Return the household if ``user`` may see it; raise Http404 otherwise."""
    household = households_for_user(user).select_related("firm").filter(pk=household_id).first()
    if household is None:
        raise Http404("No such household.")
    return household


def account_get_for_user(user: User, account_id: int) -> Account:
    """Return the account (its lots and their securities prefetched) if ``user`` may see its household;
    raise Http404 otherwise."""
    lots = TaxLot.objects.select_related("security").order_by("security__symbol", "acquired_on", "name")
    account = (
        Account.objects.filter(pk=account_id, household__in=households_for_user(user))
        .select_related("household__firm", "owner")
        .prefetch_related(Prefetch("lots", queryset=lots))
        .first()
    )
    if account is None:
        raise Http404("No such portfolio.")
    return account


def client_get_for_user(user: User, external_id: str) -> Client:
    """Return the client whose firm id (the brief's ``client_id``, any case) is ``external_id`` in one of the
    user's households; raise Http404 when there is none."""
    external_id = external_id.strip()
    if not external_id or len(external_id) > Client._meta.get_field("external_id").max_length or "\x00" in external_id:
        raise Http404("No such client.")
    clients = list(
        Client.objects.filter(household__in=households_for_user(user), external_id__iexact=external_id)
        .select_related("household__firm")
        .order_by("pk")[:2]
    )
    if not clients:
        raise Http404("No such client.")
    if len(clients) > 1:
        raise ApplicationError(
            f"The client id {external_id!r} belongs to more than one of your households; give each client its own "
            "id in the admin."
        )
    return clients[0]


def household_accounts_with_lots(household: Household) -> QuerySet[Account]:
    """Return the household's accounts with owners and open lots (and their securities) prefetched."""
    lots = TaxLot.objects.select_related("security").order_by("security__symbol", "acquired_on", "name")
    return (
        household.accounts.select_related("owner")
        .prefetch_related(Prefetch("lots", queryset=lots))
        .order_by(ACCOUNT_TYPE_ORDER, "number")
    )


def firm_for_user(user: User) -> Firm:
    """Return the user's firm; raise Http404 for users without one."""
    if user.firm is None:
        raise Http404("No firm.")
    return user.firm
