"""Read a Form 1040's figures from its words' positions: each line's label, then the amount on the same row.

How a row is read (the official 2023-2025 forms, tax-software printouts, fillable forms and scans):
- A line starts at its number followed by its label's words ("2b Taxable interest"), or at a lone letter
  that follows an amount ("... 2a 300 b Taxable interest": line 2b); prefixed words (the form's left
  margin: "Income", "Attach Form(s) W-2 here") are not part of it. A row without a line number continues the
  line above (a wrapped label, or its amount on the next row) until that line has its amount.
- The amount is what follows the line's number printed again in the amount column's box ("... . . 7 -3,000");
  without a box, what follows the dot leaders; without either, the money-like words at the row's end set
  apart from the label. So a blank line gives nothing, never its own number, and a figure inside the label
  ("($3,000)") is never the amount.
- "(1,000)", "( 1,000 )" typed between the form's preprinted parentheses, "-1,000" and a typeset minus are
  losses;
  "-0-" is zero; commas and cents are optional.
- A line is matched by its number (any year's: 7 or 7a, 11, 11a or 11b, 12 or 12e) and its label's words,
  both; OCR's usual misreadings of a number (z/2, l/1, O/0, b/6) are tolerated because the label must agree.
- The filing status is the box marked in front of its label: a mark in the text ("X", "✓", "☒", "■") or, when
  the caller can measure ink, the box clearly darker than the others (a drawn cross, a filled box).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from difflib import SequenceMatcher
from statistics import median

from taxprofiles.form1040.fields import Extraction, Value
from taxprofiles.form1040.words import LEADER, InkMeter, Page, Reader, Row, Word, rows

SAME_ROW = 0.9
WRAPPED = 0.85
# Below this the review page flags a figure as read with low confidence (OCR's always are).
LOW_CONFIDENCE = 0.8
MAX_ROWS = 3  # the form's longest label wraps onto three rows
_SIDE_BY_SIDE = re.compile(r"^[2-6]a$")
CELL_WIDTH = 95.0  # points: an amount cell of the form's right-hand column, box excluded
UNREAD = "?"  # an amount cell holding something that may or may not be the line's figure
YEAR_CONFIDENCE = 0.95
STATUS_CONFIDENCE = 0.9
INK_CONFIDENCE = 0.85
# A check box whose inside is this dark is marked (an empty box's inside is about 0, a tick's about 0.1).
MARKED_INK = 0.06
NAME_CONFIDENCE = 0.9
# OCR'd figures are never "found" with full confidence: at most this, and the words' own confidence.
OCR_CEILING = 0.7

MINUS = "-\u2212\u2013"
_MONEY = re.compile(
    r"^(?P<open>\()?(?P<minus>[-\u2212\u2013])?\$?(?P<digits>\d{1,3}(?:,\d{3})+|\d{1,3}(?:\.\d{3})+(?=\.?$)|\d+)"
    r"(?:\.(?P<cents>\d{0,2}))?(?P<close>\))?$"
)
_ZERO = re.compile(r"^-+0-+$|^\(?-0-\)?$")
_MONEY_CHARS = re.compile(r"^[\d,.$()\u2212\u2013-]+$")
_LINE_NUMBER = re.compile(r"^(\d{1,2})([a-z]?)$")
_LETTER = re.compile(r"^[a-h]$")
_LABEL_WORD = re.compile(r"^[A-Za-z][A-Za-z'\u2019-]")
# Words after which a number is a reference to another line, not the start of one ("from line 8 of").
_REFERENCES = frozenset(
    {"line", "lines", "form", "forms", "form(s)", "box", "from", "and", "of", "through", "schedule", "part", "to"}
)

# field -> (line numbers in any year's numbering, label words). Both must match.
_FORM_1040: dict[str, tuple[tuple[str, ...], str]] = {
    "wages": (("1z",), r"add lines 1a through 1h|wages"),
    "taxable_interest": (("2b",), r"taxable interest"),
    "qualified_dividends": (("3a",), r"qualified dividends"),
    "ordinary_dividends": (("3b",), r"ordinary dividends"),
    "capital_gain": (("7", "7a"), r"^capital gain"),
    "agi": (("11", "11a", "11b"), r"adjusted gross income"),
    "deductions": (("12", "12e"), r"standard deduction|itemized deduction"),
    "taxable_income": (("15",), r"taxable income"),
    "total_tax": (("24",), r"total tax"),
}
_SCHEDULE_D: dict[str, tuple[tuple[str, ...], str]] = {
    "st_carryover": (("6",), r"short-term capital loss carryover"),
    "st_net": (("7",), r"net short-term capital gain"),
    "lt_carryover": (("14",), r"long-term capital loss carryover"),
    "lt_net": (("15",), r"net long-term capital gain"),
    "sd_net": (("16",), r"combine lines 7 and 15|net capital gain or \(loss\)"),
    "sd_loss_allowed": (("21",), r"if line 16 is a loss|capital loss allowed|loss allowed|deductible capital loss"),
}
CARRYOVERS = ("st_carryover", "lt_carryover")
# The number OCR most often reads in place of a letter, and back.
_OCR_DIGIT = str.maketrans({"z": "2", "Z": "2", "l": "1", "I": "1", "i": "1", "o": "0", "O": "0", "b": "6", "s": "5"})

_YEAR_PATTERNS = (
    re.compile(r"U\.?\s*S\.?\s+Individual\s+Income\s+Tax\s+Return\s+(20\d\d)\b", re.IGNORECASE),
    re.compile(r"\bForm\s*1040(?:-SR)?\s*\(\s*(20\d\d)\s*\)", re.IGNORECASE),
)
_SCHEDULE_D_TITLE = re.compile(r"^\s*schedule\s*d\b|^.{0,40}capital gains and losses\b", re.IGNORECASE)
_FORM_1040_TITLE = re.compile(r"^\s*form\s*1040(?:-SR)?\b.*(?:individual income tax return|page\s*2)", re.IGNORECASE)
_OTHER_SCHEDULE = re.compile(r"^\s*schedule\s+(?!d\b)[a-z0-9]{1,3}\b", re.IGNORECASE)
_RULE = re.compile(r"^[-=_\u2013\u2014\s]+$")  # a printout's ruled line: "-----", "====="
_NOT_CONTINUATION = re.compile(r"^(?:form|schedule|part|page|department|cat\.|for disclosure)\b", re.IGNORECASE)

_STATUSES = (
    ("single", r"Single\b"),
    ("married_joint", r"Married filing jointly"),
    ("married_separate", r"Married filing separately"),
    ("head_of_household", r"Head of household"),
    ("qualifying_surviving_spouse", r"Qualifying (?:surviving spouse|widow)"),
)
# Words that name a line of the form: a row holding them is that line, never another line's wrapped label.
_OTHER_LINE = re.compile(
    r"total income|adjustments to income|additional income|adjusted gross income|taxable income|total tax"
    r"|standard deduction|qualified business income|qualified dividends|ordinary dividends|taxable interest"
    r"|tax-exempt interest|capital gain or|ira distributions|pensions and annuities|social security benefits"
    r"|federal income tax withheld|earned income credit|total payments|amount you owe|child tax credit"
    r"|totals for all|capital loss carryover|capital gain distributions|net short-term|net long-term"
    r"|from partnerships|combine lines 7 and 15|if line 16 is a loss",
    re.IGNORECASE,
)
_GENERIC_WORDS = frozenset({"lines", "enter", "amount", "schedule", "instructions", "combine", "result"})
_FILING_HEADING = re.compile(r"\bfiling\s+status\b", re.IGNORECASE)
_MARK = re.compile(r"^[\[(|]?\s*[xX✓✔✗✘☒☑■●◼▪✕✖]\s*[\])|]?$")


@dataclass
class _Line:
    """One numbered line of the form: its number, label words and the words after them on its row(s)."""

    number: str
    page: int
    form: str  # "1040", "D" or "other"
    words: list[Word]
    rows: int = 1

    def label(self) -> str:
        """The line's words before its amount cell, without leaders: what the field's label must match."""
        cell = self.cell()
        words = self.words[1 : len(self.words) - len(cell)] if cell else self.words[1:]
        return " ".join(word.text for word in words if not LEADER.fullmatch(word.text)).lower()

    def cell(self) -> list[Word]:
        """The words of the amount cell: what follows the line's number printed again in the amount column,
        else the first run of dot leaders after the label, else money set apart at the row's end."""
        tail = self.words[1:]
        boxes = [i for i, word in enumerate(tail) if _same_number(word.text, self.number)]
        if boxes:
            return _amount_words(tail[boxes[-1] + 1 :])
        leaders = [i for i, word in enumerate(tail) if LEADER.fullmatch(word.text)]
        for i in leaders:
            if found := _amount_words(tail[i:]):
                return found
        # No amount after the leaders (or none printed, or OCR lost them): money at the row's end, set apart.
        cell: list[Word] = []
        for word in reversed(tail):
            if not _MONEY_CHARS.match(word.text) or LEADER.fullmatch(word.text):
                break  # the cell ends at the leaders: a figure before them is inside the label
            cell.insert(0, word)
        if cell and (label_end := [w for w in tail if w not in cell]):
            gap = cell[0].x0 - label_end[-1].x1
            formatted = re.search(r"[,$()]|\.\d*$", "".join(word.text for word in cell))
            reference = label_end[-1].text.lower().rstrip(",") in _REFERENCES
            if gap < 1.5 * median(w.height for w in self.words) and (not formatted or reference):
                # Maybe a number ending the label's own text ("box 1"): one right after the label is taken
                # only when it is written as money ("1,204.", "(3,000)"). Otherwise the line is neither read
                # nor blank (a blank line counts as zero in a sum; this one may not be zero).
                return [replace(cell[0], text=UNREAD)]
        return _amount_words(cell)

    def has_amount(self) -> bool:
        cell = self.cell()
        return bool(cell) and parse_amount("".join(word.text for word in cell)) is not None

    def snippet(self) -> str:
        """The line as printed; a lettered line ("b Taxable interest") with its number ("2b ...")."""
        texts = [word.text for word in self.words]
        if _LETTER.match(texts[0]):
            texts[0] = self.number
        return " ".join(texts)


