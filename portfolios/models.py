"""Firms, the people who work in them, the households they serve, and what those households own.

The transaction ledger is the record; tax lots are the state that replaying it produces (see
``portfolios.services.household_rebuild_lots``). Money and quantities are Decimal throughout.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import is_password_usable
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse

MONEY = {"max_digits": 18, "decimal_places": 2}
PRICE = {"max_digits": 18, "decimal_places": 6}
QUANTITY = {"max_digits": 20, "decimal_places": 8}


class WashSaleReading(models.TextChoices):
    """Which earlier purchases a loss sale is matched with (``harvesting.engine.lots.WashSaleReading``)."""

    STATUTE = "statute", "Any purchase in the 30 days before the sale (IRC §1091 as written; the default)"
    HELD_AT_SALE = "held_at_sale", "Only purchases still held at the sale (less conservative)"


class Firm(models.Model):
    """A wealth-management firm: the tenant. Nothing of one firm is ever visible to another."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    wash_sale_reading = models.CharField(
        max_length=12,
        choices=WashSaleReading.choices,
        default=WashSaleReading.STATUTE,
        help_text="Which purchases made before a loss sale wash it. The ledger, the scan and the backtest read this. "
        "The narrower reading is the less conservative choice: §1091 has no condition that the shares be held.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADVISOR = "advisor", "Advisor"
    FIRM_ADMIN = "firm_admin", "Firm admin"
    CLIENT = "client", "Client (reports only)"


class TaxharvestUserManager(UserManager["User"]):
    """Sign-in is by email; the username mirrors it so Django's admin keeps working."""

    def create_user(self, username=None, email=None, password=None, **extra_fields):  # type: ignore[no-untyped-def,override]
        email = self.normalize_email(email or username)
        return super().create_user(username or email, email, password, **extra_fields)

    def create_superuser(self, username=None, email=None, password=None, **extra_fields):  # type: ignore[no-untyped-def,override]
        email = self.normalize_email(email or username)
        return super().create_superuser(username or email, email, password, **extra_fields)


# A change to any of these ends the user's API tokens (taxharvest/api_auth.py): what the token was issued for no
# longer holds. A role, staff status or firm decides what the API reaches and whether two-factor is required.
TOKEN_REVOKING_ATTNAMES = frozenset({"password", "role", "firm_id", "is_active", "is_staff", "is_superuser"})


