"""Harvesting activity across an advisor's book for one year: the same figures as the dashboard and the
client reports (``reporting.harvests``), one row per household."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count

from portfolios.csv_safety import csv_writer
from portfolios.models import Household
from reporting.harvests import (
    ZERO,
    Harvest,
    WashEvent,
    harvest_savings,
    harvests,
    realized_by_household,
    wash_events,
)
from reporting.models import ClientReport, DownloadEvent, DownloadKind, ReportStatus

ACTIVITY_COLUMNS = (
    "household",
    "year",
    "harvests",
    "losses_harvested",
    "tax_saved",
    "carryforward_created",
    "valued",
    "realized_net",
    "wash_sale_deferred",
    "wash_sale_lost",
    "reports",
    "report_downloads",
)


@dataclass(frozen=True, slots=True)
class ActivityRow:
    household: Household
    harvests: int
    losses_harvested: Decimal
    tax_saved: Decimal
    carryforward_created: Decimal
    valued: bool
    realized_net: Decimal
    wash_sale_deferred: Decimal
    wash_sale_lost: Decimal
    reports: int
    report_downloads: int


@dataclass(frozen=True, slots=True)
class Activity:
    year: int
    rows: list[ActivityRow]

    @property
    def totals(self) -> dict[str, Decimal | int]:
        """The book's sums of the columns that add up."""
        money = ("losses_harvested", "tax_saved", "carryforward_created", "realized_net")
        totals: dict[str, Decimal | int] = {
            name: sum((getattr(row, name) for row in self.rows), ZERO)
            for name in (*money, "wash_sale_deferred", "wash_sale_lost")
        }
        totals["harvests"] = sum(row.harvests for row in self.rows)
        return totals


def book_activity(households: Sequence[Household], year: int) -> Activity:
    ids = [household.pk for household in households]
    start, end = date(year, 1, 1), date(year, 12, 31)
    found = harvests(ids, start, end)
    savings = harvest_savings(year, found).households
    by_household: dict[int, list[Harvest]] = defaultdict(list)
    for harvest in found:
        by_household[harvest.household_id].append(harvest)
    washes: dict[int, list[WashEvent]] = defaultdict(list)
    for event in wash_events(ids, start, end):
        washes[event.household_id].append(event)
    realized_all = realized_by_household(ids, year)
    reports = dict(
        ClientReport.objects.filter(household_id__in=ids, year=year, status=ReportStatus.DONE)
        .values_list("household_id")
        .annotate(n=Count("pk"))
    )
    downloads = dict(
        DownloadEvent.objects.filter(household_id__in=ids, year=year, kind=DownloadKind.REPORT)
        .values_list("household_id")
        .annotate(n=Count("pk"))
    )
    rows = []
    for household in households:
        events = washes[household.pk]
        items = by_household.get(household.pk, [])
        saving = savings.get(household.pk)
        rows.append(
            ActivityRow(
                household=household,
                harvests=len(items),
                losses_harvested=sum((h.loss for h in items), ZERO),
                tax_saved=saving.total if saving else ZERO,
                carryforward_created=saving.carryforward_created if saving else ZERO,
                valued=saving is None or saving.value is not None,
                realized_net=realized_all[household.pk].net,
                wash_sale_deferred=sum((e.disallowed for e in events if not e.permanent), ZERO),
                wash_sale_lost=sum((e.disallowed for e in events if e.permanent), ZERO),
                reports=reports.get(household.pk, 0),
                report_downloads=downloads.get(household.pk, 0),
            )
        )
    return Activity(year, rows)


def activity_csv(activity: Activity) -> str:
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(ACTIVITY_COLUMNS)
    for row in activity.rows:
        writer.writerow(
            [
                row.household.name,
                activity.year,
                row.harvests,
                f"{row.losses_harvested:.2f}",
                f"{row.tax_saved:.2f}",
                f"{row.carryforward_created:.2f}",
                "yes" if row.valued else "no",
                f"{row.realized_net:.2f}",
                f"{row.wash_sale_deferred:.2f}",
                f"{row.wash_sale_lost:.2f}",
                row.reports,
                row.report_downloads,
            ]
        )
    return out.getvalue()
