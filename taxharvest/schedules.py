"""django-q2 schedules that the product books for itself (after ``migrate``), so no deployment can forget one."""

from __future__ import annotations

from django_q.models import Schedule


def schedule_every_minute(*, name: str, func: str) -> None:
    """Book ``func`` (a dotted path) to run every minute under ``name``; booking it again changes nothing."""
    Schedule.objects.update_or_create(
        name=name, defaults={"func": func, "schedule_type": Schedule.MINUTES, "minutes": 1, "repeats": -1}
    )
