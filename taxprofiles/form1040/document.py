"""Check an uploaded Form 1040 PDF and return its text; every refusal is a DocumentError saying what to do."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from taxprofiles.form1040.fields import DocumentError

MAX_BYTES = 15 * 1024 * 1024
MAX_PAGES = 20
PDF_SIGNATURE = b"%PDF-"

# Both must appear: the form number and the form's title (any tax year's 1040 and 1040-SR carry them).
_FORM_NUMBER = re.compile(r"\bForm\s*1040\b", re.IGNORECASE)
_FORM_TITLE = re.compile(r"U\.?\s*S\.?\s+Individual\s+Income\s+Tax\s+Return", re.IGNORECASE)


def read_pdf(data: bytes, *, max_bytes: int = MAX_BYTES, max_pages: int = MAX_PAGES) -> str:
    """Return the text of every page of the PDF ``data``, pages joined by newlines.

    Raise DocumentError for an empty, oversized, non-PDF, corrupt, password-protected, too long or
    image-only (no text layer) file.
    """
    if not data:
        raise DocumentError("The file is empty: choose the PDF of the return and upload it again.")
    if len(data) > max_bytes:
        megabytes, rest = divmod(max_bytes, 1024 * 1024)
        limit = f"{max_bytes:,} bytes" if rest else f"{megabytes} MB"
        raise DocumentError(f"The file is larger than the {limit} limit: upload only the Form 1040 and its schedules.")
    if not data.lstrip()[:1024].startswith(PDF_SIGNATURE):
        raise DocumentError("The file is not a PDF: upload the return as a PDF.")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError("The PDF is password-protected: save an unprotected copy and upload that.")
        page_count = len(reader.pages)
        if page_count > max_pages:
            raise DocumentError(
                f"The PDF has {page_count} pages, more than the {max_pages}-page limit: "
                "upload only the Form 1040 and its schedules."
            )
        texts = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError, OSError) as exc:
        # pypdf raises a variety of errors on damaged files; they all mean the same thing to the user.
        raise DocumentError("The PDF is damaged or unreadable: download it again and upload the new copy.") from exc
    text = "\n".join(texts)
    if not text.strip():
        raise DocumentError(
            "The PDF has no text layer (a scan?): download the return as a PDF from the tax software, "
            "or enter the figures by hand."
        )
    return text


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
