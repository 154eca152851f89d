"""Edit a household's tax profile, with a live preview of the client's marginal rates.

Saving rescans the household: the harvests' values (and so their ranking) depend on the whole profile.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from harvesting.scanning import scan_start
from portfolios.selectors import household_get_for_user, households_for_user
from taxharvest.errors import ApplicationError
from taxharvest.http import AuthenticatedHttpRequest
from taxprofiles.documents import (
    Reviewed,
    document_apply,
    document_delete,
    document_plan,
    document_upload,
    names_warning,
)
from taxprofiles.form1040.fields import MONEY_FIELDS
from taxprofiles.form1040.mapping import year_refusal
from taxprofiles.form1040.reader import LOW_CONFIDENCE
from taxprofiles.forms import DocumentUploadForm, ReviewForm, TaxProfileForm
from taxprofiles.models import DocumentStatus, ProfileSource, TaxDocument, TaxProfile
from taxprofiles.rules.federal import KNOWN_YEARS
from taxprofiles.selectors import tax_summary


def _instance(household_id: int, request: AuthenticatedHttpRequest) -> TaxProfile:
    household = household_get_for_user(request.user, household_id)
    year = request.GET.get("year", "")
    profiles = household.tax_profiles.order_by("-tax_year")
    profile = profiles.filter(tax_year=int(year)).first() if year.isdigit() else profiles.first()
    return profile or TaxProfile(household=household)


@login_required
def profile_edit(request: AuthenticatedHttpRequest, household_id: int) -> HttpResponse:
    instance = _instance(household_id, request)
    form = TaxProfileForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        profile = form.save(commit=False)
        profile.source = ProfileSource.ADVISOR
        profile.save()
        scan_start(firm=profile.household.firm, household=profile.household, requested_by=request.user)
        messages.success(request, f"Saved the {profile.tax_year} tax profile; rescanning the household's harvests.")
        return redirect("portfolios:household_detail", household_id=profile.household_id)
    # The saved profile's rates (the form may have filled ``instance`` with the invalid figures it refused).
    saved = TaxProfile.objects.filter(pk=instance.pk).first() if instance.pk else None
    preview = tax_summary(saved) if saved else None
    return render(
        request,
        "taxprofiles/edit.html",
        {
            "form": form,
            "household": instance.household,
            "tax": preview,
            "preview": False,
            "editing": True,
            "upload_form": DocumentUploadForm(),
            "documents": instance.household.tax_documents.all()[:20],
        },
    )


@login_required
@require_POST
def profile_preview(request: AuthenticatedHttpRequest, household_id: int) -> HttpResponse:
    """The rates and savings the form's figures would give, before saving (htmx, as the advisor types)."""
    instance = _instance(household_id, request)
    form = TaxProfileForm(request.POST, instance=instance)
    if not form.is_valid():
        return render(request, "taxprofiles/_preview_errors.html", {"form": form})
    return render(request, "taxprofiles/_rates.html", {"tax": tax_summary(form.save(commit=False)), "preview": True})


READING = (DocumentStatus.QUEUED, DocumentStatus.READING)


def _document_for_user(request: AuthenticatedHttpRequest, document_id: int) -> TaxDocument:
    """The document if its household is one the user may see; 404 otherwise."""
    document = (
        TaxDocument.objects.filter(pk=document_id, household__in=households_for_user(request.user))
        .select_related("household")
        .first()
    )
    if document is None:
        raise Http404("No such document.")
    return document


