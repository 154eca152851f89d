"""Uploaded Form 1040s: check and store the PDF, read its figures in the background, apply what the advisor confirms.

The upload request only checks the bytes (not empty, within 15 MB, a PDF signature, no JavaScript or embedded
file written in the clear) before storing the file: parsing a PDF can take minutes on a crafted file, so nothing
in a web request parses one. A django-q2 task reads it in a sandboxed child process (CPU, memory and time
limits; see ``form1040/sandbox.py``) that checks the rest (not encrypted, no active content in any object, at
most 20 pages) and reads the words with their positions (a scan by OCR), then the figures with the layout-aware
reader; with an OpenAI key, OpenAI reads the text instead (the offline figures stand in when it fails, saying
why). The figures wait for review: only ``document_apply``, called when an advisor confirms the (possibly
corrected) values, changes a tax profile, through ``form1040.mapping.plan``, and it records every change with
the document.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from portfolios.models import Household, User
from taxharvest.errors import ApplicationError
from taxprofiles.form1040.document import MAX_BYTES, check_1040, check_upload
from taxprofiles.form1040.fields import ActiveContentError, DocumentError, Extraction
from taxprofiles.form1040.mapping import Plan, plan, year_refusal
from taxprofiles.form1040.names import unmatched_names
from taxprofiles.form1040.reader import OCR_CEILING
from taxprofiles.form1040.reading import Reading
from taxprofiles.form1040.sandbox import read_return_sandboxed
from taxprofiles.models import DocumentStatus, ProfileSource, TaxDocument, TaxProfile
from taxprofiles.rules.federal import KNOWN_YEARS, FilingStatus

OPENAI_TIMEOUT = 30.0


def extract_figures(reading: Reading, *, offline: bool = False) -> Extraction:
    """OpenAI's reading of the text when configured and working, else the offline reader's (with the reason it
    fell back). The names and blank lines always come from the offline reader, which sees the layout."""
    api_key = getattr(settings, "OPENAI_API_KEY", "")
    if offline or not api_key:
        return reading.extraction
    try:
        from taxprofiles.form1040.openai_extract import openai_extract

        read = openai_extract(
            reading.text,
            api_key=api_key,
            base_url=getattr(settings, "OPENAI_BASE_URL", None) or None,
            model=getattr(settings, "OPENAI_MODEL", "gpt-4o-mini"),
            timeout=OPENAI_TIMEOUT,
        )
    except Exception as exc:
        reason = getattr(exc, "reason", "") or str(exc) or type(exc).__name__
        return replace(
            reading.extraction,
            fallback_reason=f"OpenAI extraction failed ({reason}); read the figures offline instead",
        )
    values = read.values
    if reading.scanned:  # OpenAI read OCR's text: its figures are no surer than OCR's
        values = {name: replace(found, confidence=min(found.confidence, OCR_CEILING)) for name, found in values.items()}
    return replace(
        read,
        values=values,
        names=reading.extraction.names,
        blank=frozenset(name for name in reading.extraction.blank if name not in read.values),
        fallback_reason="A scan: OpenAI read the text OCR found in it; check every figure." if reading.scanned else "",
    )


@transaction.atomic
def document_upload(*, household: Household, user: User, upload: UploadedFile) -> TaxDocument:
    """Check the upload's bytes, store it privately and queue its reading. Raises ApplicationError (nothing stored).

    Only cheap checks here: the file is parsed in the background task, under the sandbox's limits.
    """
    if upload.size and upload.size > MAX_BYTES:
        raise ApplicationError("The file is larger than the 15 MB limit: upload only the Form 1040 and its schedules.")
    data = upload.read(MAX_BYTES + 1)
    try:
        check_upload(data)
    except DocumentError as exc:
        raise ApplicationError(str(exc)) from exc
    document = TaxDocument(
        household=household,
        uploaded_by=user,
        filename=(upload.name or "return.pdf")[-255:],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    document.file.save(f"{household.pk}-{document.sha256[:16]}.pdf", ContentFile(data), save=False)
    document.save()
    transaction.on_commit(lambda: async_task("taxprofiles.documents.document_extract_task", document.pk))
    return document


def document_read(data: bytes) -> Reading:
    """Return the text and offline figures of the Form 1040 PDF ``data`` (a scan read by OCR), read in the
    sandbox. Raises DocumentError."""
    reading = read_return_sandboxed(data)
    check_1040(reading.text)
    return reading


def document_extract_task(document_id: int) -> str:
    """django-q2 task: read the text, then the figures, of an uploaded return (progress on its page).

    A file refused for its content is marked failed with the reason; one with active content is also removed.
    """
    TaxDocument.objects.filter(pk=document_id).update(status=DocumentStatus.READING, progress=10)
    document = TaxDocument.objects.get(pk=document_id)
    with document.file.open("rb") as file:
        data = file.read()
    try:
        reading = document_read(data)
    except DocumentError as exc:
        if isinstance(exc, ActiveContentError):
            document.file.delete(save=False)
        TaxDocument.objects.filter(pk=document_id).update(
            status=DocumentStatus.FAILED, progress=100, message=str(exc)[:300], file=document.file.name or ""
        )
        return f"refused: {exc}"
    TaxDocument.objects.filter(pk=document_id).update(text=reading.text, progress=40)
    try:
        extraction = extract_figures(reading)
    except Exception as exc:
        TaxDocument.objects.filter(pk=document_id).update(
            status=DocumentStatus.FAILED, progress=100, message=f"Reading failed: {exc}"[:300]
        )
        raise
    fields = {
        name: {"value": _json_value(found.value), "confidence": found.confidence, "snippet": found.snippet[:300]}
        for name, found in extraction.values.items()
    }
    TaxDocument.objects.filter(pk=document_id).update(
        status=DocumentStatus.EXTRACTED,
        progress=100,
        fields=fields,
        source=extraction.source,
        message=extraction.fallback_reason[:300],
        names=list(extraction.names),
        blank_lines=sorted(extraction.blank),
    )
    return f"{len(fields)} figures read ({extraction.source})"


def _json_value(value: int | str | Decimal) -> int | str:
    return str(value) if isinstance(value, Decimal) else value


@dataclass(frozen=True)
class Reviewed:
    """The figures the advisor confirmed (None: not on the return, leave the profile's value alone)."""

    tax_year: int
    filing_status: str | None
    values: dict[str, Decimal | None]
    blank: frozenset[str] = frozenset()  # lines the return shows empty: zero inside a sum, never on their own


def document_plan(*, document: TaxDocument, reviewed: Reviewed) -> tuple[TaxProfile, Plan]:
    """The household's profile for the reviewed year (a new one if none) and what applying would change."""
    profile = TaxProfile.objects.filter(household=document.household, tax_year=reviewed.tax_year).first()
    profile = profile or TaxProfile(
        household=document.household, tax_year=reviewed.tax_year, filing_status=FilingStatus.SINGLE.value
    )
    values: dict[str, Decimal | str | None] = {**reviewed.values, "filing_status": reviewed.filing_status}
    return profile, plan(values, blank=reviewed.blank, year=reviewed.tax_year, current_status=profile.filing_status)


@transaction.atomic
def document_apply(*, document: TaxDocument, user: User, reviewed: Reviewed) -> TaxProfile:
    """Write the confirmed figures into the household's profile for ``reviewed.tax_year``; record each change.

    ``form1040.mapping.plan`` decides what changes: only fields whose lines were found; the rest keep their
    values. A year the tax tables do not cover is refused.
    """
    document = TaxDocument.objects.select_for_update().get(pk=document.pk)
    if document.status != DocumentStatus.EXTRACTED:
        raise ApplicationError("Only a return that has been read and not yet applied can be applied.")
    if reviewed.tax_year not in KNOWN_YEARS:
        raise ApplicationError(year_refusal(reviewed.tax_year))
    profile, changes_planned = document_plan(document=document, reviewed=reviewed)
    changes = {}
    for name, new in changes_planned.updates.items():
        old = getattr(profile, name)
        if old != new:
            changes[name] = [None if old is None else str(old), None if new is None else str(new)]
            setattr(profile, name, new)
    profile.source = ProfileSource.FORM_1040
    profile.full_clean(exclude=["household"])
    profile.save()
    document.status = DocumentStatus.APPLIED
    document.applied_profile = profile
    document.applied_by = user
    document.applied_at = timezone.now()
    document.changes = changes
    document.save(update_fields=["status", "applied_profile", "applied_by", "applied_at", "changes"])
    return profile


def names_warning(document: TaxDocument) -> str:
    """A warning when the names on the return are not the household's clients ("" when they match)."""
    clients = [client.name for client in document.household.clients.all()]
    names = list(document.names or [])
    if not names:
        return "The taxpayers' names could not be read from the return: check that it is this household's return."
    strangers = unmatched_names(names, clients)
    if not strangers:
        return ""
    if not clients:
        return (
            f"The return is for {' and '.join(names)}, and this household has no clients on record to compare "
            "them with: check that this is their return before applying it."
        )
    return (
        f"The return is for {' and '.join(names)}, but {', '.join(strangers)} "
        f"{'is' if len(strangers) == 1 else 'are'} not among this household's clients ({' and '.join(clients)}): "
        "check that this is their return before applying it."
    )


def document_delete(*, document: TaxDocument) -> None:
    """Remove the file and its row; an applied profile keeps its figures (the audit stays in the profile's source)."""
    document.file.delete(save=False)
    document.delete()
