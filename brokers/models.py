"""The paper broker's own book: orders it accepted, so a lost response can be looked up after a crash."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from portfolios.models import PRICE, QUANTITY


class PaperOrder(models.Model):
    client_order_id = models.CharField(max_length=64, unique=True)
    symbol = models.CharField(max_length=16)
    side = models.CharField(max_length=4)
    quantity = models.DecimalField(**QUANTITY)
    status = models.CharField(max_length=20)
    filled_quantity = models.DecimalField(**QUANTITY, default=Decimal("0"))
    average_price = models.DecimalField(**PRICE, null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    filled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.client_order_id} {self.side} {self.quantity} {self.symbol} {self.status}"


class FeedStatus(models.TextChoices):
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    STOPPED = "stopped", "Stopped"
    FAILED = "failed", "Failed"


class FeedState(models.Model):
    """The market-data feed as the rest of the product sees it: one row, written by ``run_feed``.

    ``market_time`` is the market clock while a replay runs or after it ends (the demo lives in 2022);
    ``last_batch_at`` and ``lag_seconds`` are wall-clock facts about the feed process itself.
    """

    provider = models.CharField(max_length=20)
    live = models.BooleanField(default=False, help_text="A live provider: the market clock is the wall clock.")
    status = models.CharField(max_length=10, choices=FeedStatus.choices, default=FeedStatus.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    market_time = models.DateTimeField(null=True, blank=True)
    last_tick_at = models.DateTimeField(null=True, blank=True, help_text="Market time of the newest tick.")
    last_batch_at = models.DateTimeField(null=True, blank=True, help_text="When the newest batch was stored.")
    lag_seconds = models.FloatField(null=True, blank=True, help_text="How late the newest batch was stored.")
    batches = models.PositiveBigIntegerField(default=0)
    ticks = models.PositiveBigIntegerField(default=0)
    simulated = models.BooleanField(default=False, help_text="The newest batch held simulated ticks.")
    settings = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.provider} feed ({self.status})"


class BrokerEnvironment(models.TextChoices):
    """The broker's own endpoints a firm may choose between (their URLs live with each broker's adapter)."""

    PAPER = "paper", "Paper trading"
    LIVE = "live", "Live trading"


class BrokerConnection(models.Model):
    """A firm's connection to a live broker, with the firm's own credentials encrypted (``brokers.credentials``).

    The endpoint is one the broker publishes (``environment``); ``base_url`` is a test server that only a
    platform superuser may set. No row names an environment variable or a URL that the server's own secrets
    are sent to.
    """

    firm = models.ForeignKey("portfolios.Firm", on_delete=models.CASCADE, related_name="broker_connections")
    broker = models.CharField(max_length=20, choices=[("alpaca", "Alpaca")], default="alpaca")
    label = models.CharField(max_length=80)
    environment = models.CharField(max_length=10, choices=BrokerEnvironment.choices, default=BrokerEnvironment.PAPER)
    api_key_encrypted = models.TextField(blank=True, editable=False)
    secret_key_encrypted = models.TextField(blank=True, editable=False)
    base_url = models.URLField(
        "test server URL", blank=True, help_text="Platform operators only: a test server instead of the broker."
    )
    enabled = models.BooleanField(default=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_check_ok = models.BooleanField(null=True, blank=True)
    last_check_message = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["firm", "broker"], name="one_connection_per_firm_and_broker")]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_broker_display()}, {self.get_environment_display().lower()})"

    @property
    def paper(self) -> bool:
        return self.environment == BrokerEnvironment.PAPER

    @property
    def has_credentials(self) -> bool:
        return bool(self.api_key_encrypted and self.secret_key_encrypted)
