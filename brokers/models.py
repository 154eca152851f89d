"""The paper broker's own book: orders it accepted, so a lost response can be looked up after a crash."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import RegexValidator
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


ENV_NAME = RegexValidator(r"^[A-Z][A-Z0-9_]*$", "An environment variable name: capitals, digits and underscores.")


class BrokerConnection(models.Model):
    """A firm's connection to a live broker. The credentials never enter the database: the row names the
    environment variables that hold them, so a firm admin can manage connections without seeing secrets."""

    firm = models.ForeignKey("portfolios.Firm", on_delete=models.CASCADE, related_name="broker_connections")
    broker = models.CharField(max_length=20, choices=[("alpaca", "Alpaca")], default="alpaca")
    label = models.CharField(max_length=80)
    paper = models.BooleanField("paper trading", default=True)
    api_key_variable = models.CharField(max_length=64, default="ALPACA_API_KEY", validators=[ENV_NAME])
    secret_key_variable = models.CharField(max_length=64, default="ALPACA_SECRET_KEY", validators=[ENV_NAME])
    base_url = models.URLField(blank=True, help_text="Leave empty for the broker's own endpoint.")
    enabled = models.BooleanField(default=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_check_ok = models.BooleanField(null=True, blank=True)
    last_check_message = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["firm", "broker"], name="one_connection_per_firm_and_broker")]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_broker_display()}{', paper' if self.paper else ', live'})"