def _reread_cell(line: _Line, reread: Reader, right: float | None) -> list[Word]:
    """The amount cell of a line read again on its own, on the line's last row: from the line's number
    printed in the amount column (else a cell's width before the page's right-hand amount column ``right``)
    to that column's end. Only money is kept; without a known column nothing is read."""
    if right is None or _SIDE_BY_SIDE.match(line.number):
        return []  # 2a-6a sit in the middle column, beside their "b" lines: only the right-hand column is read
    printed = [word for word in line.words if not LEADER.fullmatch(word.text)] or line.words  # dots sit low
    last_top = max(word.top for word in printed)
    row = [word for word in printed if word.top >= last_top - 0.5 * word.height]
    boxes = [word for word in row[1:] if _same_number(word.text, line.number) and word.x1 < right]
    start = boxes[-1].x1 + 1 if boxes else right - CELL_WIDTH
    if any(word.x0 > start and _LABEL_WORD.match(word.text) and word.x0 < right for word in row):
        return []  # text in the cell (another line beside this one): not a cell to read alone
    top = min(word.top for word in row)
    bottom = max(word.bottom for word in row)
    size = bottom - top
    found = reread(line.page, start, top - 0.3 * size, right + 10, bottom + 0.3 * size)
    # The line's number in its box may be in the region (OCR had lost it): it is not the amount. An amount is
    # right-aligned: it ends at the column's edge (a preprinted ")" may follow it).
    money = [w for w in found if _MONEY_CHARS.match(w.text) and not _same_number(w.text, line.number)]
    cell = _amount_words(money)
    if not cell or cell[-1].x1 < right - 15 or min(word.confidence for word in cell) < 0.6:
        return []
    return cell


