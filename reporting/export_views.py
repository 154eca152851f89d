"""Form 8949 and transactions CSV downloads (being written)."""

from __future__ import annotations

from django.http import HttpResponse

from taxharvest.http import AuthenticatedHttpRequest


def form8949_download(request: AuthenticatedHttpRequest, household_id: int, year: int) -> HttpResponse:
    raise NotImplementedError


def transactions_download(request: AuthenticatedHttpRequest, household_id: int, year: int) -> HttpResponse:
    raise NotImplementedError
