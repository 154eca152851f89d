"""The dashboard: an advisor's book (or one household) at a glance, refreshed live while prices stream in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from brokers.market_clock import market_now
from brokers.models import FeedState, FeedStatus
from harvesting.models import Opportunity, Order
from portfolios.models import Price, RealizedSale, TaxLot
from portfolios.selectors import household_get_for_user, household_list_for_user, households_for_user
from reporting.dashboard import chart, dashboard_figures, value_series
from taxharvest.fragments import cached_fragment, newest
from taxharvest.http import AuthenticatedHttpRequest


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    household = None
    if request.GET.get("household", "").isdigit():
        household = household_get_for_user(request.user, int(request.GET["household"]))
    ids = [household.pk] if household else list(households_for_user(request.user).values_list("pk", flat=True))
    live = FeedState.objects.filter(status=FeedStatus.RUNNING).exists()

    def render_tiles() -> str:
        context = {"figures": dashboard_figures(ids), "chart": chart(value_series(ids)), "live": live}
        return render_to_string("reporting/_dashboard.html", context, request=request)

    def version() -> tuple[object, ...]:
        return (
            market_now(),
            live,
            tuple(ids),
            *newest(Price.objects.all(), TaxLot.objects.all(), RealizedSale.objects.all()),
            *newest(Opportunity.history.all(), Order.history.all(), field="history_id"),
        )

    fragment = cached_fragment(request, "dashboard", version, render_tiles)
    if request.htmx and not request.htmx.history_restore_request:
        return HttpResponse(fragment)
    context = {"fragment": fragment, "household": household, "households": household_list_for_user(request.user)}
    return render(request, "reporting/dashboard.html", context)