def _amount_words(words: list[Word]) -> list[Word]:
    """The amount at the start of ``words`` (leaders skipped): the longest run of money-like words that reads
    as one amount ("(", "2,500", ")"), stopping before the next word of text or a second amount."""
    start = 0
    while start < len(words) and LEADER.fullmatch(words[start].text):
        start += 1
    run: list[Word] = []
    for word in words[start:]:
        if not _MONEY_CHARS.match(word.text) or LEADER.fullmatch(word.text):
            break
        run.append(word)
    best = 0
    for end in range(1, len(run) + 1):
        if parse_amount("".join(word.text for word in run[:end])) is not None:
            best = end
    if best:
        return run[:best]
    # Nothing between the form's preprinted parentheses is a blank line; so is a run without a digit ("---").
    # Unreadable digits are not: the field is then left out, neither read nor blank.
    return run[:1] if any(re.search(r"\d", word.text) for word in run) else []


def read_pages(
    pages: Sequence[Page], *, ink: InkMeter | None = None, ocr: bool = False, reread: Reader | None = None
) -> Extraction:
    """Return the figures, filing status, year and names found on a return's ``pages``.

    ``ink`` measures how dark a region of a page is (for check boxes marked by drawing, not text); ``ocr`` says
    the words came from OCR, whose figures are reported with lower confidence (at most ``OCR_CEILING``);
    ``reread`` reads a region again on its own (OCR of a line's amount cell, when the page's OCR left it
    empty or unreadable although there is ink in it).
    """
    as_read = rows(pages)
    names = _names(as_read, ocr=ocr)  # from the words as read: a name or a label is not a figure to clean
    status = _filing_status(as_read, ink)
    if ocr:
        pages = [_outside_columns(replace(page, words=tuple(_ocr_word(word) for word in page.words))) for page in pages]
    all_rows = rows(pages) if ocr else as_read
    number_columns = _number_columns(all_rows)
    # The right edge of each page's right-hand amount column: where a cell is read again (OCR only).
    rights = {i: max(found) for i, page in enumerate(pages) if reread and (found := amount_columns(page))}
    values: dict[str, Value] = {}
    blank: set[str] = set()
    if year := _tax_year(all_rows):
        values["tax_year"] = year
    if status:
        values["filing_status"] = status
    lines = _lines(all_rows, number_columns, ocr=ocr)
    for form, table in (("1040", _FORM_1040), ("D", _SCHEDULE_D)):
        for name, (numbers, label) in table.items():
            line = _find_line(lines, form, numbers, label, ocr)
            if line is None and ocr:
                line = _find_label(all_rows, lines, number_columns, form, numbers[-1], label)
            if line is None:
                continue
            cell = line.cell()
            amount = parse_amount("".join(word.text for word in cell)) if cell else None
            if amount is None and reread is not None:
                cell = _reread_cell(line, reread, rights.get(line.page)) or cell
                amount = parse_amount("".join(word.text for word in cell)) if cell else None
            if not cell:
                blank.add(name)
                continue
            if amount is None:
                continue
            if name in CARRYOVERS:
                amount = abs(amount)
            elif name == "sd_loss_allowed":
                amount = -abs(amount)  # line 21 holds a loss, in the form's preprinted parentheses
            confidence = SAME_ROW if line.rows == 1 else WRAPPED
            if ocr:  # never above OCR_CEILING, nor above OCR's confidence in the amount's own words
                confidence = round(min(OCR_CEILING, confidence, *(word.confidence for word in cell)), 2)
            values[name] = Value(amount, confidence, line.snippet())
    if ocr:
        values |= {
            name: replace(found, confidence=min(found.confidence, OCR_CEILING))
            for name, found in values.items()
            if name in ("tax_year", "filing_status")
        }
    return Extraction(
        values=values, source="ocr" if ocr else "offline", names=names, blank=frozenset(blank - set(values))
    )


