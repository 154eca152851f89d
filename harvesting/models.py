"""Harvesting: the firm's and households' policies, scans, the opportunities they find, and model versions."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from simple_history.models import HistoricalRecords

from portfolios.models import MONEY, QUANTITY, Firm, Household, Security, TaxLot, User


class Automation(models.TextChoices):
    OFF = "off", "Off"
    SUGGEST = "suggest", "Suggest for approval"
    AUTOMATIC = "automatic", "Execute automatically"


class HarvestPolicy(models.Model):
    """A household's harvesting rules. A household without one uses the defaults below."""

    household = models.OneToOneField(Household, on_delete=models.CASCADE, related_name="harvest_policy")
    min_net_benefit = models.DecimalField(
        "minimum net benefit ($)", **MONEY, default=Decimal("100.00"), help_text="Tax value less costs."
    )
    min_loss_percent = models.DecimalField(
        "minimum loss (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        help_text="Of the lot's basis, scaled by the forecast volatility (10%: chosen by the backtest).",
    )
    automation = models.CharField(max_length=10, choices=Automation.choices, default=Automation.SUGGEST)
    excluded_securities = models.ManyToManyField(Security, blank=True, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "harvest policies"

    def __str__(self) -> str:
        return f"Policy of {self.household}"


class ReplacementPair(models.Model):
    """A firm's chosen replacement for a security; it takes precedence over the correlation choice."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="replacement_pairs")
    security = models.ForeignKey(Security, on_delete=models.CASCADE, related_name="+")
    replacement = models.ForeignKey(Security, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "security"], name="one_replacement_pair_per_security"),
            models.CheckConstraint(
                condition=~models.Q(security=models.F("replacement")), name="replacement_differs_from_security"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.security_id} -> {self.replacement_id}"


class PlannedKind(models.TextChoices):
    DIVIDEND_REINVESTMENT = "dividend_reinvestment", "Dividend reinvestment"
    PENDING_ORDER = "pending_order", "Pending order"
    SCHEDULED_DEPOSIT = "scheduled_deposit", "Scheduled deposit"


class PlannedPurchase(models.Model):
    """A purchase the household will make: a sale within 30 days before it would wash."""

    account = models.ForeignKey("portfolios.Account", on_delete=models.CASCADE, related_name="planned_purchases")
    security = models.ForeignKey(Security, on_delete=models.CASCADE, related_name="+")
    planned_on = models.DateField()
    quantity = models.DecimalField(**QUANTITY)
    kind = models.CharField(max_length=24, choices=PlannedKind.choices)

    class Meta:
        ordering = ["planned_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.security_id} on {self.planned_on}"


class ModelVersion(models.Model):
    """A trained forecast model: its file, what it was trained on, and how it scored out of sample."""

    version = models.CharField(max_length=40, unique=True)
    path = models.CharField(max_length=255, help_text="The model file, relative to MODEL_DIR.")
    predictions_path = models.CharField(
        max_length=255, blank=True, help_text="Its out-of-sample predictions (gzipped CSV), relative to MODEL_DIR."
    )
    predictions_sha256 = models.CharField(max_length=64, blank=True)
    trained_from = models.DateField()
    trained_to = models.DateField(help_text="The last date whose label window ends before the test period.")
    tested_from = models.DateField()
    tested_to = models.DateField()
    features = models.JSONField()
    metrics = models.JSONField(
        help_text="Out of sample, computed from the stored predictions: AUC, Brier score and its base-rate bar, "
        "calibration table, volatility R^2; and the waiting facts."
    )
    is_current = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=models.Q(is_current=True), name="one_current_model_version"
            )
        ]

    def __str__(self) -> str:
        return self.version


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Trigger(models.TextChoices):
    MANUAL = "manual", "Scan now"
    SCHEDULE = "schedule", "Scheduled"
    PRICES = "prices", "New prices"
    API = "api", "API"


class HarvestRun(models.Model):
    """One scan of one household or of a whole firm (one household per task)."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="harvest_runs")
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, null=True, blank=True, related_name="harvest_runs"
    )
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    households_total = models.PositiveIntegerField(default=0)
    households_done = models.PositiveIntegerField(default=0)
    lots_scanned = models.PositiveIntegerField(default=0)
    opportunities_found = models.PositiveIntegerField(default=0)
    as_of = models.DateField(null=True, blank=True, help_text="The price date the scan valued lots at.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Scan {self.pk} ({self.get_status_display()})"

    @property
    def progress(self) -> int:
        """Percent of households scanned."""
        return 100 if not self.households_total else round(100 * self.households_done / self.households_total)


class OpportunityStatus(models.TextChoices):
    OPEN = "open", "Open"
    BLOCKED = "blocked", "Blocked by the wash-sale rule"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    EXECUTED = "executed", "Executed"
    EXPIRED = "expired", "Expired"


class Opportunity(models.Model):
    """A harvest the scan found (or a losing lot it found blocked, with what blocks it and until when).

    Its lot is named by the lot's stable identity (``opened_by`` and ``lot_part``), never by the id of a
    lot row, which every rebuild of the household replaces. ``run`` is the scan that last valued it: a
    rescan updates a live opportunity in place while its lot is still a candidate.
    """

    run = models.ForeignKey(HarvestRun, on_delete=models.CASCADE, related_name="opportunities")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="opportunities")
    account = models.ForeignKey(
        "portfolios.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="opportunities"
    )
    opened_by = models.ForeignKey(
        "portfolios.Transaction",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The ledger entry that opened the lot.",
    )
    lot_part = models.PositiveSmallIntegerField(default=0)
    account_number = models.CharField(max_length=64)
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="+")
    lot_name = models.CharField(max_length=64)
    quantity = models.DecimalField(**QUANTITY)
    price = models.DecimalField(max_digits=18, decimal_places=6)
    loss = models.DecimalField(**MONEY, help_text="Positive: the loss that selling would realize.")
    term = models.CharField(max_length=5)
    tax_value = models.DecimalField(**MONEY, help_text="Tax saved now, given the better opportunities taken first.")
    costs = models.DecimalField(**MONEY)
    net_benefit = models.DecimalField(**MONEY)
    model_score = models.FloatField(
        null=True, blank=True, help_text="The forecast's chance the price falls 5% further within 21 trading days."
    )
    forward_volatility = models.FloatField(
        null=True, blank=True, help_text="The forecast's annualized volatility of the next 21 trading days."
    )
    value_now = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Expected net tax value of harvesting now (the forecast weighed)."
    )
    value_of_waiting = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Expected net tax value of waiting the 21 trading days instead."
    )
    model_version = models.ForeignKey(ModelVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    replacement = models.ForeignKey(Security, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    rank = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN)
    blocked_by = models.CharField(max_length=200, blank=True)
    blocked_until = models.DateField(null=True, blank=True)
    explanation = models.JSONField(default=dict)
    expires_at = models.DateTimeField()
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decision_reason = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords(excluded_fields=["explanation"])

    class Meta:
        ordering = ["run", "rank", "id"]
        verbose_name_plural = "opportunities"
        indexes = [models.Index(fields=["household", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["opened_by", "lot_part"],
                condition=models.Q(status__in=["open", "blocked"]),
                name="one_live_opportunity_per_lot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.security_id} {self.quantity} loss {self.loss} ({self.status})"

    @property
    def is_switch_back(self) -> bool:
        return self.explanation.get("action") == "switch back"

    def current_lot(self) -> TaxLot | None:
        """The lot as it stands now (after any rebuild), or None if it is no longer open."""
        if self.opened_by_id is None:
            return None
        return (
            TaxLot.objects.filter(opened_by_id=self.opened_by_id, part=self.lot_part).select_related("account").first()
        )


class TradingControls(models.Model):
    """A firm's guardrails on automatic and approved trading, and its kill switch."""

    firm = models.OneToOneField(Firm, on_delete=models.CASCADE, related_name="trading_controls")
    kill_switch = models.BooleanField(default=False, help_text="On: no order is submitted for any household.")
    max_orders_per_household_per_day = models.PositiveIntegerField(default=20)
    max_notional_per_household_per_day = models.DecimalField(**MONEY, default=Decimal("1000000.00"))
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "trading controls"

    def __str__(self) -> str:
        return f"Trading controls of {self.firm}"


class OrderStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    SUBMITTED = "submitted", "Submitted"
    PARTIALLY_FILLED = "partially_filled", "Partially filled"
    FILLED = "filled", "Filled"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class Order(models.Model):
    """One order of a harvest. ``client_order_id`` is the idempotency key the broker sees."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="orders")
    account = models.ForeignKey("portfolios.Account", on_delete=models.PROTECT, related_name="orders")
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=4)
    quantity = models.DecimalField(**QUANTITY)
    lot_name = models.CharField(
        max_length=64, blank=True, help_text="The lot a sell relieves (specific identification)."
    )
    client_order_id = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.PROPOSED)
    broker = models.CharField(max_length=20)
    broker_order_id = models.CharField(max_length=64, blank=True)
    filled_quantity = models.DecimalField(**QUANTITY, default=Decimal("0"))
    average_price = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    approved_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    approved_automatically = models.BooleanField(default=False)
    tax_value_at_decision = models.DecimalField(**MONEY, null=True, blank=True)
    model_version_at_decision = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    market_date = models.DateField(
        null=True, blank=True, help_text="The market's date when the order was created (daily limits count by it)."
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    filled_at = models.DateTimeField(null=True, blank=True)
    transaction = models.OneToOneField(
        "portfolios.Transaction", on_delete=models.PROTECT, null=True, blank=True, related_name="order"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.side} {self.quantity} {self.security_id} ({self.status})"


class HouseholdMonitor(models.Model):
    """Price monitoring's memory of one household, and the lock that keeps its scans from overlapping.

    ``last_queued_at`` and ``scheduled_for`` debounce rescans (wall clock: they limit work, not market
    time); ``scanning_since`` is taken by a conditional UPDATE before a scan and cleared after it, so two
    workers never scan one household at once; ``waiting_runs`` holds the runs that found it taken.
    """

    household = models.OneToOneField(Household, on_delete=models.CASCADE, primary_key=True, related_name="monitor")
    last_queued_at = models.DateTimeField(null=True, blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    scanning_since = models.DateTimeField(null=True, blank=True)
    waiting_runs = models.JSONField(default=list, blank=True, help_text="Runs to continue when the scan ends.")

    def __str__(self) -> str:
        return f"Monitor of {self.household}"
