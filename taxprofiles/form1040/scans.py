"""A return's pages as images: OCR of a scanned return, and the ink in a check box.

A scan has no text layer; tesseract (Debian's ``tesseract-ocr``) reads each page's words
with their boxes and confidences, which become the same ``Word`` list the text layer gives, so one reader
reads both. A check box marked by drawing (a cross, a filled square) leaves no text at all: the reader asks
how dark the box is, measured on the rendered page. Pages are rendered by PDFium (pypdfium2).
"""

from __future__ import annotations

import os
import shutil
import subprocess  # nosec B404 - runs Debian's tesseract on a page image
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PIL import Image, ImageFilter

from taxprofiles.form1040.fields import DocumentError, ReadLimitError
from taxprofiles.form1040.words import Page, Word

OCR_DPI = 300
INK_DPI = 150
DARK = 128  # a pixel darker than this (0 black, 255 white) is ink
# Tesseract's page segmentation: sparse text in no particular order (a form's scattered labels and amounts).
TESSERACT_ARGS = ("--psm", "11")
# One amount cell read again: a single line of the characters an amount is written with.
CELL_ARGS = ("--psm", "7", "-c", "tessedit_char_whitelist=0123456789,.()-$")
CELL_SECONDS = 10.0
PAD = 12  # white pixels around a cell read on its own: OCR finds text better away from the image's edge
OCR_TOO_SLOW = (
    "Reading the scanned return took longer than the time allowed: upload a clearer scan with fewer pages, "
    "or the PDF from the tax software."
)
NO_TESSERACT = "The scan cannot be read: OCR (tesseract) is not installed on the server. Run scripts/bootstrap.sh."
UNREADABLE_PAGE = "OCR could not read a page of the scan: upload a clearer scan, or the PDF from the tax software."


@dataclass
class PageImages:
    """The PDF's pages rendered on demand at a resolution, kept for reuse (OCR, then the check boxes)."""

    data: bytes
    dpi: int
    _document: Any = None
    _images: dict[int, Image.Image] = field(default_factory=dict)

    deadline: float = float("inf")  # monotonic time by which OCR must be done (set by ``ocr_pages``)
    deskew: bool = False  # straighten each page first (a scan): OCR's words then sit on level rows

    def image(self, index: int) -> Image.Image:
        if index not in self._images:
            if self._document is None:
                self._document = pdfium.PdfDocument(self.data)
            bitmap = self._document[index].render(scale=self.dpi / 72, grayscale=True, may_draw_forms=True)
            image = bitmap.to_pil().convert("L")
            if self.deskew:
                angle = skew_angle(image)
                if angle:
                    image = image.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255)
            self._images[index] = image
        return self._images[index]

    def pixels(self, index: int, x0: float, top: float, x1: float, bottom: float) -> tuple[int, int, int, int]:
        """A rectangle given in points as the page image's pixel box, clipped to the page."""
        image = self.image(index)
        scale = self.dpi / 72
        return (
            max(0, round(x0 * scale)),
            max(0, round(top * scale)),
            min(image.width, round(x1 * scale)),
            min(image.height, round(bottom * scale)),
        )

    def ink_share(self, index: int, x0: float, top: float, x1: float, bottom: float) -> float:
        """The share of dark pixels in a rectangle given in points (0 when it is empty or off the page)."""
        image = self.image(index)
        box = self.pixels(index, x0, top, x1, bottom)
        if box[2] <= box[0] or box[3] <= box[1]:
            return 0.0
        histogram = image.crop(box).histogram()
        return sum(histogram[:DARK]) / max(sum(histogram), 1)

    def ink(self, index: int, x0: float, top: float, x1: float, bottom: float) -> float:
        """How marked the check box in a rectangle (in points) is: the share of dark pixels inside the box's
        outline (an empty box gives about 0, a cross or a tick 0.1-0.3, a filled box about 1). Without an
        outline (a bare "X"), the share inside the ink's own extent. 0 for an empty or off-page rectangle."""
        image = self.image(index)
        scale = self.dpi / 72
        box = self.pixels(index, x0, top, x1, bottom)
        if box[2] - box[0] < 3 or box[3] - box[1] < 3:
            return 0.0
        crop = image.crop(box)
        width, height = crop.size
        dark = [pixel < DARK for pixel in crop.tobytes()]
        columns = [sum(dark[row * width + column] for row in range(height)) for column in range(width)]
        rows = [sum(dark[row * width : (row + 1) * width]) for row in range(height)]
        if max(columns) == 0:
            return 0.0
        left, right = _edges(columns)
        upper, lower = _edges(rows)
        inset = max(1, round(scale))  # the outline's own stroke
        inner = [
            dark[row * width + column]
            for row in range(upper + inset, lower - inset + 1)
            for column in range(left + inset, right - inset + 1)
        ]
        if len(inner) < 4:
            inner = dark
        return sum(inner) / len(inner)