def parse_amount(raw: str) -> Decimal | None:
    """Return the dollars in an amount as printed ("(3,000.)", "-3,000", "$1,250.50", "-0-"), or None."""
    raw = raw.replace(" ", "")
    if _ZERO.match(raw):
        return Decimal("0.00")
    match = _MONEY.match(raw)
    if match is None or bool(match["open"]) != bool(match["close"]):
        return None
    digits = match["digits"].replace(",", "").replace(".", "")
    value = Decimal(f"{digits}.{match['cents'] or '0'}").quantize(Decimal("0.01"))
    return -value if match["open"] or match["minus"] else value


def _same_number(text: str, number: str) -> bool:
    """Whether a word is the line number ``number`` (as OCR may misread it: "1z" as "12", "2b" as "26")."""
    if not re.fullmatch(r"[0-9zZlIO]{1,2}[a-z]?", text) or not re.search(r"\d", text):
        return False
    return text.lower().translate(_OCR_DIGIT) == number.lower().translate(_OCR_DIGIT)


def _section(row: Row, current: str) -> str:
    """The form a row belongs to: a title row (Schedule D, another schedule, the 1040) starts a new section."""
    text = row.text
    if _SCHEDULE_D_TITLE.match(text):
        return "D"
    if _OTHER_SCHEDULE.match(text):
        return "other"
    if _FORM_1040_TITLE.match(text):
        return "1040"
    return current


def _lines(all_rows: list[Row], columns: dict[int, list[float]], *, ocr: bool = False) -> list[_Line]:
    """Cut the rows into the form's numbered lines (two side by side on one row are two lines).

    With OCR's words, a field's label whose number OCR dropped (a lone "7", the "b" of "b Taxable interest")
    gets it back first (``_restore_numbers``)."""
    lines: list[_Line] = []
    form = "1040"
    page = -1
    current_number = ""
    open_line: _Line | None = None
    for row in all_rows:
        if row.page != page:
            page, open_line = row.page, None
        form = _section(row, form)
        if ocr:
            row = _restore_numbers(row, form)
        page_columns = columns.get(row.page, [])
        starts = [
            i
            for i in _label_starts(row.words)
            if not _LINE_NUMBER.match(row.words[i].text)
            or not page_columns
            or row.words[i].restored
            or any(abs(row.words[i].x0 - x) <= 8 for x in page_columns)
        ]
        if not starts:
            if _NOT_CONTINUATION.match(row.text) or _RULE.match(row.text):
                open_line = None  # a heading ("Part II ...") or a rule ends the line above it
                continue
            if open_line and open_line.rows < MAX_ROWS and not open_line.has_amount():
                # A wrapped label, or the amount on the row below its label: only words in the line's column,
                # and only a row that begins there (an amount alone at the right edge is a row of its own,
                # split off by a scan's tilt, not this line's).
                column = open_line.words[0].x0 - 2
                continued = [word for word in row.words if word.x0 >= column]
                if _OTHER_LINE.search(" ".join(word.text for word in continued)):
                    open_line = None  # another line whose number was lost, not this line's wrapped label
                    continue
                if continued and continued[0].x0 <= open_line.words[0].x0 + 60:
                    open_line.words.extend(continued)
                    open_line.rows += 1
            continue
        for index, start in enumerate(starts):
            end = starts[index + 1] if index + 1 < len(starts) else len(row.words)
            token = row.words[start].text
            if number := _LINE_NUMBER.match(token):
                current_number = number.group(1)
                line_number = token
            else:
                line_number = current_number + token
            open_line = _Line(line_number, row.page, form, row.words[start:end])
            lines.append(open_line)
    return lines


