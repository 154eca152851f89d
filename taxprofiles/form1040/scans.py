"""A return's pages as images: OCR of a scanned return, and the ink in a check box.

A scan has no text layer; tesseract (Debian's ``tesseract-ocr``, through pytesseract) reads each page's words
with their boxes and confidences, which become the same ``Word`` list the text layer gives, so one reader
reads both. A check box marked by drawing (a cross, a filled square) leaves no text at all: the reader asks
how dark the box is, measured on the rendered page. Pages are rendered by PDFium (pypdfium2).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import pypdfium2 as pdfium
import pytesseract
from PIL import Image

from taxprofiles.form1040.fields import DocumentError, ReadLimitError
from taxprofiles.form1040.words import Page, Word

OCR_DPI = 300
INK_DPI = 150
DARK = 128  # a pixel darker than this (0 black, 255 white) is ink
# Tesseract's page segmentation: sparse text in no particular order (a form's scattered labels and amounts).
TESSERACT_CONFIG = "--psm 11"
OCR_TOO_SLOW = (
    "Reading the scanned return took longer than the time allowed: upload a clearer scan with fewer pages, "
    "or the PDF from the tax software."
)
NO_TESSERACT = "The scan cannot be read: OCR (tesseract) is not installed on the server. Run scripts/bootstrap.sh."


@dataclass
class PageImages:
    """The PDF's pages rendered on demand at a resolution, kept for reuse (OCR, then the check boxes)."""

    data: bytes
    dpi: int
    _document: Any = None
    _images: dict[int, Image.Image] = field(default_factory=dict)

    def image(self, index: int) -> Image.Image:
        if index not in self._images:
            if self._document is None:
                self._document = pdfium.PdfDocument(self.data)
            bitmap = self._document[index].render(scale=self.dpi / 72, grayscale=True, may_draw_forms=True)
            self._images[index] = bitmap.to_pil().convert("L")
        return self._images[index]

    def ink(self, index: int, x0: float, top: float, x1: float, bottom: float) -> float:
        """The share of dark pixels in a rectangle given in points (0 when it is empty or off the page)."""
        image = self.image(index)
        scale = self.dpi / 72
        box = (
            max(0, round(x0 * scale)),
            max(0, round(top * scale)),
            min(image.width, round(x1 * scale)),
            min(image.height, round(bottom * scale)),
        )
        if box[2] <= box[0] or box[3] <= box[1]:
            return 0.0
        histogram = image.crop(box).histogram()
        return sum(histogram[:DARK]) / max(sum(histogram), 1)


def ocr_pages(images: PageImages, count: int, *, seconds: float) -> list[Page]:
    """OCR every page within ``seconds`` in all; raise ReadLimitError when that runs out.

    Tesseract runs single-threaded (``OMP_THREAD_LIMIT=1``): a worker shares its cores with the others.
    """
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    deadline = time.monotonic() + seconds
    pages: list[Page] = []
    for index in range(count):
        image = images.image(index)
        remaining = deadline - time.monotonic()
        if remaining <= 1:
            raise ReadLimitError(OCR_TOO_SLOW)
        try:
            data = pytesseract.image_to_data(
                image, config=TESSERACT_CONFIG, output_type=pytesseract.Output.DICT, timeout=remaining
            )
        except pytesseract.TesseractNotFoundError as exc:
            raise DocumentError(NO_TESSERACT) from exc
        except RuntimeError as exc:  # pytesseract's timeout
            raise ReadLimitError(OCR_TOO_SLOW) from exc
        scale = 72 / images.dpi
        words = [
            Word(
                text.strip(),
                left * scale,
                (left + width) * scale,
                top * scale,
                (top + height) * scale,
                confidence=max(0.0, float(confidence)) / 100,
            )
            for text, left, top, width, height, confidence in zip(
                data["text"], data["left"], data["top"], data["width"], data["height"], data["conf"], strict=True
            )
            if str(text).strip() and float(confidence) >= 0
        ]
        pages.append(Page(width=image.width * scale, height=image.height * scale, words=tuple(words)))
    return pages
