"""The advisor's view of their book: the households they serve and what each one holds."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from brokers.market_clock import market_date, market_now
from harvesting.models import Opportunity, PlannedPurchase
from harvesting.selectors import blocked_opportunities, wash_sale_windows
from portfolios.holdings import household_positions, household_totals
from portfolios.models import Price, TaxLot, Transaction
from portfolios.selectors import household_accounts_with_lots, household_get_for_user, household_list_for_user
from taxharvest.fragments import cached_fragment, newest
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

    def render_body() -> str:
        accounts = household_positions(list(household_accounts_with_lots(household)), at)
        profile = household.tax_profiles.order_by("-tax_year").first()
        as_of = market_date(at)
        context = {
            "household": household,
            "clients": household.clients.all(),
            "accounts": accounts,
            "totals": household_totals(accounts),
            "tax": profile and tax_summary(profile),
            "windows": wash_sale_windows(household, as_of),
            "blocked": blocked_opportunities(household, at),
            "as_of": as_of,
        }
        return render_to_string("portfolios/_household_body.html", context, request=request)

    mine = {"account__household": household}

    def version() -> tuple[object, ...]:
        return (
            at,
            *newest(
                Price.objects.all(),
                TaxLot.objects.filter(**mine),
                Transaction.objects.filter(**mine),
                PlannedPurchase.objects.filter(**mine),
                household.clients.all(),
                household.accounts.all(),
            ),
            *newest(household.tax_profiles.all(), field="updated_at"),
            *newest(Opportunity.history.filter(household=household), field="history_id"),
        )

    fragment = cached_fragment(request, "household", version, render_body)
    return render(request, "portfolios/household_detail.html", {"household": household, "fragment": fragment})
