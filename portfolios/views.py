"""The advisor's view of their book: the households they serve and what each one holds."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from brokers.market_clock import market_date, market_now
from harvesting.selectors import blocked_opportunities, wash_sale_windows
from portfolios.holdings import household_positions, household_totals
from portfolios.selectors import household_accounts_with_lots, household_get_for_user, household_list_for_user
from taxharvest.http import AuthenticatedHttpRequest
from taxprofiles.selectors import tax_summary


@login_required
def household_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    households = household_list_for_user(request.user).prefetch_related("advisors")
    query = request.GET.get("q", "").strip()
    if query:
        households = households.filter(name__icontains=query)
    partial = request.htmx and not request.htmx.history_restore_request
    template = "portfolios/_household_table.html" if partial else "portfolios/household_list.html"
    return render(request, template, {"households": households, "query": query})


@login_required
def household_detail(request: AuthenticatedHttpRequest, household_id: int) -> HttpResponse:
    household = household_get_for_user(request.user, household_id)
    at = market_now()
    accounts = household_positions(list(household_accounts_with_lots(household)), at)
    profile = household.tax_profiles.order_by("-tax_year").first()
    as_of = market_date(at)
    return render(
        request,
        "portfolios/household_detail.html",
        {
            "household": household,
            "clients": household.clients.all(),
            "accounts": accounts,
            "totals": household_totals(accounts),
            "tax": profile and tax_summary(profile),
            "windows": wash_sale_windows(household, as_of),
            "blocked": blocked_opportunities(household, at),
            "as_of": as_of,
        },
    )
