"""What the import commands share: reading the file and turning rejections into a clear exit."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError


def read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