def _restore_numbers(row: Row, form: str) -> Row:
    """The row with a line number put back in front of each field label that begins a line but has none.

    The label is recognised as OCR may spell it ("Short- term capital loss"): its words at 90% likeness (so
    that "net short-term capital gain" is never "net long-term capital gain")."""
    table = _FORM_1040 if form == "1040" else _SCHEDULE_D if form == "D" else {}
    words = list(row.words)
    for numbers, label in table.values():
        phrase = label.lstrip("^").split("|")[0].replace("\\", "")
        index = _fuzzy_phrase_at(words, phrase)
        if index is None:
            continue
        if index and (
            _LETTER.match(words[index - 1].text)
            or any(_same_number(words[index - 1].text, number) for number in numbers)
        ):
            continue  # it has its number
        word = words[index]
        before = words[index - 1] if index else None
        begins = (
            before is None
            or LEADER.fullmatch(before.text)
            or _MONEY_CHARS.match(before.text)
            or word.x0 - before.x1 > 1.5 * word.height
        )
        if begins:
            words.insert(index, Word(numbers[0], word.x0 - 1, word.x0 - 0.5, word.top, word.bottom, restored=True))
    return Row(row.page, words)


def _fuzzy_phrase_at(words: list[Word], phrase: str) -> int | None:
    """The index of the word where ``phrase`` begins, spelt as OCR may spell it, if anywhere in ``words``."""
    size = len(phrase.split())
    for index in range(len(words)):
        if not _LABEL_WORD.match(words[index].text):
            continue
        candidate = " ".join(word.text for word in words[index : index + size + 1] if word.text != ".").lower()
        candidate = candidate[: len(phrase) + 2]
        if SequenceMatcher(None, candidate[: len(phrase)], phrase).ratio() >= 0.9 or phrase in candidate:
            return index
    return None


def _label_starts(words: list[Word]) -> list[int]:
    """Indexes of the words that could start a numbered line on this row."""
    starts: list[int] = []
    for i, word in enumerate(words[:-1]):
        following = words[i + 1].text
        if not _LABEL_WORD.match(following):
            continue
        previous = words[i - 1].text if i else ""
        # A word far to the left is the form's margin ("• Head of", "separately,"), not part of this text.
        close = bool(i) and word.x0 - words[i - 1].x1 < 2 * word.height
        if _LINE_NUMBER.match(word.text):
            last_word = re.split(r"[^a-z()]+", previous.lower().rstrip(",")) or [""]
            if close and (last_word[-1] in _REFERENCES or previous.endswith(",")):
                continue
            starts.append(i)
        elif _LETTER.match(word.text) and (
            not previous
            or LEADER.fullmatch(previous)
            or _LINE_NUMBER.match(previous)
            or parse_amount(previous) is not None
            or previous.endswith(")")
        ):
            starts.append(i)
    return starts


def _number_columns(all_rows: list[Row]) -> dict[int, list[float]]:
    """Per page, where the line numbers are printed: x positions shared by three or more numbered starts.

    A number elsewhere followed by a word (an amount before the next label, as OCR may leave it) is not a
    line's start."""
    seen: dict[int, dict[int, int]] = {}
    for row in all_rows:
        for i in _label_starts(row.words):
            if _LINE_NUMBER.match(row.words[i].text):
                bucket = round(row.words[i].x0 / 4)
                seen.setdefault(row.page, {}).setdefault(bucket, 0)
                seen[row.page][bucket] += 1
    return {page: [4.0 * b for b, count in buckets.items() if count >= 3] for page, buckets in seen.items()}


def _find_line(lines: list[_Line], form: str, numbers: tuple[str, ...], label: str, ocr: bool) -> _Line | None:
    """The first line of the form with one of ``numbers`` (the last listed first: 11b over 11a) whose label
    agrees; OCR's words may also match with a misspelt label, but only if nothing matches as printed."""
    for exact in (True, False) if ocr else (True,):
        for number in reversed(numbers):
            for line in lines:
                if line.form == form and line.number == number and _label_matches(line.label(), label, fuzzy=not exact):
                    return line
    return None