def skew_angle(image: Image.Image, *, limit: float = 2.0) -> float:
    """The rotation (degrees, counter-clockwise) that levels a scanned page: the one whose rows of ink are the
    most sharply separated (the variance of the rows' dark-pixel counts peaks when text lines are level),
    searched coarse then fine on a small copy of the page."""
    small = image.resize((max(1, image.width // 4), max(1, image.height // 4)))
    dark = small.point(lambda value: 255 if value < DARK else 0)

    def score(angle: float) -> float:
        rotated = dark.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0)
        width, data = rotated.width, rotated.tobytes()
        sums = [sum(data[row * width : (row + 1) * width]) for row in range(rotated.height)]
        mean = sum(sums) / len(sums)
        return sum((value - mean) ** 2 for value in sums)

    coarse = max((k * 0.25 for k in range(round(-limit / 0.25), round(limit / 0.25) + 1)), key=score)
    return max((coarse + k * 0.05 for k in range(-5, 6)), key=score)


def read_cell(images: PageImages, index: int, x0: float, top: float, x1: float, bottom: float) -> list[Word]:
    """OCR of one amount cell on its own (a single line of digits, parentheses, commas and minus signs), for a
    figure the page's OCR left out: its words in page points, those read with at least even confidence. An
    empty cell (no ink) is not read at all."""
    if images.ink_share(index, x0, top, x1, bottom) < 0.003:
        return []
    remaining = min(CELL_SECONDS, images.deadline - time.monotonic())
    box = images.pixels(index, x0, top, x1, bottom)
    if remaining <= 1 or box[2] - box[0] < 4 or box[3] - box[1] < 4:
        return []
    # A cell is small: its speckle and grey paper matter, so it is cleaned (median) and made black on white.
    cleaned = images.image(index).crop(box).filter(ImageFilter.MedianFilter(3)).point(lambda v: 0 if v < 150 else 255)
    cell = _without_rules(cleaned)
    padded = Image.new("L", (cell.width + 2 * PAD, cell.height + 2 * PAD), 255)
    padded.paste(cell, (PAD, PAD))
    try:
        tsv = _tesseract(padded, CELL_ARGS, remaining)
    except (subprocess.TimeoutExpired, DocumentError):
        return []  # a second look that could not be had: the field stays as the page's OCR left it
    points = 72 / images.dpi
    left, upper = (box[0] - PAD) * points, (box[1] - PAD) * points
    return [
        replace(word, x0=word.x0 + left, x1=word.x1 + left, top=word.top + upper, bottom=word.bottom + upper)
        for word in _tsv_words(tsv or "", points)
        if word.confidence >= 0.5
    ]


def _without_rules(image: Image.Image) -> Image.Image:
    """The image with the form's ruled lines (rows or columns mostly dark: a cell's borders) painted white,
    which OCR would otherwise read as characters."""
    width, height = image.size
    data = bytearray(image.tobytes())
    for row in range(height):
        line = data[row * width : (row + 1) * width]
        if sum(value < DARK for value in line) > 0.5 * width:
            data[row * width : (row + 1) * width] = bytes([255]) * width
    for column in range(width):
        if sum(data[row * width + column] < DARK for row in range(height)) > 0.6 * height:
            for row in range(height):
                data[row * width + column] = 255
    return Image.frombytes("L", (width, height), bytes(data))


def _edges(counts: list[int]) -> tuple[int, int]:
    """The first and last positions whose dark count is at least 60% of the darkest: a box's two sides."""
    strong = 0.6 * max(counts)
    marked = [position for position, count in enumerate(counts) if count >= strong]
    return marked[0], marked[-1]


def ocr_pages(images: PageImages, count: int, *, seconds: float) -> list[Page]:
    """OCR every page within ``seconds`` in all; raise ReadLimitError when that runs out.

    Debian's ``tesseract`` runs once per page and answers TSV: each word with its box and confidence. It is
    called directly rather than through pytesseract, which imports pandas into the memory-limited child.
    """
    images.deadline = time.monotonic() + seconds  # the cells read again later share the budget
    pages: list[Page] = []
    for index in range(count):
        image = images.image(index)
        remaining = images.deadline - time.monotonic()
        if remaining <= 1:
            raise ReadLimitError(OCR_TOO_SLOW)
        try:
            tsv = _tesseract(image, TESSERACT_ARGS, remaining)
        except subprocess.TimeoutExpired as exc:
            raise ReadLimitError(OCR_TOO_SLOW) from exc
        if tsv is None:
            raise DocumentError(UNREADABLE_PAGE)
        scale = 72 / images.dpi
        words = tuple(_tsv_words(tsv, scale))
        pages.append(Page(width=image.width * scale, height=image.height * scale, words=words))
    return pages


def _tesseract(image: Image.Image, arguments: tuple[str, ...], timeout: float) -> str | None:
    """Tesseract's TSV for ``image`` (None when it failed); raise DocumentError when it is not installed and
    let ``subprocess.TimeoutExpired`` through. It runs single-threaded (``OMP_THREAD_LIMIT=1``: a worker shares
    its cores with the others), with nothing of the environment but ``PATH``."""
    executable = shutil.which("tesseract")
    if executable is None:
        raise DocumentError(NO_TESSERACT)
    with tempfile.TemporaryDirectory(prefix="taxharvest-ocr-") as directory:
        path = os.path.join(directory, "image.png")
        image.save(path)
        finished = subprocess.run(
            [executable, path, "stdout", *arguments, "tsv"],
            capture_output=True,
            timeout=timeout,
            env={"PATH": os.environ.get("PATH", ""), "OMP_THREAD_LIMIT": "1"},
            check=False,
        )
    return finished.stdout.decode("utf-8", "replace") if finished.returncode == 0 else None


def _tsv_words(tsv: str, scale: float) -> Iterator[Word]:
    """Tesseract's TSV rows of level 5 (words), in points."""
    lines = tsv.splitlines()
    if not lines:
        return
    header = lines[0].split("\t")
    for line in lines[1:]:
        cells = dict(zip(header, line.split("\t"), strict=False))
        text = cells.get("text", "").strip()
        if cells.get("level") != "5" or not text:
            continue
        confidence = float(cells.get("conf", "-1"))
        if confidence < 0:
            continue
        left, top = int(cells["left"]), int(cells["top"])
        width, height = int(cells["width"]), int(cells["height"])
        yield Word(
            text,
            left * scale,
            (left + width) * scale,
            top * scale,
            (top + height) * scale,
            confidence=confidence / 100,
        )
