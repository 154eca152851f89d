"""python manage.py parse_1040: read a client's Form 1040 PDF and print the figures found.

Example:
    python manage.py parse_1040 return-2024.pdf --json
With settings.OPENAI_API_KEY set (and without --offline) OpenAI reads the text; when it is unavailable or
fails, the offline reader does and the reason goes to stderr. A scan (no text layer) is read by OCR: its
source is "ocr". Needs no database. The PDF is parsed in the same
sandboxed child process as an upload (CPU, memory and time limits: ``taxprofiles/form1040/sandbox.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from taxprofiles.documents import document_read, extract_figures
from taxprofiles.form1040.fields import FIELD_NAMES, DocumentError


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
            reading = document_read(data)
        except DocumentError as exc:
            raise CommandError(str(exc)) from exc
        extraction = extract_figures(reading, offline=options["offline"])
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
        self.stdout.write(f"names: {', '.join(extraction.names) or '-'}")
        self.stdout.write(f"source: {extraction.source}")
