"""Scans from the portal: start one for a household, watch it run, read what it found."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from harvesting.execution import opportunity_approve, opportunity_reject
from harvesting.models import RunStatus
from harvesting.scanning import scan_start
from harvesting.selectors import opportunity_get_for_user, run_get_for_user, run_opportunities
from portfolios.selectors import household_get_for_user
from taxharvest.errors import ApplicationError
from taxharvest.http import AuthenticatedHttpRequest


@login_required
@require_POST
def household_scan_start(request: AuthenticatedHttpRequest, household_id: int) -> HttpResponse:
    household = household_get_for_user(request.user, household_id)
    run = scan_start(firm=household.firm, household=household, requested_by=request.user)
    return redirect("harvesting:run_detail", run_id=run.pk)


@login_required
def run_detail(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    run = run_get_for_user(request.user, run_id)
    context = {
        "run": run,
        "running": run.status in (RunStatus.QUEUED, RunStatus.RUNNING),
        "opportunities": run_opportunities(run, request.user) if run.status == RunStatus.DONE else [],
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
    return redirect("harvesting:run_detail", run_id=opportunity.run_id)
