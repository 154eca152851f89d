"""Client reports in the portal (generate, list, share, download) and for clients (their login, or a link)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from brokers.market_clock import market_today
from portfolios.models import Household
from portfolios.selectors import household_get_for_user
from reporting.audit import download_record
from reporting.models import ClientReport, DownloadKind, ReportLink, ReportStatus
from reporting.selectors import report_get_for_user, reports_for_user
from reporting.services import (
    LINK_DAYS_DEFAULT,
    LINK_DAYS_MAX,
    LinkExpired,
    client_login_create,
    report_link_create,
    report_link_open,
    report_link_revoke,
    report_request,
)
from taxharvest.errors import ApplicationError
from taxharvest.http import AuthenticatedHttpRequest


def reports_section_context(request: HttpRequest, household: Household, **extra: object) -> dict[str, object]:
    reports = list(
        ClientReport.objects.filter(household=household).prefetch_related("links").order_by("-created_at", "-pk")[:20]
    )
    today = market_today()
    year = today.year
    clients = list(household.clients.select_related("login").order_by("name"))
    return {
        "household": household,
        "reports": reports,
        "years": list(range(year, year - 6, -1)),
        "default_year": year if today.month > 1 else year - 1,
        "pending": any(report.status in (ReportStatus.QUEUED, ReportStatus.RUNNING) for report in reports),
        "link_days": LINK_DAYS_DEFAULT,
        "link_days_max": LINK_DAYS_MAX,
        "clients": clients,
        "request": request,
        **extra,
    }


def _section(request: HttpRequest, household: Household, status: int = 200, **extra: object) -> HttpResponse:
    html = render_to_string(
        "reporting/_reports.html", reports_section_context(request, household, **extra), request=request
    )
    return HttpResponse(html, status=status)


@login_required
@require_GET
def household_reports(request: AuthenticatedHttpRequest, household_id: int) -> HttpResponse:
    """The household page's reports section (htmx polls it while a report is generating)."""
    return _section(request, household_get_for_user(request.user, household_id))


@login_required
@require_POST
def report_generate(request: AuthenticatedHttpRequest, household_id: int) -> HttpResponse:
    household = household_get_for_user(request.user, household_id)
    try:
        year = int(request.POST.get("year", ""))
        report_request(household=household, year=year, user=request.user)
    except ValueError:
        return _section(request, household, status=400, error="Choose a tax year.")
    except ApplicationError as exc:
        return _section(request, household, status=400, error=exc.message)
    if request.htmx:
        return _section(request, household)
    return redirect(reverse("portfolios:household_detail", args=[household.pk]) + "#reports")


@login_required
@require_GET
def report_download(request: AuthenticatedHttpRequest, report_id: int) -> FileResponse:
    """The PDF, for the household's advisors, its firm's admins, and the household's client logins."""
    report = report_get_for_user(request.user, report_id)
    if report.status != ReportStatus.DONE or not report.file:
        raise Http404("This report is not ready.")
    return _send(request, report, link=None)


def _send(request: HttpRequest, report: ClientReport, link: ReportLink | None) -> FileResponse:
    download_record(
        request, kind=DownloadKind.REPORT, household=report.household, year=report.year, report=report, link=link
    )
    response = FileResponse(
        report.file.open("rb"), as_attachment=True, filename=report.filename, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def report_share(request: AuthenticatedHttpRequest, report_id: int) -> HttpResponse:
    """Create a signed link; its URL is shown once, in the section, for the advisor to send."""
    report = report_get_for_user(request.user, report_id)
    if request.user.is_client:
        raise Http404("No such report.")
    try:
        days = int(request.POST.get("days", LINK_DAYS_DEFAULT))
        link, token = report_link_create(report=report, user=request.user, days=days)
    except ValueError:
        return _section(request, report.household, status=400, error="The link's lifetime is a number of days.")
    except ApplicationError as exc:
        return _section(request, report.household, status=400, error=exc.message)
    url = request.build_absolute_uri(reverse("reporting:shared_report", args=[token]))
    return _section(request, report.household, shared=(link, url))


@login_required
@require_POST
def link_revoke(request: AuthenticatedHttpRequest, link_id: int) -> HttpResponse:
    link = ReportLink.objects.filter(pk=link_id, report__in=reports_for_user(request.user)).first()
    if link is None or request.user.is_client:
        raise Http404("No such link.")
    report_link_revoke(link=link)
    return _section(request, link.report.household)


@require_GET
def shared_report(request: HttpRequest, token: str) -> HttpResponse:
    """A report opened through a signed link: no sign-in, but the link must be genuine and still valid."""
    try:
        link = report_link_open(token)
    except LinkExpired:
        return render(request, "reporting/link_expired.html", status=410)
    return _send(request, link.report, link=link)


@login_required
@require_POST
def client_login_invite(request: AuthenticatedHttpRequest, household_id: int) -> HttpResponse:
    household = household_get_for_user(request.user, household_id)
    client = household.clients.filter(pk=request.POST.get("client") or 0).first()
    email = request.POST.get("email", "").strip()
    if client is None or not email or "@" not in email:
        return _section(request, household, status=400, error="Choose a client and give their email address.")
    try:
        client_login_create(client=client, email=email, base_url=request.build_absolute_uri("/"))
    except ApplicationError as exc:
        return _section(request, household, status=400, error=exc.message)
    return _section(request, household, invited=f"{client.name} was emailed a link to set a password.")


@login_required
@require_GET
def client_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What a client sees after signing in: their household's reports, and nothing else."""
    if not request.user.is_client:
        return redirect("portfolios:household_list")
    reports = reports_for_user(request.user).select_related("household__firm").order_by("-year", "-created_at")
    client = request.user.client
    return render(request, "reporting/client_home.html", {"reports": reports, "client": client})
