"""Continuous monitoring: new prices rescan the households that hold what moved.

Debounce. A household is scanned at most once per ``MONITOR_SCAN_INTERVAL`` seconds. The first move after a
quiet interval queues a scan at once (the leading edge, so a dip is seen within seconds); moves during the
interval fold into one scan when it ends (the trailing edge), booked as a django-q2 ``Schedule`` so that it
happens even if the feed process stops. django-q2's scheduler only wakes every 30 seconds, so the feed runner
also calls ``monitor_due()`` after every batch and every second while idle: a trailing scan starts on time,
and whichever of the two claims it first runs it. Either way a dip is scanned within one interval of the
tick that showed it. These times are wall-clock on purpose: they ration work, they are not market time.

No overlap. ``scan_claim`` takes the household's ``scanning_since`` with one conditional UPDATE; a scan task
that finds it taken parks its run in ``waiting_runs`` and ends, and the holder re-queues every parked run when
it releases the household. A claim older than the worker timeout belongs to a dead worker and can be taken.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from harvesting.models import HarvestRun, HouseholdMonitor, RunStatus, Trigger
from portfolios.models import AccountType, Household, TaxLot

logger = logging.getLogger(__name__)


@dataclass
class MonitorResult:
    """What one price batch did: households queued now, booked for later, or already booked."""

    queued: list[int] = field(default_factory=list)
    scheduled: list[int] = field(default_factory=list)
    already_scheduled: list[int] = field(default_factory=list)


def scan_interval() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "MONITOR_SCAN_INTERVAL", 60)))


def schedule_name(household_id: int) -> str:
    return f"monitor-household-{household_id}"


def on_prices_ingested(sender: object, security_ids: Iterable[int], **kwargs: Any) -> None:
    """Receiver of ``portfolios.signals.prices_ingested``."""
    if getattr(settings, "MONITOR_ENABLED", True):
        prices_moved(security_ids)


def households_holding(security_ids: Iterable[int]) -> list[int]:
    """Households with a taxable lot in any of these securities (an IRA's loss can never be harvested)."""
    return sorted(
        set(
            TaxLot.objects.filter(
                security_id__in=set(security_ids), account__account_type=AccountType.TAXABLE
            ).values_list("account__household_id", flat=True)
        )
    )


def prices_moved(security_ids: Iterable[int]) -> MonitorResult:
    ids = set(security_ids)
    return households_rescan(households_holding(ids)) if ids else MonitorResult()


@transaction.atomic
def households_rescan(household_ids: Iterable[int], now: datetime | None = None) -> MonitorResult:
    """Queue, or book for the end of their interval, a scan of each household."""
    now = now or timezone.now()
    ids = sorted(set(household_ids))
    result = MonitorResult()
    if not ids:
        return result
    interval = scan_interval()
    HouseholdMonitor.objects.bulk_create([HouseholdMonitor(household_id=pk) for pk in ids], ignore_conflicts=True)
    for monitor in HouseholdMonitor.objects.select_for_update().filter(household_id__in=ids).order_by("pk"):
        if monitor.scheduled_for is not None:
            result.already_scheduled.append(monitor.household_id)
        elif monitor.last_queued_at is None or monitor.last_queued_at <= now - interval:
            result.queued.append(monitor.household_id)
        else:
            when = monitor.last_queued_at + interval
            HouseholdMonitor.objects.filter(pk=monitor.pk).update(scheduled_for=when)
            Schedule.objects.update_or_create(
                name=schedule_name(monitor.household_id),
                defaults={
                    "func": "harvesting.monitoring.monitor_scan_task",
                    "args": str(monitor.household_id),
                    "schedule_type": Schedule.ONCE,
                    "repeats": -1,
                    "next_run": when,
                },
            )
            result.scheduled.append(monitor.household_id)
    HouseholdMonitor.objects.filter(household_id__in=result.queued).update(last_queued_at=now)
    queued = list(result.queued)
    transaction.on_commit(lambda: _queue_scans(queued))
    return result


def monitor_due(now: datetime | None = None) -> list[int]:
    """Start the booked trailing scans whose time has come; return their households."""
    now = now or timezone.now()
    started = []
    for household_id, when in HouseholdMonitor.objects.filter(scheduled_for__lte=now).values_list(
        "household_id", "scheduled_for"
    ):
        if _claim_booking(household_id, when, now):
            started.append(household_id)
    if started:
        Schedule.objects.filter(name__in=[schedule_name(pk) for pk in started]).delete()
        _queue_scans(started)
    return started


def monitor_scan_task(household_id: int) -> str:
    """django-q2 (scheduled): the trailing scan of a debounced household, unless the feed runner started it."""
    when = HouseholdMonitor.objects.filter(household_id=household_id).values_list("scheduled_for", flat=True).first()
    if when is None or not _claim_booking(household_id, when, timezone.now()):
        return "already started"
    _queue_scans([household_id])
    return "queued"


def _claim_booking(household_id: int, when: datetime, now: datetime) -> bool:
    return bool(
        HouseholdMonitor.objects.filter(household_id=household_id, scheduled_for=when).update(
            scheduled_for=None, last_queued_at=now
        )
    )


def _queue_scans(household_ids: list[int]) -> None:
    from harvesting.scanning import scan_start

    for household in Household.objects.filter(pk__in=household_ids).select_related("firm"):
        scan_start(firm=household.firm, household=household, trigger=Trigger.PRICES)


# --- one scan per household at a time ----------------------------------------------------------------------


def _stale_before(now: datetime) -> datetime:
    """A claim older than the worker timeout (plus a margin) belongs to a worker that died mid-scan."""
    return now - timedelta(seconds=int(settings.Q_CLUSTER.get("timeout", 300)) + 60)


def scan_claim(household_id: int, now: datetime | None = None) -> datetime | None:
    """Take the household for one scan; return the claim's stamp, or None if another scan holds it."""
    now = now or timezone.now()
    HouseholdMonitor.objects.bulk_create([HouseholdMonitor(household_id=household_id)], ignore_conflicts=True)
    taken = HouseholdMonitor.objects.filter(
        Q(scanning_since__isnull=True) | Q(scanning_since__lt=_stale_before(now)), household_id=household_id
    ).update(scanning_since=now)
    return now if taken else None


@transaction.atomic
def scan_wait(household_id: int, run_id: int) -> datetime | None:
    """The household is taken: park ``run_id`` to be continued when it is released. If it was released
    in the meantime, take it now instead (return the claim), so no run is ever left waiting for nobody."""
    monitor = HouseholdMonitor.objects.select_for_update().get(household_id=household_id)
    if monitor.scanning_since is None or monitor.scanning_since < _stale_before(timezone.now()):
        now = timezone.now()
        HouseholdMonitor.objects.filter(pk=monitor.pk).update(scanning_since=now)
        return now
    if run_id not in monitor.waiting_runs:
        HouseholdMonitor.objects.filter(pk=monitor.pk).update(waiting_runs=[*monitor.waiting_runs, run_id])
    return None


@transaction.atomic
def scan_release(household_id: int, claim: datetime) -> list[int]:
    """Give the household back and re-queue the runs that waited for it."""
    monitor = HouseholdMonitor.objects.select_for_update().get(household_id=household_id)
    if monitor.scanning_since != claim:
        logger.warning("scan claim of household %s was taken over before it was released", household_id)
        return []
    waiting = [
        run_id
        for run_id in monitor.waiting_runs
        if HarvestRun.objects.filter(pk=run_id, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists()
    ]
    HouseholdMonitor.objects.filter(pk=monitor.pk).update(scanning_since=None, waiting_runs=[])
    for run_id in waiting:
        transaction.on_commit(
            lambda run_id=run_id: async_task("harvesting.scanning.scan_task", run_id, household_id)  # type: ignore[misc]
        )
    return waiting