@login_required
@require_POST
def document_upload_view(request: AuthenticatedHttpRequest, household_id: int) -> HttpResponse:
    household = household_get_for_user(request.user, household_id)
    form = DocumentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose the PDF of the return to upload.")
        return redirect("taxprofiles:edit", household_id=household.pk)
    try:
        document = document_upload(household=household, user=request.user, upload=form.cleaned_data["file"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("taxprofiles:edit", household_id=household.pk)
    return redirect("taxprofiles:document", document_id=document.pk)


@login_required
def document_detail(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    """Progress while the return is read; then its figures beside its text, each flagged found, low confidence,
    blank or not found, with what applying will keep, to correct and confirm."""
    document = _document_for_user(request, document_id)
    return_year = _return_year(document)
    form = ReviewForm(request.POST or None, initial=_initial(document), return_year=return_year)
    if request.method == "POST" and document.status == DocumentStatus.EXTRACTED and form.is_valid():
        try:
            profile = document_apply(document=document, user=request.user, reviewed=_reviewed(document, form))
        except (ApplicationError, ValidationError) as exc:
            messages.error(request, getattr(exc, "message", None) or "; ".join(getattr(exc, "messages", [str(exc)])))
        else:
            scan_start(firm=profile.household.firm, household=profile.household, requested_by=request.user)
            messages.success(request, f"Applied to the {profile.tax_year} tax profile; rescanning the household.")
            return redirect("taxprofiles:document", document_id=document.pk)
    context = {
        "document": document,
        "form": form,
        "reading": document.status in READING,
        "flags": _flags(document),
        "names_warning": names_warning(document) if document.status == DocumentStatus.EXTRACTED else "",
        "year_warning": year_refusal(return_year) if return_year and return_year not in KNOWN_YEARS else "",
        "kept": _kept(document, form) if document.status == DocumentStatus.EXTRACTED else None,
    }
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "taxprofiles/_document.html" if partial else "taxprofiles/document.html", context)


def _return_year(document: TaxDocument) -> int | None:
    year = (document.fields.get("tax_year") or {}).get("value")
    return year if isinstance(year, int) else None


def _initial(document: TaxDocument) -> dict[str, object]:
    values = {name: found["value"] for name, found in document.fields.items()}
    initial: dict[str, object] = {name: values.get(name) for name in MONEY_FIELDS}
    initial["tax_year"] = _return_year(document) or max(KNOWN_YEARS)
    initial["filing_status"] = values.get("filing_status") or ""
    return initial


def _reviewed(document: TaxDocument, form: ReviewForm) -> Reviewed:
    data = form.cleaned_data
    return Reviewed(
        tax_year=data["tax_year"],
        filing_status=data["filing_status"] or None,
        values={name: data.get(name) for name in MONEY_FIELDS},
        blank=frozenset(document.blank_lines or ()),
    )


# How each field of the review was read: the flag's text and its style.
FOUND, LOW, BLANK, NOT_FOUND = "found", "low confidence", "blank on the return", "not found"


def _flags(document: TaxDocument) -> dict[str, dict[str, object]]:
    """Each field's flag: found, found with low confidence (OCR, a guess at a wrapped line), blank, not found."""
    flags: dict[str, dict[str, object]] = {}
    for name in ("tax_year", "filing_status", *MONEY_FIELDS):
        found = document.fields.get(name)
        if found:
            confidence = float(found.get("confidence", 0))
            flag = LOW if confidence < LOW_CONFIDENCE else FOUND
            flags[name] = {"flag": flag, "confidence": round(confidence * 100), "snippet": found.get("snippet", "")}
        else:
            flags[name] = {"flag": BLANK if name in (document.blank_lines or ()) else NOT_FOUND}
    return flags


def _kept(document: TaxDocument, form: ReviewForm) -> list[dict[str, object]]:
    """The profile values applying will leave as they are, with the reason: for the year the form shows."""
    if form.is_bound and form.is_valid():
        reviewed = _reviewed(document, form)
    else:
        initial = _initial(document)
        year = initial["tax_year"]
        if not isinstance(year, int) or year not in KNOWN_YEARS:
            return []
        values = {name: (Decimal(str(initial[name])) if initial[name] is not None else None) for name in MONEY_FIELDS}
        status = initial["filing_status"]
        reviewed = Reviewed(year, str(status) or None, values, frozenset(document.blank_lines or ()))
    profile, planned = document_plan(document=document, reviewed=reviewed)
    return [
        {
            "field": str(TaxProfile._meta.get_field(name).verbose_name),
            "value": getattr(profile, name),
            "why": why,
            "new_profile": profile.pk is None,
        }
        for name, why in planned.kept.items()
    ]


@login_required
def document_file(request: AuthenticatedHttpRequest, document_id: int) -> FileResponse:
    """The uploaded PDF as a download, never rendered in the portal's origin (it is the client's file, unvetted)."""
    document = _document_for_user(request, document_id)
    if not document.file:  # refused for its active content: the file was removed
        raise Http404("The file was refused and removed.")
    response = FileResponse(
        document.file.open("rb"), content_type="application/pdf", as_attachment=True, filename=document.filename
    )
    # A browser that renders it anyway gets an opaque origin with scripts off, and may not guess another type.
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def document_delete_view(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    document = _document_for_user(request, document_id)
    household_id = document.household_id
    document_delete(document=document)
    messages.info(request, f"Deleted {document.filename}.")
    return redirect("taxprofiles:edit", household_id=household_id)
