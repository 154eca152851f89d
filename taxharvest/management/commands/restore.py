"""python manage.py restore DIR [--force]

Checks a backup made by ``manage.py backup`` (every file's SHA-256, the database vendor, and that the database
is empty unless --force), then restores the database and the private media folder and compares the row counts
with the manifest's. See ``taxharvest.backups``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from taxharvest.backups import BackupError, migrations_to_apply, restore_apply, restore_check


class Command(BaseCommand):
    help = "Restore the database and the private media folder from a backup folder (replacing what is there)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, metavar="DIR", help="A folder written by manage.py backup.")
        parser.add_argument(
            "--force", action="store_true", help="Replace a database and media folder that already hold data."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["source"]
        try:
            manifest = restore_check(source=source, force=options["force"])
            result = restore_apply(source=source, manifest=manifest)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored the backup of {manifest['created_at']} from {source}:")
        self.stdout.write(f"  database: {result.database}")
        self.stdout.write(f"  private media: {result.media_files:,} file(s)")
        self.stdout.write(f"  {'table':<28}{'backup':>12}{'restored':>12}")
        differ = []
        keys = [*result.restored_counts, *(key for key in result.expected_counts if key not in result.restored_counts)]
        for key in keys:
            expected, restored = result.expected_counts.get(key), result.restored_counts.get(key)
            if expected != restored:
                differ.append(key)
            flag = "" if expected == restored else "  DIFFERS"
            self.stdout.write(f"  {key:<28}{_count(expected):>12}{_count(restored):>12}{flag}")
        outdated = migrations_to_apply(manifest)
        if outdated:
            self.stdout.write(
                f"The backup's migration state differs from this code's for: {', '.join(outdated)}. "
                "Run `python manage.py migrate` before starting the product."
            )
        if differ:
            raise CommandError(f"The restored row counts differ from the backup's for: {', '.join(differ)}.")


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"