class User(AbstractUser):
    """A person who signs in: an advisor or a firm admin of one firm (or a platform superuser), or a
    client of one of its households, who sees only that household's reports."""

    email = models.EmailField("email address", unique=True)
    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, null=True, blank=True, related_name="users")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.ADVISOR)
    client = models.OneToOneField(
        "Client",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="login",
        help_text="For a client login: the person whose household's reports it may download (and nothing else).",
    )
    token_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Every API token carries the version it was issued under and stops working once this moves on: "
        "a new password, role or firm, deactivation, a removed authenticator app.",
    )

    objects = TaxharvestUserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_superuser=True) | Q(firm__isnull=False),
                name="user_belongs_to_a_firm_unless_superuser",
            ),
            models.CheckConstraint(
                condition=Q(role="client", client__isnull=False) | (~Q(role="client") & Q(client__isnull=True)),
                name="client_login_has_a_client",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, moving ``token_version`` on when what the user's API tokens vouched for has changed.

        Done here rather than where each change is made (the admin, allauth's password views, a service) so that
        no way of saving a user can forget it. ``QuerySet.update`` bypasses it: use ``revoke_api_tokens`` then.
        """
        update_fields = kwargs.get("update_fields")
        if self._changes_revoking_api_tokens(update_fields):
            self.token_version += 1
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "token_version"}
        super().save(*args, **kwargs)
        self._saved_token_state = self._token_state()

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> User:
        user = super().from_db(db, field_names, values)
        user._saved_token_state = user._token_state()
        return user

    @property
    def is_firm_admin(self) -> bool:
        return self.role == Role.FIRM_ADMIN and self.firm_id is not None

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT

    @classmethod
    def revoke_api_tokens(cls, *, user_id: int) -> None:
        """End every API token issued so far to the user ``user_id`` (in one UPDATE, so that no save races it)."""
        cls.objects.filter(pk=user_id).update(token_version=F("token_version") + 1)

    def _token_state(self) -> dict[str, Any]:
        # Deferred fields are not loaded, so they cannot have been changed either.
        return {name: self.__dict__[name] for name in TOKEN_REVOKING_ATTNAMES if name in self.__dict__}

    def _changes_revoking_api_tokens(self, update_fields: Any) -> bool:
        saved = getattr(self, "_saved_token_state", None)
        if saved is None:  # a new user: no token can have been issued yet
            return False
        saving = TOKEN_REVOKING_ATTNAMES
        if update_fields is not None:
            saving = {self._meta.get_field(name).attname for name in update_fields} & TOKEN_REVOKING_ATTNAMES
        current = self._token_state()
        changed = {name for name in saving if name in saved and current.get(name) != saved[name]}
        if "password" in changed and not (saved["password"] and is_password_usable(saved["password"])):
            # Setting the first password (as creating a user does) ends no token: none could be had without one.
            changed.discard("password")
        return bool(changed)


@receiver(post_delete, sender="mfa.Authenticator", dispatch_uid="portfolios.user.authenticator_removed")
def _revoke_api_tokens_when_an_authenticator_goes(sender: Any, instance: Any, **kwargs: Any) -> None:
    """End the owner's API tokens when an authenticator app or recovery codes are removed (allauth or the admin).

    Connected here, with the model, so it holds in every process: a web worker, a shell, a management command.
    """
    User.revoke_api_tokens(user_id=instance.user_id)


class Household(models.Model):
    """The unit of the wash-sale rule: a client, their spouse, and every account either owns."""

    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="households")
    name = models.CharField(max_length=200)
    advisors = models.ManyToManyField(User, related_name="households", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["firm", "name"], name="household_name_unique_in_firm")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("portfolios:household_detail", args=[self.pk])


class Client(models.Model):
    """A person in a household. ``external_id`` is the firm's own client id (the brief's client_id)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="clients")
    external_id = models.CharField("client id", max_length=64)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["household", "name"]
        constraints = [
            models.UniqueConstraint(fields=["household", "external_id"], name="client_id_unique_in_household")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"


class AccountType(models.TextChoices):
    TAXABLE = "taxable", "Taxable"
    TRADITIONAL_IRA = "traditional_ira", "Traditional IRA"
    ROTH_IRA = "roth_ira", "Roth IRA"


class ReliefMethod(models.TextChoices):
    FIFO = "fifo", "First in, first out"
    HIFO = "hifo", "Highest cost first"


class Account(models.Model):
    """A brokerage account. ``owner`` is empty for a joint account of the household."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="accounts")
    owner = models.ForeignKey(Client, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts")
    name = models.CharField(max_length=200, blank=True)
    account_type = models.CharField(max_length=20, choices=AccountType.choices, default=AccountType.TAXABLE)
    broker = models.CharField(max_length=40, default="paper")
    number = models.CharField(max_length=64)
    relief_method = models.CharField(
        "lot relief method", max_length=10, choices=ReliefMethod.choices, default=ReliefMethod.FIFO
    )

    class Meta:
        ordering = ["household", "number"]
        constraints = [
            models.UniqueConstraint(fields=["household", "number"], name="account_number_unique_in_household")
        ]

    def __str__(self) -> str:
        return self.name or f"{self.get_account_type_display()} {self.number}"

    def clean(self) -> None:
        if self.owner_id is not None and self.owner.household_id != self.household_id:
            raise ValidationError({"owner": "The owner must be a client of this household."})

    @property
    def is_tax_deferred(self) -> bool:
        return self.account_type != AccountType.TAXABLE


class SecurityKind(models.TextChoices):
    STOCK = "stock", "Stock"
    ETF = "etf", "ETF"
    INDEX = "index", "Index"


class Security(models.Model):
    """A tradable instrument or a benchmark index.

    Securities sharing an ``identity_group`` are substantially identical for the wash-sale rule
    everywhere (share classes of one company); a firm adds its own declarations with
    ``SubstantiallyIdenticalGroup``. Blank means: identical only to itself.
    """

    symbol = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=SecurityKind.choices, default=SecurityKind.STOCK)
    sector = models.CharField(max_length=80, blank=True)
    identity_group = models.CharField(max_length=40, blank=True, db_index=True)
    tradable = models.BooleanField(default=True)

    class Meta:
        ordering = ["symbol"]
        verbose_name_plural = "securities"

    def __str__(self) -> str:
        return self.symbol


class Price(models.Model):
    """One observation of a security's price: a session close, or an intraday tick from a feed.

    The unique (security, timestamp) index serves both questions the product asks most: the latest
    price of a security at or before a time (one backward index probe), and the path of one security
    over a period (one range scan). Closes get their own partial index on time, because the model and
    the replacement correlations read a year of closes for every security and must not wade through
    the intraday ticks stored beside them.
    """

    security = models.ForeignKey(Security, on_delete=models.CASCADE, related_name="prices")
    timestamp = models.DateTimeField()
    price = models.DecimalField(**PRICE)
    volume = models.BigIntegerField(null=True, blank=True)
    intraday = models.BooleanField(default=False, help_text="A tick during the session, not its close.")
    simulated = models.BooleanField(
        default=False, help_text="Invented by the replay feed between two real closes; never a traded price."
    )

    class Meta:
        ordering = ["security", "timestamp"]
        constraints = [
            models.UniqueConstraint(fields=["security", "timestamp"], name="one_price_per_security_and_time")
        ]
        indexes = [models.Index(fields=["timestamp"], condition=Q(intraday=False), name="price_closes_by_time")]

    def __str__(self) -> str:
        return f"{self.security_id} {self.timestamp:%Y-%m-%d %H:%M} {self.price}"


class LatestPrice(models.Model):
    """The newest stored price of each security: a cache the ingest keeps current in the same transaction
    as the prices themselves, so "what is it worth now" is one primary-key lookup per security."""

    security = models.OneToOneField(Security, on_delete=models.CASCADE, primary_key=True, related_name="latest")
    timestamp = models.DateTimeField()
    price = models.DecimalField(**PRICE)
    simulated = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.security_id} {self.timestamp:%Y-%m-%d %H:%M} {self.price}"


class Action(models.TextChoices):
    BUY = "buy", "Buy"
    SELL = "sell", "Sell"
    REINVEST = "reinvest", "Dividend reinvestment"
    TRANSFER_IN = "transfer_in", "Transfer in"


class Transaction(models.Model):
    """One entry of the ledger. Same-day entries happened in the order they were recorded (by id).

    A transfer-in brings an existing lot with its own ``cost_basis`` and ``acquired_on`` date; the
    other actions take their basis or proceeds from quantity x price and fees.
    """

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="transactions")
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="transactions")
    action = models.CharField(max_length=12, choices=Action.choices)
    trade_date = models.DateField()
    quantity = models.DecimalField(**QUANTITY)
    price = models.DecimalField(**PRICE)
    fees = models.DecimalField(**MONEY, default=Decimal("0"))
    lot_name = models.CharField(max_length=64, blank=True)
    cost_basis = models.DecimalField(**MONEY, null=True, blank=True)
    acquired_on = models.DateField(null=True, blank=True)
    batch = models.ForeignKey(
        "ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="transactions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["trade_date", "id"]
        indexes = [models.Index(fields=["account", "trade_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="transaction_quantity_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="transaction_price_not_negative"),
            models.CheckConstraint(condition=Q(fees__gte=0), name="transaction_fees_not_negative"),
            models.CheckConstraint(
                condition=~Q(action="transfer_in") | Q(cost_basis__isnull=False, acquired_on__isnull=False),
                name="transfer_in_has_basis_and_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trade_date} {self.action} {self.quantity} {self.security_id}"


class TaxLot(models.Model):
    """An open lot: what replaying the ledger leaves in an account. Never edited by hand.

    A wash sale can split a purchase into parts with different bases and holding periods; the parts
    keep the purchase's lot name. ``wash_sale_adjustment`` is the disallowed loss in the basis.

    ``opened_by`` (the ledger entry that opened the lot) and ``part`` are its stable identity: a rebuild
    replaces the rows, never that identity, and the database refuses two rows with one identity, so two
    rebuilds can never leave a household's lots twice over.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="lots")
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="lots")
    opened_by = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="open_lots")
    part = models.PositiveSmallIntegerField(default=0, help_text="Which part of the purchase a wash sale split off.")
    name = models.CharField(max_length=64)
    quantity = models.DecimalField(**QUANTITY)
    adjusted_basis = models.DecimalField(**MONEY)
    wash_sale_adjustment = models.DecimalField(**MONEY, default=Decimal("0"))
    acquired_on = models.DateField()
    holding_period_start = models.DateField()

    class Meta:
        ordering = ["account", "security", "acquired_on", "name", "id"]
        verbose_name = "tax lot"
        indexes = [models.Index(fields=["account", "security"])]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="lot_quantity_positive"),
            models.UniqueConstraint(fields=["opened_by", "part"], name="one_lot_per_purchase_part"),
        ]

    def __str__(self) -> str:
        return f"{self.security_id} {self.quantity} @ {self.adjusted_basis} ({self.acquired_on})"

    @property
    def basis_per_share(self) -> Decimal:
        return self.adjusted_basis / self.quantity


