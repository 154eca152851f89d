"""The dashboard: an advisor's book (or one household) at a glance, refreshed live while prices stream in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from brokers.models import FeedState, FeedStatus
from portfolios.selectors import household_get_for_user, household_list_for_user, households_for_user
from reporting.dashboard import chart, dashboard_figures, value_series
from taxharvest.http import AuthenticatedHttpRequest


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    household = None
    if request.GET.get("household", "").isdigit():
        household = household_get_for_user(request.user, int(request.GET["household"]))
    ids = [household.pk] if household else list(households_for_user(request.user).values_list("pk", flat=True))
    feed = FeedState.objects.filter(status=FeedStatus.RUNNING).only("status").first()
    context = {
        "household": household,
        "households": household_list_for_user(request.user),
        "figures": dashboard_figures(ids),
        "chart": chart(value_series(ids)),
        "live": feed is not None,
    }
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "reporting/_dashboard.html" if partial else "reporting/dashboard.html", context)
