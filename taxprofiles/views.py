"""Edit a household's tax profile, with a live preview of the client's marginal rates.

Saving rescans the household: the harvests' values (and so their ranking) depend on the whole profile.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from harvesting.scanning import scan_start
from portfolios.selectors import household_get_for_user
from taxharvest.http import AuthenticatedHttpRequest
from taxprofiles.forms import TaxProfileForm
from taxprofiles.models import ProfileSource, TaxProfile
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
        {"form": form, "household": instance.household, "tax": preview, "preview": False, "editing": True},
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
