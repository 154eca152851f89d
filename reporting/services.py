"""Writes of reporting: generating a client report (a django-q2 task), sharing it, and client logins."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django_q.tasks import async_task

from portfolios.models import Client, Household, Role, User
from portfolios.services import user_create, user_invite
from reporting.client_report import client_report_pdf
from reporting.models import TAX_YEARS, ClientReport, ReportLink, ReportStatus
from taxharvest.errors import ApplicationError
from taxharvest.schedules import schedule_every_minute

logger = logging.getLogger(__name__)

LINK_SALT = "reporting.report-link"
LINK_DAYS_DEFAULT = 7
LINK_DAYS_MAX = 30


def report_request(*, household: Household, year: int, user: User | None) -> ClientReport:
    """Queue a report for a worker; the household page shows it generating, then ready."""
    if year not in TAX_YEARS:
        raise ApplicationError(f"{year} is not a tax year a report can cover.")
    report = ClientReport.objects.create(household=household, year=year, requested_by=user)
    transaction.on_commit(lambda: async_task("reporting.services.report_generate_task", report.pk))
    return report


def report_generate_task(report_id: int) -> str:
    """django-q2 task: render and store the PDF. Running it again for a finished report (or while another
    worker renders it) does nothing; a failed one is rendered again."""
    claimed = ClientReport.objects.filter(pk=report_id, status__in=[ReportStatus.QUEUED, ReportStatus.FAILED]).update(
        status=ReportStatus.RUNNING, error=""
    )
    report = ClientReport.objects.select_related("household__firm").get(pk=report_id)
    if not claimed:  # finished, or another worker is generating it now
        return f"report {report_id} is {report.status}: nothing to do"
    try:
        pdf, data = client_report_pdf(report.household, report.year)
    except Exception as exc:  # a report that cannot be rendered is marked failed with the reason
        logger.exception("client report %s failed", report_id)
        ClientReport.objects.filter(pk=report_id).update(
            status=ReportStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    report.file.save(report.filename, ContentFile(pdf), save=False)
    report.size = len(pdf)
    report.sha256 = hashlib.sha256(pdf).hexdigest()
    report.summary = data.summary
    report.status = ReportStatus.DONE
    report.finished_at = timezone.now()
    report.save(update_fields=["file", "size", "sha256", "summary", "status", "finished_at"])
    return f"report {report_id}: {len(pdf)} bytes"


STUCK_AFTER = timedelta(minutes=2)
REQUEUE_SCHEDULE = "reports-requeue-stuck"


def reports_requeue_stuck(now: datetime | None = None) -> int:
    """django-q2 (every minute): queue again each report whose task never ran or whose worker died.

    A task can be lost (the Redis broker does not acknowledge, so a killed worker's task is gone) or
    refused (a payload signed with another process's SECRET_KEY fails django-q2's check, which logs it):
    the row, not the queue, says what is still to do. Queued for two minutes, or generating for longer than
    a worker may run, means lost; generating again is safe (``report_generate_task`` claims the row).
    """
    now = now or timezone.now()
    dead_after = timedelta(seconds=int(settings.Q_CLUSTER.get("timeout", 300)) + 60)
    ClientReport.objects.filter(status=ReportStatus.RUNNING, created_at__lt=now - dead_after).update(
        status=ReportStatus.QUEUED
    )
    stuck = list(
        ClientReport.objects.filter(status=ReportStatus.QUEUED, created_at__lt=now - STUCK_AFTER).values_list(
            "pk", flat=True
        )
    )
    for report_id in stuck:
        logger.warning("client report %s was never generated; queued again", report_id)
        async_task("reporting.services.report_generate_task", report_id)
    return len(stuck)


def reports_requeue_schedule_ensure() -> None:
    schedule_every_minute(name=REQUEUE_SCHEDULE, func="reporting.services.reports_requeue_stuck")


def link_token(link: ReportLink) -> str:
    return signing.dumps({"link": link.pk, "report": link.report_id}, salt=LINK_SALT, compress=True)


def report_link_create(*, report: ClientReport, user: User, days: int = LINK_DAYS_DEFAULT) -> tuple[ReportLink, str]:
    """A link the advisor can send the client; it stops working after ``days`` (or when revoked)."""
    if report.status != ReportStatus.DONE:
        raise ApplicationError("Only a generated report can be shared.")
    if not 1 <= days <= LINK_DAYS_MAX:
        raise ApplicationError(f"A link lasts between 1 and {LINK_DAYS_MAX} days.")
    link = ReportLink.objects.create(report=report, created_by=user, expires_at=timezone.now() + timedelta(days=days))
    return link, link_token(link)


def report_link_revoke(*, link: ReportLink) -> ReportLink:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


class LinkExpired(Exception):
    """The link was genuine but no longer works (expired or revoked)."""


def report_link_open(token: str) -> ReportLink:
    """The link a token names. A forged or altered token is indistinguishable from a missing one (404)."""
    try:
        payload = signing.loads(token, salt=LINK_SALT)
    except signing.BadSignature:
        raise Http404("No such report.") from None
    link = (
        ReportLink.objects.select_related("report__household")
        .filter(pk=payload.get("link"), report_id=payload.get("report"))
        .first()
    )
    if link is None:
        raise Http404("No such report.")
    if not link.is_active(timezone.now()):
        raise LinkExpired
    return link


@transaction.atomic
def client_login_create(*, client: Client, email: str, base_url: str) -> User:
    """Give a client a login that sees only their household's reports, and email them a set-password link."""
    if User.objects.filter(client=client).exists():
        raise ApplicationError(f"{client.name} already has a login.")
    household = client.household
    user = user_create(
        firm=household.firm,
        email=email,
        password=None,
        role=Role.CLIENT,
        first_name=client.name.split(" ")[0],
        last_name=" ".join(client.name.split(" ")[1:]),
        client=client,
    )
    if not client.email:
        Client.objects.filter(pk=client.pk).update(email=user.email)
    transaction.on_commit(lambda: user_invite(user=user, base_url=base_url))
    return user
