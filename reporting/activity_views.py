"""The advisor's book-level harvesting activity for a year, on a page and as a CSV."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from brokers.market_clock import market_today
from portfolios.selectors import household_list_for_user
from reporting.activity import activity_csv, book_activity
from reporting.audit import download_record
from reporting.models import TAX_YEARS, DownloadKind
from taxharvest.http import AuthenticatedHttpRequest


@login_required
@require_GET
def activity(request: AuthenticatedHttpRequest) -> HttpResponse:
    this_year = market_today().year
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and int(raw) in TAX_YEARS else this_year
    households = list(household_list_for_user(request.user))
    report = book_activity(households, year)
    if request.GET.get("format") == "csv":
        download_record(request, kind=DownloadKind.ACTIVITY, household=None, year=year)
        response = HttpResponse(activity_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="harvesting-activity-{year}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response
    context = {"activity": report, "years": list(range(this_year, this_year - 6, -1))}
    return render(request, "reporting/activity.html", context)
