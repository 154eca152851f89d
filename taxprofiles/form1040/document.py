"""Check an uploaded Form 1040 PDF and return its text; every refusal is a DocumentError saying what to do.

``check_upload`` only looks at the bytes (cheap enough for a web request); ``open_pdf`` and ``read_pages`` parse
the file and so run only in the sandbox (``sandbox.read_return_sandboxed``): a crafted PDF can make a parser
work for minutes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

from taxprofiles.form1040.fields import ActiveContentError, DocumentError
from taxprofiles.form1040.words import Page, Word, page_text

MAX_BYTES = 15 * 1024 * 1024
MAX_PAGES = 20
# A 20-page return holds some 100,000 characters; far more text is a crafted file, not a return.
MAX_TEXT_CHARS = 1_000_000
PDF_SIGNATURE = b"%PDF-"

# Names that make a viewer run code or open a file. A tax return needs none of them, so a PDF holding one is
# refused rather than stored and served. ``/OpenAction`` is refused only with an action (a dictionary): with a
# destination (an array) it merely opens the document at a page.
SCRIPT_NAMES = frozenset({"/JS", "/JavaScript", "/AA"})
FILE_NAMES = frozenset({"/EmbeddedFile", "/EmbeddedFiles", "/Launch"})
HAS_SCRIPT = (
    "The PDF contains JavaScript or automatic actions, which a tax return never needs: "
    "print it to a new PDF (Print, then Save as PDF) and upload that."
)
HAS_FILES = (
    "The PDF contains embedded or launchable files, which a tax return never needs: "
    "print it to a new PDF (Print, then Save as PDF) and upload that."
)
DAMAGED = "The PDF is damaged or unreadable: download it again and upload the new copy."
TOO_MUCH_TEXT = "The PDF holds far more text than a Form 1040 and its schedules: upload only the return itself."
# pypdf and pdfminer raise a variety of errors on damaged files (RecursionError on absurdly nested objects);
# they all mean the same thing to the user.
_DAMAGE = (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError, OSError, RecursionError)

# A PDF name token; ``#xx`` inside it is a hex-escaped byte (``/J#61vaScript`` is ``/JavaScript``).
_NAME_TOKEN = re.compile(rb"/[^\x00\t\n\f\r ()<>\[\]{}/%]+")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_OPEN_ACTION_DICT = re.compile(rb"/OpenAction\s*<<")

# Both must appear: the form number and the form's title (any tax year's 1040 and 1040-SR carry them). OCR of
# a scan may garble the words around them ("Form Uz", "1040 S. Individual"), so the number alone and the title
# without its "U.S." are enough.
_FORM_NUMBER = re.compile(r"\b1040\b")
_FORM_TITLE = re.compile(r"Individual\s+Income\s+Tax\s+Return", re.IGNORECASE)


def check_upload(data: bytes, *, max_bytes: int = MAX_BYTES) -> None:
    """Raise DocumentError unless ``data`` is a non-empty PDF within ``max_bytes``, without parsing it.

    The scan for active content reads only the bytes outside streams, so it catches the obvious cases (an
    object stream or a damaged file hides names from it); ``read_pdf`` decides from the parsed objects.
    """
    if not data:
        raise DocumentError("The file is empty: choose the PDF of the return and upload it again.")
    if len(data) > max_bytes:
        megabytes, rest = divmod(max_bytes, 1024 * 1024)
        limit = f"{max_bytes:,} bytes" if rest else f"{megabytes} MB"
        raise DocumentError(f"The file is larger than the {limit} limit: upload only the Form 1040 and its schedules.")
    if not data.lstrip()[:1024].startswith(PDF_SIGNATURE):
        raise DocumentError("The file is not a PDF: upload the return as a PDF.")
    _scan_bytes_for_active_content(data)


def open_pdf(data: bytes, *, max_bytes: int = MAX_BYTES, max_pages: int = MAX_PAGES) -> PdfReader:
    """Return the parsed PDF ``data`` once it has passed every check but the text's.

    Raise DocumentError for an empty, oversized, non-PDF, corrupt, password-protected or too long file, and
    ActiveContentError for one with JavaScript or embedded files. Run it in the sandbox: parsing a crafted
    file can take minutes and gigabytes.
    """
    check_upload(data, max_bytes=max_bytes)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError("The PDF is password-protected: save an unprotected copy and upload that.")
        check_active_content(reader)
        page_count = len(reader.pages)
    except DocumentError:
        raise
    except _DAMAGE as exc:
        raise DocumentError(DAMAGED) from exc
    if page_count > max_pages:
        raise DocumentError(
            f"The PDF has {page_count} pages, more than the {max_pages}-page limit: "
            "upload only the Form 1040 and its schedules."
        )
    return reader


def read_pages(data: bytes, reader: PdfReader) -> list[Page]:
    """Every page's words with their positions: the text layer's words, and a fillable form's field values
    placed where their boxes are (a checked box as "✔"). A scan gives pages without words."""
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [
                Page(
                    width=float(page.width),
                    height=float(page.height),
                    words=tuple(_text_layer_words(page)) + tuple(_field_words(reader, index, float(page.height))),
                )
                for index, page in enumerate(pdf.pages)
            ]
    except DocumentError:
        raise
    except PdfminerException as exc:
        # pdfplumber wraps whatever pdfminer raised, running out of memory included.
        if any(isinstance(cause, MemoryError) for cause in (*exc.args, exc.__cause__, exc.__context__)):
            raise MemoryError from exc
        raise DocumentError(DAMAGED) from exc
    except (*_DAMAGE, PDFSyntaxError, PSException) as exc:
        raise DocumentError(DAMAGED) from exc
    if sum(len(page.words) for page in pages) * 12 > MAX_TEXT_CHARS:
        raise DocumentError(TOO_MUCH_TEXT)
    return pages


def read_pdf(data: bytes, *, max_bytes: int = MAX_BYTES, max_pages: int = MAX_PAGES) -> str:
    """Return the text of every page of the PDF ``data``, a row of the form per line, pages apart.

    Raise DocumentError as ``open_pdf`` does, and for an image-only file (no text layer): use ``read_return``
    to read a scan.
    """
    reader = open_pdf(data, max_bytes=max_bytes, max_pages=max_pages)
    text = page_text(read_pages(data, reader))
    if len(text) > MAX_TEXT_CHARS:
        raise DocumentError(TOO_MUCH_TEXT)
    if not text.strip():
        raise DocumentError(
            "The PDF has no text layer (a scan?): download the return as a PDF from the tax software, "
            "or enter the figures by hand."
        )
    return text


def _text_layer_words(page: Any) -> Iterator[Word]:
    """pdfplumber's words; a glyph of a dingbats font (how forms draw a check mark) reads as "✔"."""
    for word in page.extract_words(extra_attrs=["fontname"]):
        text = "✔" if "dingbat" in str(word.get("fontname", "")).lower() else str(word["text"])
        yield Word(text, float(word["x0"]), float(word["x1"]), float(word["top"]), float(word["bottom"]))


