"""``python manage.py verify_lots [--household ID] [--repair]``: stored lots against a fresh ledger replay."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portfolios.ledger import household_lot_differences
from portfolios.models import Household
from portfolios.services import household_rebuild_lots
from taxharvest.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Compare every household's stored tax lots with a fresh replay of its ledger, list each difference "
        "and exit non-zero if there is any; --repair rebuilds the households that differ."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--household", type=int, help="Only this household (its id).")
        parser.add_argument("--repair", action="store_true", help="Rebuild the lots of each household that differs.")

    def handle(self, *args: Any, household: int | None, repair: bool, **options: Any) -> None:
        households = Household.objects.select_related("firm").order_by("pk")
        if household is not None:
            households = households.filter(pk=household)
            if not households.exists():
                raise CommandError(f"No household with id {household}.")
        differing = 0
        checked = 0
        for row in households.iterator():
            checked += 1
            differences = household_lot_differences(row)
            if not differences:
                continue
            differing += 1
            for line in differences:
                self.stdout.write(line)
            if repair:
                try:
                    household_rebuild_lots(household=row)
                except ApplicationError as exc:
                    self.stderr.write(f"{row}: not repaired: {exc.message}")
                    continue
                left = household_lot_differences(row)
                self.stdout.write(f"{row}: repaired" if not left else f"{row}: still differs after a rebuild")
                differing -= not left
        self.stdout.write(f"{checked} household(s) checked, {differing} differ from a replay of their ledger.")
        if differing:
            raise CommandError(f"{differing} household(s) differ from a replay of their ledger.")
