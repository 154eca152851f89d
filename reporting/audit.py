"""The download audit: one row for every client document that leaves the platform."""

from __future__ import annotations

from django.http import HttpRequest

from portfolios.models import Household
from reporting.models import ClientReport, DownloadEvent, DownloadKind, ReportLink


def download_record(
    request: HttpRequest,
    *,
    kind: DownloadKind,
    household: Household | None,
    year: int | None = None,
    report: ClientReport | None = None,
    link: ReportLink | None = None,
) -> DownloadEvent:
    """Record a download before the file is sent: a download that is not recorded does not happen."""
    user = request.user if request.user.is_authenticated else None
    return DownloadEvent.objects.create(
        kind=kind,
        household=household,
        year=year,
        report=report,
        link=link,
        user=user,
        ip_address=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )
