"""A return's words with their positions, gathered into the rows the form prints them on.

The reader matches each line's label to the amount printed on the same row, so it needs the page's geometry,
not its text: a PDF's text layer (pdfplumber), a fillable form's field values placed where their boxes are,
and OCR of a scan all become the same ``Word`` list. Coordinates are PDF points from the page's top-left.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from statistics import median

# Dot leaders glued to a word ("income........") are split off so that they read as leaders.
_LEADER_RUN = re.compile(r"(\.{2,}|…+)")
LEADER = re.compile(r"[.…·_]+")


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    confidence: float = 1.0  # OCR's confidence in the word; 1 for a text layer or a form field
    restored: bool = False  # not on the page: a line number the reader put back in front of its label

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    words: tuple[Word, ...] = ()


# How dark a rectangle of a page is: (page index, x0, top, x1, bottom) -> the share of dark pixels, 0..1.
# The reader asks it about the space in front of each filing-status label; the caller renders the pages.
InkMeter = Callable[[int, float, float, float, float], float]
# Words read again from a rectangle of a page on its own: (page index, x0, top, x1, bottom) -> the words.
Reader = Callable[[int, float, float, float, float], list["Word"]]


@dataclass
class Row:
    """Words on one printed row, left to right."""

    page: int
    words: list[Word] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [word.text for word in self.words]

    @property
    def text(self) -> str:
        return " ".join(self.texts)

    @property
    def top(self) -> float:
        return min(word.top for word in self.words)


def split_leaders(words: Iterable[Word]) -> list[Word]:
    """Split dot leaders off the words they touch, sharing out the word's width by characters."""
    out: list[Word] = []
    for word in words:
        parts = [part for part in _LEADER_RUN.split(word.text) if part.strip()]
        if len(parts) <= 1:
            out.append(word)
            continue
        width = (word.x1 - word.x0) / max(len(word.text), 1)
        x = word.x0
        for part in parts:
            out.append(Word(part, x, x + width * len(part), word.top, word.bottom, word.confidence))
            x += width * len(part)
    return out


def rows(pages: Sequence[Page]) -> list[Row]:
    """Return every page's rows, top to bottom, each left to right.

    A word joins the row whose last word (to its left) sits at the nearest height, within half a line: rows
    are traced left to right rather than cut at fixed heights, so a scan's slight tilt does not split or merge
    them.
    """
    out: list[Row] = []
    for index, page in enumerate(pages):
        words = sorted(split_leaders(page.words), key=lambda word: (word.x0, word.top))
        if not words:
            continue
        tolerance = 0.6 * median(word.height for word in words)
        traced: list[Row] = []
        for word in words:
            best: Row | None = None
            best_distance = tolerance
            for row in traced:
                distance = abs(_reference(row) - word.middle)
                if distance <= best_distance:
                    best, best_distance = row, distance
            if best is None:
                traced.append(Row(index, [word]))
            else:
                best.words.append(word)
        traced.sort(key=lambda row: (median(word.middle for word in row.words), row.words[0].x0))
        out.extend(traced)
    return out


def _reference(row: Row) -> float:
    """The height a row has reached at its right end: the middle of its last three words, leaders aside (dots
    and OCR's speckles sit low, on the baseline; one tall or low word does not tip the row)."""
    recent = [word.middle for word in reversed(row.words) if not LEADER.fullmatch(word.text)][:3]
    return median(recent) if recent else row.words[-1].middle


def page_text(pages: Sequence[Page]) -> str:
    """The pages as text, one row per line: what the review page shows and what OpenAI reads."""
    lines: list[str] = []
    current = 0
    for row in rows(pages):
        if row.page != current:
            lines.append("")
            current = row.page
        lines.append(row.text)
    return "\n".join(lines)


def text_pages(text: str) -> list[Page]:
    """Lay plain text out as pages of words, one text line per row, a character one point wide.

    For text that has no geometry of its own (a test's sample, a pasted return): each line is its own row and
    the amount is whatever ends the line.
    """
    words: list[Word] = []
    for number, line in enumerate(text.splitlines()):
        for match in re.finditer(r"\S+", line):
            words.append(Word(match.group(), match.start(), match.end(), number * 2.0, number * 2.0 + 1))
    return [Page(width=float(max((len(line) for line in text.splitlines()), default=0)), height=0, words=tuple(words))]