class Term(models.TextChoices):
    SHORT = "short", "Short-term"
    LONG = "long", "Long-term"


class RealizedSale(models.Model):
    """The part of one lot that one sell closed, as Form 8949 reports it. Rebuilt with the lots.

    ``gain_loss`` = proceeds - cost basis + wash-sale adjustment (column (h)); stored, like
    ``term``, so that reports can sum by year and term in the database.
    """

    transaction = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="realized_sales")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="realized_sales")
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="realized_sales")
    lot_name = models.CharField(max_length=64)
    quantity = models.DecimalField(**QUANTITY)
    acquired_on = models.DateField()
    holding_period_start = models.DateField()
    sold_on = models.DateField()
    proceeds = models.DecimalField(**MONEY)
    cost_basis = models.DecimalField(**MONEY)
    wash_sale_adjustment = models.DecimalField(**MONEY, default=Decimal("0"))
    gain_loss = models.DecimalField(**MONEY)
    term = models.CharField(max_length=5, choices=Term.choices)
    reportable = models.BooleanField(help_text="False for sales inside an IRA or Roth IRA.")

    class Meta:
        ordering = ["sold_on", "transaction", "acquired_on", "id"]
        indexes = [models.Index(fields=["account", "sold_on"])]

    def __str__(self) -> str:
        return f"{self.sold_on} {self.quantity} {self.security_id} {self.gain_loss}"

    @property
    def code(self) -> str:
        return "W" if self.wash_sale_adjustment else ""


