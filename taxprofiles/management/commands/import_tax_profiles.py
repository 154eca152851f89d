"""python manage.py import_tax_profiles FILE --year 2025 [--firm SLUG]: the brief's simple tax records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portfolios.management.commands._importing import firm_from_option, read_file
from taxharvest.errors import ApplicationError
from taxprofiles.importers import BRIEF_COLUMNS, tax_profiles_import


class Command(BaseCommand):
    help = (
        f"Import tax profiles from a CSV with the columns {', '.join(BRIEF_COLUMNS)}; the rest is derived "
        "(see taxprofiles.services.tax_profile_from_brief). All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--year", type=int, required=True, help="The tax year the records describe.")
        parser.add_argument("--firm", help="Firm slug (default: the only firm).")

    def handle(self, *args: Any, **options: Any) -> None:
        firm = firm_from_option(options["firm"])
        try:
            profiles = tax_profiles_import(
                firm=firm,
                filename=Path(options["file"]).name,
                content=read_file(options["file"]),
                tax_year=options["year"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Imported {len(profiles)} tax profile(s) for {options['year']}."))
