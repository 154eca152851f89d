"""Reads of scans and opportunities, scoped to what the user may see."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet
from django.http import Http404

from harvesting.models import HarvestRun, Opportunity
from portfolios.models import Role, User
from portfolios.selectors import households_for_user


def runs_for_user(user: User) -> QuerySet[HarvestRun]:
    """A firm admin sees the firm's runs; an advisor, the runs of households they serve."""
    if user.is_superuser:
        return HarvestRun.objects.all()
    if not user.is_authenticated or user.firm_id is None:
        return HarvestRun.objects.none()
    runs = HarvestRun.objects.filter(firm_id=user.firm_id)
    if user.role == Role.FIRM_ADMIN:
        return runs
    return runs.filter(Q(household__in=households_for_user(user)))


def run_get_for_user(user: User, run_id: int) -> HarvestRun:
    run = runs_for_user(user).select_related("household").filter(pk=run_id).first()
    if run is None:
        raise Http404("No such scan.")
    return run


def run_opportunities(run: HarvestRun, user: User) -> QuerySet[Opportunity]:
    return (
        Opportunity.objects.filter(run=run, household__in=households_for_user(user))
        .select_related("household", "security", "replacement")
        .order_by("household__name", F("rank").asc(nulls_last=True), "-net_benefit", "-loss")
    )


def opportunity_get_for_user(user: User, opportunity_id: int) -> Opportunity:
    opportunity = (
        Opportunity.objects.filter(pk=opportunity_id, household__in=households_for_user(user))
        .select_related("household", "security", "run")
        .first()
    )
    if opportunity is None:
        raise Http404("No such opportunity.")
    return opportunity
