"""What the import commands share: reading the file and turning rejections into a clear exit."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from portfolios.models import Firm


def read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc


def firm_from_option(slug: str | None) -> Firm:
    """Return the firm a command names with --firm, or the only firm when it names none."""
    if slug:
        firm = Firm.objects.filter(slug=slug).first()
        if firm is None:
            raise CommandError(f"No firm with the slug {slug!r}.")
        return firm
    firms = list(Firm.objects.all()[:2])
    if len(firms) != 1:
        raise CommandError("Name the firm with --firm SLUG." if firms else "There is no firm yet.")
    return firms[0]
