from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self) -> None:
        post_migrate.connect(_book_requeue, sender=self, dispatch_uid="reporting.book_requeue")


def _book_requeue(sender: AppConfig, **kwargs: Any) -> None:
    """Reports whose task was lost are queued again every minute (see ``reports_requeue_stuck``)."""
    from reporting.services import reports_requeue_schedule_ensure

    reports_requeue_schedule_ensure()
