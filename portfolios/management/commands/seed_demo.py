"""python manage.py seed_demo: the demo firm, its people and a dozen households. Idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portfolios.demo import demo_seed
from taxharvest.errors import ApplicationError
from taxprofiles.demo import DEMO_TAX_YEARS, demo_tax_profiles


class Command(BaseCommand):
    help = "Create the demo firm, a firm admin, two advisors and about a dozen households with real positions."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = demo_seed()
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        profiles = demo_tax_profiles(result.firm)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo firm {result.firm.name}: {result.households} households, "
                f"{result.transactions_added} transactions added, {result.lots} open lots, "
                f"tax profiles for {' and '.join(map(str, DEMO_TAX_YEARS))} for {profiles} households."
            )
        )
        self.stdout.write("Demo logins (email / password):")
        for login in result.logins:
            self.stdout.write(f"  {login.role:<11} {login.email} / {login.password}")
