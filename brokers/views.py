"""The feed page: the market-data feed's state and the scans it has set going, refreshed live by htmx."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from brokers.feed import feed_overview
from brokers.market_clock import market_now
from portfolios.selectors import household_list_for_user
from taxharvest.http import AuthenticatedHttpRequest


@login_required
def feed_status(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Prices are shared by every firm; the scan counts are only those of the viewer's households."""
    household_ids = list(household_list_for_user(request.user).values_list("pk", flat=True))
    overview = feed_overview(household_ids, request.user.firm_id if request.user.is_firm_admin else None)
    state = overview.state
    since_last = (timezone.now() - state.last_batch_at).total_seconds() if state and state.last_batch_at else None
    partial = request.htmx and not request.htmx.history_restore_request
    return render(
        request,
        "brokers/_feed.html" if partial else "brokers/feed.html",
        {"overview": overview, "state": state, "market_now": market_now(), "since_last": since_last},
    )
