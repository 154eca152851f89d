"""Writes to firms, people, households and the ledger.

Each service is one database transaction. Tax lots are never written directly: they are rebuilt
from the ledger, so the lots table always equals a replay of the household's transactions.
"""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from harvesting.engine.lots import LedgerError
from portfolios.ledger import replay_household
from portfolios.locks import household_lock
from portfolios.models import Client, Firm, Household, RealizedSale, Role, TaxLot, User, WashSaleMatch
from taxharvest.errors import ApplicationError


@transaction.atomic
def user_create(
    *,
    firm: Firm,
    email: str,
    password: str | None,
    role: Role = Role.ADVISOR,
    first_name: str = "",
    last_name: str = "",
    client: Client | None = None,
) -> User:
    """Create a user of ``firm``. Firm admins may use the Django admin (scoped to their firm)."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ApplicationError(f"A user with the email {email} already exists.")
    user = User.objects.create_user(
        email=email,
        password=password,
        firm=firm,
        role=role,
        first_name=first_name,
        last_name=last_name,
        is_staff=role == Role.FIRM_ADMIN,
        client=client,
    )
    if password is None:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def user_invite(*, user: User, base_url: str) -> None:
    """Email ``user`` a one-time link to set their password and sign in.

    The link is allauth's password-reset link: it expires like one and stops working once used or
    once the password changes, so an invitation is exactly as safe as a reset.
    """
    if not user.is_active:
        raise ApplicationError(f"{user.email} is deactivated; activate the user before inviting them.")
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    context = {"user": user, "firm": user.firm, "url": base_url.rstrip("/") + path}
    send_mail(
        subject=f"You are invited to taxharvest by {user.firm or 'your firm'}",
        message=render_to_string("portfolios/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def household_rebuild_lots(*, household: Household) -> int:
    """Replace the household's lots, realized sales and wash-sale matches with a replay of its ledger.

    Return how many lots are open. Callers run this after any change to the household's
    transactions, so the tables always equal a replay. The household's lock is taken before the ledger
    is read: concurrent rebuilds run one after the other, each replaying everything committed before it.
    """
    household_lock(household.pk)
    try:
        result = replay_household(household)
    except LedgerError as error:
        raise ApplicationError(
            f"The ledger of {household} cannot be replayed: transaction {error.row} {error.reason}."
        ) from error
    TaxLot.objects.filter(account__household=household).delete()
    RealizedSale.objects.filter(account__household=household).delete()
    WashSaleMatch.objects.filter(sale__account__household=household).delete()
    TaxLot.objects.bulk_create(result.lot_rows(), batch_size=1000)
    RealizedSale.objects.bulk_create(result.sale_rows(), batch_size=1000)
    WashSaleMatch.objects.bulk_create(result.wash_sale_rows(), batch_size=1000)
    return len(result.replay.open_lots)


@transaction.atomic
def households_rebuild_for_securities(*, firm_id: int, security_ids: set[int]) -> int:
    """Rebuild every household of the firm that ever traded one of ``security_ids``; return how many.

    Run after the firm's substantially-identical declarations change, since they change wash sales.
    """
    households = Household.objects.filter(
        firm_id=firm_id, accounts__transactions__security_id__in=security_ids
    ).distinct()
    count = 0
    for household in households:
        household_rebuild_lots(household=household)
        count += 1
    return count


@transaction.atomic
def firm_wash_sale_reading_set(*, firm: Firm, reading: str) -> int:
    """Set which purchases wash a loss for the whole firm and rebuild every household under it; return how
    many were rebuilt. Lots, realized sales and Form 8949 figures all change with the reading."""
    firm.wash_sale_reading = reading
    firm.save(update_fields=["wash_sale_reading"])
    count = 0
    for household in Household.objects.filter(firm=firm).select_related("firm").order_by("pk"):
        household_rebuild_lots(household=household)
        count += 1
    return count
