"""A report whose task was lost (a killed worker, a payload django-q2 refused) is queued again from its row."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from reporting.models import ClientReport, ReportStatus
from reporting.services import reports_requeue_stuck


def test_a_report_left_queued_is_generated_again_and_a_fresh_one_is_left_alone(smiths_at_a_loss):
    lost = ClientReport.objects.create(household=smiths_at_a_loss, year=2022)
    fresh = ClientReport.objects.create(household=smiths_at_a_loss, year=2022)
    ClientReport.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    assert reports_requeue_stuck() == 1  # django-q2 runs tasks inline in tests: the report is rendered now
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert (lost.status, fresh.status) == (ReportStatus.DONE, ReportStatus.QUEUED)
    assert lost.file.read().startswith(b"%PDF")


def test_a_report_whose_worker_died_while_generating_is_queued_again(smiths_at_a_loss):
    report = ClientReport.objects.create(household=smiths_at_a_loss, year=2022, status=ReportStatus.RUNNING)
    ClientReport.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    assert reports_requeue_stuck() == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE
