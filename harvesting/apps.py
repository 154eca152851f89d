from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class HarvestingConfig(AppConfig):
    name = "harvesting"

    def ready(self) -> None:
        from django_q.signals import post_spawn

        from harvesting.execution import reconcile_on_worker_start
        from harvesting.monitoring import on_prices_ingested
        from portfolios.signals import prices_ingested

        prices_ingested.connect(on_prices_ingested, dispatch_uid="harvesting.monitoring")
        post_spawn.connect(reconcile_on_worker_start, dispatch_uid="harvesting.reconcile_on_worker_start")
        post_migrate.connect(_book_reconciler, sender=self, dispatch_uid="harvesting.book_reconciler")


def _book_reconciler(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Every database the product runs on reconciles its executions every minute (see harvesting.execution)."""
    from django.apps import apps

    if not apps.is_installed("django_q"):
        return
    from harvesting.execution import reconcile_schedule_ensure
    from harvesting.scanning import scan_runs_lost_schedule_ensure

    reconcile_schedule_ensure()
    scan_runs_lost_schedule_ensure()
