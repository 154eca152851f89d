"""Form 8949 and transactions CSV downloads of one household and tax year, for its advisors.

Every download is recorded (``reporting.audit``) before the file is sent; a file that cannot be
prepared is not recorded, because nothing left the platform.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from portfolios.models import Household
from portfolios.selectors import household_get_for_user
from reporting.audit import download_record
from reporting.exports import form8949_csv, transactions_csv
from reporting.models import TAX_YEARS, DownloadKind, household_slug
from taxharvest.errors import ApplicationError
from taxharvest.http import AuthenticatedHttpRequest


@login_required
@require_GET
def form8949_download(request: AuthenticatedHttpRequest, household_id: int, year: int) -> HttpResponse:
    return _csv_download(request, household_id, year, DownloadKind.FORM_8949, form8949_csv, "form-8949")


@login_required
@require_GET
def transactions_download(request: AuthenticatedHttpRequest, household_id: int, year: int) -> HttpResponse:
    return _csv_download(request, household_id, year, DownloadKind.TRANSACTIONS, transactions_csv, "transactions")


def _csv_download(
    request: AuthenticatedHttpRequest,
    household_id: int,
    year: int,
    kind: DownloadKind,
    render: Callable[[Household, int], str],
    name: str,
) -> HttpResponse:
    household = household_get_for_user(request.user, household_id)
    if year not in TAX_YEARS:
        raise Http404("No such tax year.")
    try:
        content = render(household, year)
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
    download_record(request, kind=kind, household=household, year=year)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{household_slug(household.name)}-{year}-{name}.csv"'
    # Client tax data: no shared cache may keep it, and the browser should not keep a copy either.
    response["Cache-Control"] = "private, no-store"
    return response
