"""Read a return PDF end to end: its words (text layer, form fields, or OCR of a scan), then its figures.

This is what the sandboxed child runs (``sandbox.read_return_sandboxed``); ``Reading`` crosses the process
boundary as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from taxprofiles.form1040.document import MAX_BYTES, MAX_PAGES, MAX_TEXT_CHARS, TOO_MUCH_TEXT, open_pdf, read_pages
from taxprofiles.form1040.fields import FIELD_NAMES, DocumentError, Extraction, Value
from taxprofiles.form1040.reader import read_pages as read_figures
from taxprofiles.form1040.scans import INK_DPI, OCR_DPI, PageImages, ocr_pages, read_cell
from taxprofiles.form1040.words import page_text

OCR_SECONDS = 90.0
UNREADABLE_SCAN = (
    "The PDF has no text layer and OCR found no text in it: upload a clearer scan (at least 200 dpi), "
    "or the PDF from the tax software."
)


@dataclass(frozen=True)
class Reading:
    text: str  # the pages' rows, as the review page shows them
    extraction: Extraction  # the offline reader's figures (source "offline", or "ocr" for a scan)

    @property
    def scanned(self) -> bool:
        return self.extraction.source == "ocr"

    def as_json(self) -> dict[str, Any]:
        values = {
            name: [
                str(found.value) if isinstance(found.value, Decimal) else found.value,
                found.confidence,
                found.snippet,
            ]
            for name, found in self.extraction.values.items()
        }
        return {
            "text": self.text,
            "values": values,
            "source": self.extraction.source,
            "names": list(self.extraction.names),
            "blank": sorted(self.extraction.blank),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reading:
        values: dict[str, Value] = {}
        for name, (value, confidence, snippet) in data["values"].items():
            if name not in FIELD_NAMES:
                continue
            typed = value if name in ("tax_year", "filing_status") else Decimal(str(value))
            values[name] = Value(typed, float(confidence), str(snippet))
        extraction = Extraction(
            values=values,
            source=str(data["source"]),
            names=tuple(str(name) for name in data["names"]),
            blank=frozenset(str(name) for name in data["blank"]),
        )
        return cls(text=str(data["text"]), extraction=extraction)


def read_return(
    data: bytes, *, max_bytes: int = MAX_BYTES, max_pages: int = MAX_PAGES, ocr_seconds: float = OCR_SECONDS
) -> Reading:
    """Return the text and figures of the return PDF ``data``; a scan is read by OCR within ``ocr_seconds``.

    Raise DocumentError (ActiveContentError, ReadLimitError) as ``document.open_pdf`` and ``scans.ocr_pages``
    do. Whether it is a Form 1040 at all is the caller's check, on the text.
    """
    reader = open_pdf(data, max_bytes=max_bytes, max_pages=max_pages)
    pages = read_pages(data, reader)
    scanned = not any(page.words for page in pages)
    images = PageImages(data, OCR_DPI if scanned else INK_DPI, deskew=scanned)
    if scanned:
        pages = ocr_pages(images, len(pages), seconds=ocr_seconds)
        if not any(page.words for page in pages):
            raise DocumentError(UNREADABLE_SCAN)
    text = page_text(pages)
    if len(text) > MAX_TEXT_CHARS:
        raise DocumentError(TOO_MUCH_TEXT)
    reread = partial(read_cell, images) if scanned else None
    extraction = read_figures(pages, ink=images.ink, ocr=scanned, reread=reread)
    return Reading(text=text, extraction=extraction)
