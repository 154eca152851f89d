"""python manage.py client_report HOUSEHOLD --year 2022 --out report.pdf

Renders the same PDF the portal's worker stores (``reporting.client_report.client_report_pdf``), for a
household named by its id or by its name as the portal shows it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portfolios.models import Household
from reporting.client_report import client_report_pdf
from reporting.models import TAX_YEARS


class Command(BaseCommand):
    help = "Write a household's client savings report for a tax year as a PDF."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("household", help="The household's id or its name (as shown in the portal).")
        parser.add_argument("--year", type=int, required=True, help="The tax year, e.g. 2022.")
        parser.add_argument("--out", type=Path, required=True, help="Where to write the PDF.")

    def handle(self, *args: Any, **options: Any) -> None:
        household = _household(options["household"])
        if options["year"] not in TAX_YEARS:
            raise CommandError(f"{options['year']} is not a tax year a report can cover.")
        pdf, data = client_report_pdf(household, options["year"])
        out: Path = options["out"]
        try:
            # Written beside the target and renamed: a failed write never leaves half a PDF under its name.
            with tempfile.NamedTemporaryFile(dir=out.parent or ".", prefix=f".{out.name}.", delete=False) as handle:
                handle.write(pdf)
            os.replace(handle.name, out)
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc.strerror}") from exc
        self.stdout.write(
            f"{household.name} ({household.firm.name}), {data.year}: {len(data.harvests)} harvest(s), "
            f"{data.harvested_losses} of losses harvested, {data.tax_saved} of tax saved (estimated). "
            f"Wrote {out} ({len(pdf):,} bytes)."
        )


def _household(value: str) -> Household:
    households = Household.objects.select_related("firm")
    if value.isdigit():
        found = households.filter(pk=int(value)).first()
        if found is not None:
            return found
    matches = list(households.filter(name__iexact=value.strip()))
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        firms = ", ".join(f"{h.pk} ({h.firm.name})" for h in matches)
        raise CommandError(f"Several households are named {value!r}: use the id of one of {firms}.")
    raise CommandError(f"No household {value!r}: give its id or its exact name.")
