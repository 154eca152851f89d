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


def household_lookups(user: User) -> dict[str, object] | None:
    """Return the filter that selects the households ``user`` may see (None: none at all): all of their firm's
    for a firm admin, else those they serve. Prefixed with a relation, it scopes accounts or clients in the
    same query."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return {}
    if user.firm_id is None or user.role == Role.CLIENT:
        return None  # a client's reports are reached through reporting.selectors
    if user.role == Role.FIRM_ADMIN:
        return {"firm_id": user.firm_id}
    return {"firm_id": user.firm_id, "advisors": user}


def households_for_user(user: User) -> QuerySet[Household]:
    """Return the households ``user`` may see (``household_lookups``)."""
    lookups = household_lookups(user)
    return Household.objects.none() if lookups is None else Household.objects.filter(**lookups)


def _through_household(user: User) -> dict[str, object] | None:
    lookups = household_lookups(user)
    return None if lookups is None else {f"household__{name}": value for name, value in lookups.items()}


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
    """Return the account (with its household, firm and owner) if ``user`` may see its household; raise Http404
    otherwise. One query: the API reads single portfolios under load."""
    lookups = _through_household(user)
    account = (
        None
        if lookups is None
        else Account.objects.select_related("household__firm", "owner")
        .filter(pk=account_id, **lookups)
        .order_by()
        .first()
    )
    if account is None:
        raise Http404("No such portfolio.")
    return account


def account_lots(account: Account) -> list[TaxLot]:
    """The account's open lots with their securities (and each one's latest price), by symbol and age."""
    # Sorted here: the model's default order joins the account and household tables only to sort by them.
    lots = TaxLot.objects.filter(account_id=account.pk).select_related("security__latest").order_by()
    return sorted(lots, key=lambda lot: (lot.security.symbol, lot.acquired_on, lot.name, lot.pk))


def client_get_for_user(user: User, external_id: str) -> Client:
    """Return the client whose firm id (the brief's ``client_id``, any case) is ``external_id`` in one of the
    user's households; raise Http404 when there is none."""
    external_id = external_id.strip()
    if (
        not external_id
        or len(external_id) > Client._meta.get_field("external_id").max_length
        or "\x00" in external_id
        or (lookups := _through_household(user)) is None
    ):
        raise Http404("No such client.")
    clients = list(
        Client.objects.filter(external_id__iexact=external_id, **lookups)
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
    """Return the household's accounts with owners and open lots (their securities and latest prices) prefetched."""
    lots = TaxLot.objects.select_related("security__latest").order_by("security__symbol", "acquired_on", "name")
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
