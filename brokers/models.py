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
