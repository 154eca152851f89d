"""Reads of client reports, scoped to who may see them."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from portfolios.models import User
from portfolios.selectors import households_for_user
from reporting.models import ClientReport, ReportStatus


def reports_for_user(user: User) -> QuerySet[ClientReport]:
    """Advisors and firm admins: the reports of households they may see. A client: their household's
    finished reports, nothing else."""
    if not user.is_authenticated or not user.is_active:
        return ClientReport.objects.none()
    if user.is_client:
        if user.client_id is None:
            return ClientReport.objects.none()
        return ClientReport.objects.filter(
            household__clients__pk=user.client_id, household__firm_id=user.firm_id, status=ReportStatus.DONE
        )
    return ClientReport.objects.filter(household__in=households_for_user(user))


def report_get_for_user(user: User, report_id: int) -> ClientReport:
    report = reports_for_user(user).select_related("household").filter(pk=report_id).first()
    if report is None:
        raise Http404("No such report.")
    return report
