"""Read a Form 1040's figures from plain text (no positions): each text line is a row of the form.

The PDF reader (``document``) gives the reader words with their positions; this entry point is for text that
has none, such as a pasted return or OpenAI's fallback on stored text. The rules are the reader's
(``reader.py``): a label's amount is on its own row, after its number printed again or the dot leaders.
"""

from __future__ import annotations

from taxprofiles.form1040.fields import Extraction
from taxprofiles.form1040.reader import parse_amount, read_pages
from taxprofiles.form1040.words import text_pages

__all__ = ["parse_1040", "parse_amount"]


def parse_1040(text: str) -> Extraction:
    """Return the figures found in a Form 1040's ``text`` (source "offline"); absent figures are left out."""
    return read_pages(text_pages(text))