class WashSaleMatch(models.Model):
    """Shares of one purchase that absorbed (part of) the loss of one sale. Rebuilt with the lots.

    ``permanent`` marks a replacement bought in an IRA or Roth IRA: the loss is lost for good.
    """

    sale = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="wash_sales_as_sale")
    replacement = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="wash_sales_as_replacement")
    shares = models.DecimalField(**QUANTITY)
    disallowed = models.DecimalField(**MONEY)
    permanent = models.BooleanField(default=False)

    class Meta:
        ordering = ["sale", "replacement"]
        verbose_name_plural = "wash-sale matches"

    def __str__(self) -> str:
        return f"{self.shares} shares of {self.replacement_id} absorb {self.disallowed} of {self.sale_id}"


class SubstantiallyIdenticalGroup(models.Model):
    """A firm's declaration that these securities are substantially identical (e.g. two share
    classes, or two funds on the same index). Different companies' stocks never belong together."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="identical_groups")
    name = models.CharField(max_length=100)
    securities = models.ManyToManyField(Security, related_name="identical_groups")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["firm", "name"], name="identical_group_name_unique_in_firm")]

    def __str__(self) -> str:
        return self.name


class ImportKind(models.TextChoices):
    HOLDINGS = "holdings", "Holdings"
    LEDGER = "ledger", "Transaction ledger"


class ImportBatch(models.Model):
    """One accepted import file: who loaded what, when. The same file is never loaded twice."""

    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="import_batches")
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="import_batches"
    )
    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField()
    imported_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "import batches"
        constraints = [
            models.UniqueConstraint(fields=["firm", "kind", "sha256"], name="import_file_loaded_once_per_firm")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename} ({self.row_count} rows)"