def _find_label(
    all_rows: list[Row], lines: list[_Line], columns: dict[int, list[float]], form: str, number: str, label: str
) -> _Line | None:
    """OCR only: the field's label found without its line number (OCR drops a lone "7"), read to the row's
    end and, while no amount is found, on the next rows in the label's column (a wrapped label)."""
    pattern = label.lstrip("^")
    for position, row in enumerate(all_rows):
        index = _phrase_at(row, pattern, ignore_case=True)
        if index is None or _section_at(lines, row) != form:
            continue
        first = row.words[index]
        before = row.words[index - 1] if index else None
        if before is not None and not LEADER.fullmatch(before.text) and first.x0 - before.x1 <= 1.5 * first.height:
            # The phrase is inside a label ("Subtract line 10 ... adjusted gross income"): the line is the
            # row's text from the label column on, if the row starts no other line.
            if _label_starts(row.words) or not columns.get(row.page):
                continue
            label_x = min(columns[row.page]) + 10
            index = next((i for i, word in enumerate(row.words) if word.x0 >= label_x), index)
            first = row.words[index]
        marker = Word(number, first.x0, first.x0, first.top, first.bottom)
        line = _Line(number, row.page, form, [marker, *row.words[index:]])
        for below in all_rows[position + 1 : position + 3]:
            if below.page != row.page or line.has_amount() or _label_starts(below.words)[:1] == [0]:
                break
            line.words.extend(word for word in below.words if word.x0 >= first.x0 - 2)
            line.rows += 1
        return line
    return None


def _section_at(lines: list[_Line], row: Row) -> str:
    """The form (1040 or Schedule D) of the numbered line nearest above ``row`` on its page."""
    above = [line for line in lines if line.page == row.page and line.words[0].top <= row.top + 1]
    if above:
        return above[-1].form
    same_page = [line for line in lines if line.page == row.page]
    return same_page[0].form if same_page else "1040"


def _label_matches(label: str, pattern: str, *, fuzzy: bool = False) -> bool:
    """Whether the label holds the pattern's words; ``fuzzy`` allows OCR's letter errors in one phrase."""
    label = " ".join(label.replace("\u2010", "-").split())
    if re.search(pattern, label):
        return True
    if not fuzzy:
        return False
    # The number already agrees: one distinctive word of the label is enough (OCR loses words it is unsure of).
    keywords = {word for word in re.findall(r"[a-z][a-z-]{4,}", pattern) if word not in _GENERIC_WORDS}
    if keywords & set(re.findall(r"[a-z][a-z-]{4,}", label)):
        return True
    for phrase in pattern.lstrip("^").split("|"):
        size = len(phrase)
        for start in range(0, max(len(label) - size, 0) + 1):
            if SequenceMatcher(None, label[start : start + size], phrase).ratio() >= 0.7:
                return True
    return False


def _tax_year(all_rows: list[Row]) -> Value | None:
    """The year in the form's title ("U.S. Individual Income Tax Return 2024", the year maybe on its own row)
    or its footer ("Form 1040 (2024)")."""
    heads: dict[int, list[str]] = {}
    for row in all_rows:
        heads.setdefault(row.page, []).append(row.text)
    for pattern in _YEAR_PATTERNS:
        for row in all_rows:
            if match := pattern.search(row.text):
                return Value(int(match.group(1)), YEAR_CONFIDENCE, " ".join(match.group(0).split()))
        for texts in heads.values():
            if match := pattern.search(" ".join(texts[:6])):
                return Value(int(match.group(1)), YEAR_CONFIDENCE, " ".join(match.group(0).split()))
    return None


def _filing_status(all_rows: list[Row], ink: InkMeter | None) -> Value | None:
    """The one status whose box is marked; none when no box, or more than one, is."""
    first_page = [row for row in all_rows if row.page == 0]
    # The boxes follow the "Filing Status" heading (on its row and the next few); the margin's "Single or
    # Married filing separately, $14,600" further down is not one of them.
    heading = next((i for i, row in enumerate(first_page) if _FILING_HEADING.search(row.text)), None)
    block = first_page[heading : heading + 6] if heading is not None else first_page
    labels: dict[str, tuple[Row, int]] = {}
    for fuzzy in (False, True):
        for row in block:
            for status, pattern in _STATUSES:
                if status in labels:
                    continue
                index = _phrase_at(row, pattern) if not fuzzy else _fuzzy_phrase_at(row.words, _plain(pattern))
                if index is not None:
                    labels[status] = (row, index)
    if not labels:
        return None
    marked = [status for status, (row, index) in labels.items() if index and _MARK.match(row.words[index - 1].text)]
    if len(marked) == 1:
        row, index = labels[marked[0]]
        return Value(marked[0], STATUS_CONFIDENCE, _status_snippet(row, index - 1))
    if marked or ink is None or len(labels) < 2:
        return None
    darkness = {status: _ink_before(row, index, ink) for status, (row, index) in labels.items()}
    ranked = sorted(darkness.values(), reverse=True)
    top = max(darkness, key=lambda status: darkness[status])
    if ranked[0] < MARKED_INK or ranked[1] > ranked[0] / 1.5:
        return None  # no box marked, or two
    row, index = labels[top]
    return Value(top, INK_CONFIDENCE, f"[marked box] {_status_snippet(row, index)}")


