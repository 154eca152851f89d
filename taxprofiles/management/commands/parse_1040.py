"""python manage.py parse_1040: read a client's Form 1040 PDF and print the figures found.

Example:
    python manage.py parse_1040 return-2024.pdf --json
With settings.OPENAI_API_KEY set (and without --offline) OpenAI reads the text; when it is unavailable or
fails, the offline parser does and the reason goes to stderr. Needs no database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from taxprofiles.form1040.document import check_1040, read_pdf
from taxprofiles.form1040.fields import FIELD_NAMES, DocumentError, Extraction
from taxprofiles.form1040.offline import parse_1040

OPENAI_TIMEOUT = 30.0


def extract(text: str, *, offline: bool) -> Extraction:
    """Return the figures in ``text``: OpenAI's when configured and working, else the offline parser's."""
    api_key = getattr(settings, "OPENAI_API_KEY", "")
    if offline or not api_key:
        return parse_1040(text)
    try:
        # Imported here so that the command works without the OpenAI client installed.
        from taxprofiles.form1040.openai_extract import openai_extract

        return openai_extract(
            text,
            api_key=api_key,
            base_url=getattr(settings, "OPENAI_BASE_URL", None) or None,
            model=getattr(settings, "OPENAI_MODEL", "gpt-4o-mini"),
            timeout=OPENAI_TIMEOUT,
        )
    except Exception as exc:
        # Any failure of the optional OpenAI path (client missing, network, bad answer) falls back to offline.
        reason = f"OpenAI extraction failed ({exc or type(exc).__name__}); read the figures offline instead"
        return Extraction(values=parse_1040(text).values, source="offline", fallback_reason=reason)


class Command(BaseCommand):
    help = "Read a Form 1040 PDF (with Schedule D) and print its figures."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The Form 1040 PDF.")
        parser.add_argument("--offline", action="store_true", help="Never call OpenAI; parse the line labels.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        try:
            text = read_pdf(data)
            check_1040(text)
        except DocumentError as exc:
            raise CommandError(str(exc)) from exc
        extraction = extract(text, offline=options["offline"])
        if extraction.fallback_reason:
            self.stderr.write(extraction.fallback_reason)
        if options["json"]:
            self.stdout.write(json.dumps(extraction.as_json(), default=float))
            return
        width = max(len(name) for name in FIELD_NAMES)
        for name in FIELD_NAMES:
            found = extraction.values.get(name)
            if found is None:
                self.stdout.write(f"{name.replace('_', ' '):<{width}}  {'-':>14}")
                continue
            shown = f"{found.value:,.2f}" if name not in ("tax_year", "filing_status") else str(found.value)
            self.stdout.write(f"{name.replace('_', ' '):<{width}}  {shown:>14}  ({found.confidence:.0%})")
        self.stdout.write(f"source: {extraction.source}")
