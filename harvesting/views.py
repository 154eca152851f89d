"""Scans, opportunities and orders in the portal: start a scan and watch it run, decide on what it found
(one by one or in bulk), and follow the orders; and the forecast model's record."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from brokers.market_clock import market_now
from harvesting.engine import forecast
from harvesting.execution import (
    FINAL,
    opportunity_approve,
    opportunity_reject,
    order_cancel,
    order_is_stuck,
    order_retry,
)
from harvesting.explaining import explanations_for
from harvesting.model_record import model_records
from harvesting.models import Opportunity, OpportunityStatus, Order, RunStatus
from harvesting.scanning import scan_start
from harvesting.selectors import (
    open_opportunities_for_user,
    opportunity_get_for_user,
    order_get_for_user,
    orders_for_user,
    run_get_for_user,
    run_opportunities,
    withdrawn_opportunities_for_user,
)
from portfolios.selectors import household_get_for_user, household_list_for_user
from taxharvest.errors import ApplicationError
from taxharvest.fragments import cached_fragment, newest
from taxharvest.http import AuthenticatedHttpRequest
from taxprofiles.models import TaxProfile

LIST_LIMIT = 200


@login_required
@require_POST
def household_scan_start(request: AuthenticatedHttpRequest, household_id: int) -> HttpResponse:
    household = household_get_for_user(request.user, household_id)
    run = scan_start(firm=household.firm, household=household, requested_by=request.user)
    return redirect("harvesting:run_detail", run_id=run.pk)


@login_required
def run_detail(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    run = run_get_for_user(request.user, run_id)
    opportunities = list(run_opportunities(run, request.user)) if run.status == RunStatus.DONE else []
    context = {
        "run": run,
        "running": run.status in (RunStatus.QUEUED, RunStatus.RUNNING),
        "opportunities": opportunities,
        # The plan: what the scan recommends doing now, in rank order (approved together or item by item).
        "plan": [o.pk for o in opportunities if o.status == OpportunityStatus.OPEN and o.rank is not None],
    }
    template = "harvesting/_run.html" if request.htmx else "harvesting/run_detail.html"
    return render(request, template, context)


@login_required
@require_POST
def opportunity_decide(request: AuthenticatedHttpRequest, opportunity_id: int, decision: str) -> HttpResponse:
    """Approve (the harvest executes in the background) or reject with a reason; back to the scan."""
    opportunity = opportunity_get_for_user(request.user, opportunity_id)
    try:
        if decision == "approve":
            opportunity_approve(opportunity=opportunity, user=request.user)
            messages.success(
                request, f"Approved: selling {opportunity.security.symbol}; the replacement follows the fill."
            )
        else:
            opportunity_reject(opportunity=opportunity, user=request.user, reason=request.POST.get("reason", ""))
            messages.info(request, f"Rejected the {opportunity.security.symbol} harvest.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _back(request) or redirect("harvesting:run_detail", run_id=opportunity.run_id)


def _back(request: AuthenticatedHttpRequest) -> HttpResponse | None:
    """Where the form asked to return (the opportunities page, a household page), if it is ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return None


@login_required
def opportunity_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every open harvest of the advisor's book, best first, each with why it is worth what it is."""
    household = None
    if request.GET.get("household", "").isdigit():
        household = household_get_for_user(request.user, int(request.GET["household"]))
    now = market_now()

    def render_list() -> str:
        opportunities = list(
            open_opportunities_for_user(request.user, household.pk if household else None)[:LIST_LIMIT]
        )
        # Counted as on the dashboard: recommended harvests still open (not blocked lots, not "hold" verdicts).
        recommended = [
            o for o in opportunities if o.status == OpportunityStatus.OPEN and o.explanation.get("action") == "harvest"
        ]
        context = {
            "opportunities": opportunities,
            "explanations": explanations_for(opportunities),
            "open_count": len(recommended),
            "open_value": sum((o.tax_value for o in recommended), Decimal(0)),
            "now": now,
            "withdrawn": withdrawn_opportunities_for_user(
                request.user, now - timedelta(days=1), household.pk if household else None
            ),
            # What the forecast column means; an explanation states its own version's terms when it has them.
            "forecast_depth": forecast.DEPTH,
            "forecast_horizon": forecast.HORIZON,
        }
        return render_to_string("harvesting/_opportunities.html", context, request=request)

    def version() -> tuple[object, ...]:
        return (
            now,
            *newest(Opportunity.history.all(), Order.history.all(), field="history_id"),
            *newest(TaxProfile.objects.all(), field="updated_at"),
        )

    fragment = cached_fragment(request, "opportunities", version, render_list)
    if request.htmx and not request.htmx.history_restore_request:
        return HttpResponse(fragment)
    context = {"fragment": fragment, "household": household, "households": household_list_for_user(request.user)}
    return render(request, "harvesting/opportunities.html", context)


@login_required
@require_POST
def opportunity_bulk_approve(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Approve the ticked harvests one by one: each passes the same checks as a single approval."""
    ids = [int(value) for value in request.POST.getlist("opportunity") if value.isdigit()]
    # Every id is checked before anything is approved: one the user may not see refuses the whole request.
    chosen = [opportunity_get_for_user(request.user, opportunity_id) for opportunity_id in ids]
    approved, refused = [], []
    for opportunity in chosen:
        label = f"{opportunity.security.symbol} of {opportunity.household.name}"
        try:
            opportunity_approve(opportunity=opportunity, user=request.user)
            approved.append(label)
        except ApplicationError as exc:
            refused.append(f"{label}: {exc.message}")
    if approved:
        count = f"{len(approved)} harvest{pluralize(len(approved))}"
        messages.success(request, f"Approved {count}: {', '.join(approved)}.")
    for reason in refused:
        messages.error(request, reason)
    if not ids:
        messages.info(request, "Tick the harvests to approve first.")
    return _back(request) or redirect("harvesting:opportunities")


@login_required
def order_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Orders and their live status; the page polls while any is still working at the broker."""
    orders = orders_for_user(request.user)
    for order in orders:
        order.stuck = order_is_stuck(order)  # type: ignore[attr-defined]
    working = any(order.status not in FINAL for order in orders)
    partial = request.htmx and not request.htmx.history_restore_request
    return render(
        request,
        "harvesting/_orders.html" if partial else "harvesting/orders.html",
        {"orders": orders, "working": working},
    )


@login_required
@require_POST
def order_act(request: AuthenticatedHttpRequest, order_id: int, action: str) -> HttpResponse:
    """Retry (advance the harvest now, as the reconciler would) or cancel a stuck order."""
    order = order_get_for_user(request.user, order_id)
    label = f"{order.side} of {order.security.symbol} ({order.opportunity.household.name})"
    try:
        if action == "retry":
            outcome = order_retry(order=order, user=request.user)
            order.refresh_from_db()
            messages.info(request, f"Retried the {label}: {order.get_status_display().lower()} ({outcome}).")
        else:
            order_cancel(order=order, user=request.user)
            messages.info(request, f"Cancelled the {label}.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("harvesting:orders")


@login_required
def model_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every version of the forecast model, newest first, with its out-of-sample record and calibration.

    Platform data, the same for every firm (``harvesting.model_record`` says why): any signed-in user may read it.
    """
    context = {"records": model_records(), "depth": forecast.DEPTH, "horizon": forecast.HORIZON}
    return render(request, "harvesting/model.html", context)