def _plain(pattern: str) -> str:
    """A label pattern's words as printed, for a fuzzy match: "Qualifying (?:surviving spouse|widow)" ->
    "qualifying surviving spouse"."""
    text = re.sub(r"\(\?:([^|)]*)[^)]*\)", r"\1", pattern).replace("\\b", "")
    return text.lower()


def _status_snippet(row: Row, start: int) -> str:
    """The status label from ``start`` (its mark, or the label) to the next box or the row's end."""
    texts = row.texts
    end = next(
        (i for i in range(start + 1, len(texts)) if _MARK.match(texts[i]) or texts[i] in ("☐", "□", "[", "[]")),
        len(texts),
    )
    if end > start + 1 and texts[end - 1] == "[":
        end -= 1
    return " ".join(texts[start:end])


def _phrase_at(row: Row, pattern: str, *, ignore_case: bool = False) -> int | None:
    """The index of the word where ``pattern`` starts in the row, if it starts at a word."""
    text = ""
    starts: dict[int, int] = {}
    for i, word in enumerate(row.words):
        if text:
            text += " "
        starts[len(text)] = i
        text += word.text
    for match in re.finditer(pattern, text, re.IGNORECASE if ignore_case else 0):
        if match.start() in starts:
            return starts[match.start()]
    return None


def _ink_before(row: Row, index: int, ink: InkMeter) -> float:
    """How dark the box in front of a label is: the space between the previous (unmarked) word and the label."""
    label = row.words[index]
    size = label.height
    left = label.x0 - 2.6 * size
    for word in reversed(row.words[:index]):
        if (
            word.x1 <= label.x0
            and not _MARK.match(word.text)
            and word.text not in ("☐", "□", "[", "]", "[]")
            and not LEADER.fullmatch(word.text)
            and word.confidence >= 0.5
            and (len(word.text) >= 3 or word.x1 - word.x0 > 1.6 * size)  # OCR reading the box ("O", "Ml")
        ):
            left = max(left, word.x1 + 0.5)
            break
    return ink(row.page, left, label.top - 0.25 * size, label.x0 - 0.5, label.bottom + 0.25 * size)


_NAME_LABELS = (
    r"Your first name and middle initial",
    r"If joint return, spouse.s first name and middle initial",
    r"Name\(s\) shown on return",
)
# Where a name's column ends: the social security number's column.
_SSN_LABEL = r"(?:Your\W?|Spouse.s )?[Ss]ocial security number"
# Rows that are labels themselves, never the names under a label (a single filer's spouse row is empty).
_LABEL_ROW = re.compile(
    r"^(?:Home\W*address|If joint return|City, town|Foreign country|Address:|Filing|Your first name|Name\(s\))",
    re.IGNORECASE,
)


# Words of the form's own labels, never of a name (a single filer's empty spouse row shows the next label).
_NOT_A_NAME = re.compile(r"\b(?:address|street|instructions|apt|box|social|security|number)\b", re.IGNORECASE)


