"""What the project itself keeps beside the apps' data: the answers to idempotent API requests."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class IdempotentRequest(models.Model):
    """The answer to a POST that carried an ``Idempotency-Key``, replayed when the same key comes again.

    Keys belong to the user who sent them; ``fingerprint`` (a hash of the method, path and body) tells a
    retry of the same request from a different request reusing the key. Only successful answers are kept,
    in the same transaction as the work they report, so a request that failed can be corrected and retried.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.TextField(help_text="The answer's JSON, as first sent (a JSON column could reorder its keys).")
    location = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