def _field_words(reader: PdfReader, index: int, page_height: float) -> Iterator[Word]:
    """The values of a fillable form's fields on page ``index``, as words inside their boxes."""
    page = reader.pages[index]
    for annotation in page.get("/Annots") or []:
        widget = annotation.get_object()
        if not isinstance(widget, DictionaryObject) or widget.get("/Subtype") != "/Widget":
            continue
        field = _inherited(widget, "/FT")
        rect = [float(number) for number in widget.get("/Rect", [0, 0, 0, 0])]
        x0, x1 = sorted((rect[0], rect[2]))
        bottom, top = (page_height - y for y in sorted((rect[1], rect[3])))
        size = min(top - bottom, 10.0) if top > bottom else min(bottom - top, 10.0)
        top, bottom = min(top, bottom), max(top, bottom)
        middle = (top + bottom) / 2
        if field == "/Btn":
            state = widget.get("/AS") or _inherited(widget, "/V")
            if state is not None and str(state) != "/Off":
                yield Word("✔", x0, x1, middle - size / 2, middle + size / 2)
            continue
        value = _inherited(widget, "/V")
        if field != "/Tx" or value is None or not str(value).strip():
            continue
        text = " ".join(str(value).split())
        width = 0.5 * size * len(text)
        align = int(_inherited(widget, "/Q") or 0)
        start = x1 - 2 - width if align == 2 else (x0 + x1 - width) / 2 if align == 1 else x0 + 2
        position = start
        for part in text.split(" "):
            part_width = 0.5 * size * len(part)
            yield Word(part, position, position + part_width, middle - size / 2, middle + size / 2)
            position += part_width + 0.5 * size