def _names(all_rows: list[Row], *, ocr: bool = False) -> tuple[str, ...]:
    """The taxpayer's and spouse's names: after each name label on its row, or on the row under it, in the
    label's column (up to the social security number's column). OCR's labels are found as OCR spells them,
    and the names taken from its surer words only."""
    names: list[str] = []
    for position, row in enumerate(all_rows):
        if row.page != 0:
            break
        for label in _NAME_LABELS:
            start = _phrase_at(row, label)
            if start is None and ocr:
                start = _fuzzy_phrase_at(row.words, _plain(label).replace("\\", "").replace(".", "'"))
            if start is None:
                continue
            ssn = _phrase_at(row, _SSN_LABEL)
            if ssn is None and ocr and (social := _fuzzy_phrase_at(row.words, "social security number")):
                ssn = (
                    social - 1
                    if row.words[social].x0 - row.words[social - 1].x1 < 2 * row.words[social].height
                    else social
                )
            column_end = row.words[ssn].x0 - 2 if ssn is not None and ssn > start else None
            label_size = len(label.split())
            stop = ssn if ssn is not None and ssn > start else len(row.words)
            inline = [] if ocr else " ".join(row.texts[start + label_size : stop]).replace("Last name", " ").split()
            if inline:  # "Your first name and middle initial Jane Q. Last name Example" on one row
                words = inline
            else:  # the forms: the names on the row under their labels, in the labels' column
                below = next((r for r in all_rows[position + 1 : position + 2] if r.page == row.page), None)
                if below is None or _LABEL_ROW.match(below.text):
                    continue
                left = row.words[start].x0 - 2
                words = [
                    w.text
                    for w in below.words
                    if w.x0 >= left and (column_end is None or w.x0 < column_end) and w.confidence >= 0.5
                ]
            shown = " ".join(words).strip(" :")
            for name in re.split(r"\s+(?:&|and)\s+", shown):
                if re.search(r"[A-Za-z]{2}", name) and not re.search(r"\d{3}", name) and not _NOT_A_NAME.search(name):
                    names.append(name.strip())
    return tuple(dict.fromkeys(names))


_OCR_MONEY = re.compile(r"^[\d,.$()lIoOSB-]+$")
_OCR_AS_DIGIT = str.maketrans({"l": "1", "I": "1", "o": "0", "O": "0", "S": "5", "B": "8"})


def _ocr_word(word: Word) -> Word:
    """Clean a word as OCR read it. Dot leaders and speckles come out as low-confidence nonsense ("ee", "6",
    "4.0"): any word read with less than even confidence is a leader, so that it can neither start a line
    nor be an amount. A preprinted parenthesis keeps its place ("|(" is "("); an amount's letters that are
    digits' look-alikes ("l,2O4") are digits."""
    text = word.text.replace("|", "").strip()
    if text in ("(", ")"):
        return replace(word, text=text)
    junk = "_'\u2018\u2019`"
    amount = text.strip(junk)
    grouped = re.fullmatch(r"\(?-?\$?\d{1,3}(?:,\d{3})+(?:\.\d\d)?\)?", amount)
    with_cents = re.fullmatch(r"\(?-?\$?\d{1,3}\.\d\d\)?", amount) and word.confidence >= 0.3
    if grouped or with_cents:
        # An amount, however unsure OCR was (its confidence stays low); its box shrunk to its characters.
        share = (word.x1 - word.x0) / len(text)
        x0 = word.x0 + share * (len(text) - len(text.lstrip(junk)))
        x1 = word.x1 - share * (len(text) - len(text.rstrip(junk)))
        return replace(word, text=amount, x0=x0, x1=x1)
    text = text.strip("_\u2018\u2019`")  # OCR's stray quotes and underscores ("\u2018Combine")
    if not text or word.confidence < 0.5:
        return replace(word, text=".")
    if _OCR_MONEY.match(text) and len(re.findall(r"\d", text)) >= 2:
        text = text.translate(_OCR_AS_DIGIT)
    return replace(word, text=text)


def amount_columns(page: Page) -> list[float]:
    """Where the page's amounts end: the right edges shared by three or more confident amounts."""
    ends: dict[int, int] = {}
    for word in page.words:
        amount = re.fullmatch(r"\(?-?\$?\d[\d,]*\d(?:\.\d*)?\)?", word.text)
        if word.confidence >= 0.8 and amount and ("," in word.text or len(re.sub(r"\D", "", word.text)) >= 3):
            ends[round(word.x1 / 6)] = ends.get(round(word.x1 / 6), 0) + 1
    return [6.0 * bucket for bucket, count in ends.items() if count >= 3]


def _outside_columns(page: Page) -> Page:
    """A scanned page with the numbers OCR reads into the dot leaders ("90", "0 0") turned into leaders.

    The form's amounts are right-aligned in columns: where three or more confident amounts end at the same
    place. A number that ends in none of them, between the line numbers and the amount column, and that OCR
    was unsure of (any one- or two-digit number short of full confidence), is speckle, not a figure."""
    columns = amount_columns(page)
    if not columns:
        return page
    left = min(word.x0 for word in page.words) + 60
    right = max(columns) - 15

    def speckle(word: Word) -> bool:
        short = re.fullmatch(r"\d{1,2}", word.text) and word.confidence < 0.95
        unsure = re.fullmatch(r"[\d.,]*\d[\d.,]*", word.text) and word.confidence < 0.9
        return (
            bool(short or unsure)
            and left < word.x0
            and word.x1 < right
            and not any(abs(word.x1 - column) <= 9 for column in columns)
        )

    return replace(page, words=tuple(replace(word, text=".") if speckle(word) else word for word in page.words))
