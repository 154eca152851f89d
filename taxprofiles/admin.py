from __future__ import annotations

from django.contrib import admin

from portfolios.admin import FirmScopedAdmin
from taxprofiles.models import TaxProfile


@admin.register(TaxProfile)
class TaxProfileAdmin(FirmScopedAdmin):
    firm_lookup = "household__firm"
    list_display = ["household", "tax_year", "filing_status", "state", "wages", "source", "updated_at"]
    list_filter = ["tax_year", "filing_status", "state", "source"]
    search_fields = ["household__name"]
    list_select_related = ["household"]
