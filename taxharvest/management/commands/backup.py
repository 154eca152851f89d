"""python manage.py backup --out DIR [--force]

Writes the database (PostgreSQL: pg_dump's custom format; SQLite: an online copy), the private media folder
(a tar.gz) and a manifest.json into DIR. See ``taxharvest.backups``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from taxharvest.backups import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the private media folder (uploaded returns, reports) into a folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True, help="The folder to write (created; must be empty).")
        parser.add_argument("--force", action="store_true", help="Write into a folder that is not empty.")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        try:
            manifest = backup_create(out=out, force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        database = manifest["database"]
        self.stdout.write(f"Backed up the {database['vendor']} database {database['name']} into {out}:")
        for name, entry in sorted(manifest["files"].items()):
            self.stdout.write(f"  {name}  {entry['size']:,} bytes  sha256 {entry['sha256']}")
        self.stdout.write(f"  private media: {manifest['private_media_files']:,} file(s)")
        rows = ", ".join(f"{key.split('.')[1]} {count:,}" for key, count in manifest["row_counts"].items())
        self.stdout.write(f"  rows: {rows}")