def _inherited(widget: DictionaryObject, key: str) -> Any:
    """A field attribute from the widget or the field above it (a form's fields nest their widgets)."""
    node: Any = widget
    for _ in range(8):
        if key in node:
            return node[key].get_object() if hasattr(node[key], "get_object") else node[key]
        parent = node.get("/Parent")
        if parent is None:
            return None
        node = parent.get_object()
    return None


def looks_like_1040(text: str) -> bool:
    """Return whether ``text`` carries Form 1040's number and title."""
    return bool(_FORM_NUMBER.search(text) and _FORM_TITLE.search(text))


def check_1040(text: str) -> None:
    """Raise DocumentError unless ``text`` looks like a Form 1040."""
    if not looks_like_1040(text):
        raise DocumentError(
            'The PDF does not look like a Form 1040 (no "Form 1040" and "U.S. Individual Income Tax Return"): '
            "upload the federal return itself."
        )


def check_active_content(reader: PdfReader) -> None:
    """Raise ActiveContentError if any object of the parsed PDF is JavaScript, an action or an embedded file.

    Every object is visited: those reachable from the trailer and every one the cross-reference table lists
    (reachable or not). pypdf has already decoded hex escapes in names, so ``/J#61vaScript`` is ``/JavaScript``.
    """
    for key, value in _walk(reader):
        names = {key, value} if isinstance(value, NameObject) else {key}
        if names & SCRIPT_NAMES or (key == "/OpenAction" and isinstance(value, DictionaryObject)):
            raise ActiveContentError(HAS_SCRIPT)
        if names & FILE_NAMES:
            raise ActiveContentError(HAS_FILES)


def _walk(reader: PdfReader) -> Iterator[tuple[str, PdfObject]]:
    """Yield (key, value) for every dictionary entry and ("", item) for every array item, depth first.

    An explicit stack and a set of visited references: a cyclic or deeply nested object graph cannot
    recurse or loop.
    """
    references = [(number, generation) for generation, table in reader.xref.items() for number in table]
    references += [(number, 0) for number in reader.xref_objStm]
    stack: list[PdfObject] = [reader.trailer, *(IndirectObject(n, g, reader) for n, g in references)]
    seen: set[tuple[int, int]] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            resolved = item.get_object()
            if resolved is None:
                continue
            item = resolved
        if isinstance(item, DictionaryObject):
            for key, value in item.items():
                resolved_value = value.get_object() if isinstance(value, IndirectObject) else value
                yield str(key), resolved_value if resolved_value is not None else value
                stack.append(value)
        elif isinstance(item, ArrayObject):
            for value in item:
                if isinstance(value, NameObject):
                    yield "", value
                stack.append(value)


def _scan_bytes_for_active_content(data: bytes) -> None:
    """Raise ActiveContentError for an active-content name written in the clear outside streams."""
    for segment in _outside_streams(data):
        if _OPEN_ACTION_DICT.search(segment):
            raise ActiveContentError(HAS_SCRIPT)
        for token in _NAME_TOKEN.findall(segment):
            name = _HEX_ESCAPE.sub(lambda match: bytes.fromhex(match[1].decode()), token).decode("latin-1")
            if name in SCRIPT_NAMES:
                raise ActiveContentError(HAS_SCRIPT)
            if name in FILE_NAMES:
                raise ActiveContentError(HAS_FILES)


def _outside_streams(data: bytes) -> Iterator[bytes]:
    """Yield the parts of ``data`` between streams (compressed bytes would give false matches), in one pass."""
    position = 0
    while (start := data.find(b"stream", position)) != -1:
        yield data[position:start]
        end = data.find(b"endstream", start + len(b"stream"))
        if end == -1:
            return
        position = end + len(b"endstream")
    yield data[position:]
