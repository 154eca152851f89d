"""python manage.py scan [--firm SLUG] [--household ID]: queue a harvest scan (a worker runs it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from harvesting.models import Trigger
from harvesting.scanning import scan_start
from portfolios.models import Firm, Household


class Command(BaseCommand):
    help = "Scan one household, or every household of a firm (one django-q2 task per household)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--firm", help="Firm slug (default: the only firm).")
        parser.add_argument("--household", type=int, help="Scan only this household (id).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["household"]:
            household = Household.objects.filter(pk=options["household"]).select_related("firm").first()
            if household is None:
                raise CommandError(f"No household {options['household']}.")
            run = scan_start(firm=household.firm, household=household, trigger=Trigger.SCHEDULE)
        else:
            firms = Firm.objects.filter(slug=options["firm"]) if options["firm"] else Firm.objects.all()
            if firms.count() != 1:
                raise CommandError("Name one firm with --firm SLUG.")
            run = scan_start(firm=firms.get(), trigger=Trigger.SCHEDULE)
        self.stdout.write(f"Queued scan {run.pk} of {run.households_total} household(s); a qcluster worker runs it.")
