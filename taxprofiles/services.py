"""Writes to tax profiles, and the bridge from a stored profile to the pure valuer."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from portfolios.models import Household, RealizedSale, Term
from taxharvest.errors import ApplicationError
from taxprofiles.models import ProfileSource, TaxProfile
from taxprofiles.rules.federal import KNOWN_YEARS, FilingStatus
from taxprofiles.rules.federal_tax import Income
from taxprofiles.rules.harvest_value import HarvestValuer

ZERO = Decimal("0")


@transaction.atomic
def tax_profile_from_brief(
    *,
    household: Household,
    tax_year: int,
    tax_bracket: Decimal | None,
    income: Decimal,
    capital_gains: Decimal,
    capital_losses: Decimal,
) -> TaxProfile:
    """Create or replace a profile from the product brief's simple record.

    Defaults, since the record does not say: married filing jointly when the household has two
    clients, else single; no state; ``income`` is wages; gains and losses realized are long-term
    (most gains an advisor sees realized are); standard deduction; no carryforwards. The stated
    bracket is kept for reference only: values come from the whole profile.
    """
    if tax_year not in KNOWN_YEARS:
        raise ApplicationError(
            f"Tax year {tax_year} is not supported (known years: {', '.join(map(str, KNOWN_YEARS))})."
        )
    if income < ZERO or capital_gains < ZERO or capital_losses < ZERO:
        raise ApplicationError("income, capital_gains and capital_losses must not be negative.")
    if tax_bracket is not None and not (ZERO <= tax_bracket <= 1):
        raise ApplicationError("tax_bracket is a rate between 0 and 1, such as 0.32.")
    status = FilingStatus.MARRIED_JOINT if household.clients.count() >= 2 else FilingStatus.SINGLE
    profile, _ = TaxProfile.objects.update_or_create(
        household=household,
        tax_year=tax_year,
        defaults={
            "filing_status": status,
            "state": "",
            "wages": income,
            "other_ordinary_income": ZERO,
            "itemized_deductions": None,
            "st_gains_realized": ZERO,
            "lt_gains_realized": capital_gains - capital_losses,
            "st_carryforward": ZERO,
            "lt_carryforward": ZERO,
            "stated_bracket": tax_bracket,
            "source": ProfileSource.BRIEF,
        },
    )
    return profile


def platform_realized_gains(household: Household, tax_year: int) -> tuple[Decimal, Decimal]:
    """Return the (short-term, long-term) net gains the household realized on the platform in the year."""
    rows = (
        RealizedSale.objects.filter(account__household=household, sold_on__year=tax_year, reportable=True)
        .values("term")
        .annotate(total=Sum("gain_loss"))
    )
    totals = {row["term"]: row["total"] for row in rows}
    return totals.get(Term.SHORT, ZERO), totals.get(Term.LONG, ZERO)


def platform_realized_gains_many(keys: set[tuple[int, int]]) -> dict[tuple[int, int], tuple[Decimal, Decimal]]:
    """``platform_realized_gains`` for many (household id, tax year) pairs in one query."""
    if not keys:
        return {}
    rows = (
        RealizedSale.objects.filter(
            account__household_id__in={household for household, _ in keys},
            sold_on__year__in={year for _, year in keys},
            reportable=True,
        )
        .values("account__household_id", "sold_on__year", "term")
        .annotate(total=Sum("gain_loss"))
    )
    totals = {(r["account__household_id"], r["sold_on__year"], r["term"]): r["total"] for r in rows}
    return {
        (household, year): (
            totals.get((household, year, Term.SHORT), ZERO),
            totals.get((household, year, Term.LONG), ZERO),
        )
        for household, year in keys
    }


def valuer_for_profile(profile: TaxProfile, platform_gains: tuple[Decimal, Decimal] | None = None) -> HarvestValuer:
    """Build the valuer for a stored profile: gains realized elsewhere, on the platform, and expected.
    ``platform_gains`` saves the query when the caller has fetched them for many profiles at once."""
    st_platform, lt_platform = platform_gains or platform_realized_gains(profile.household, profile.tax_year)
    income = Income(
        ordinary=profile.wages + profile.other_ordinary_income,
        st_gains=profile.st_gains_realized + st_platform + profile.expected_st_gains,
        lt_gains=profile.lt_gains_realized + lt_platform + profile.expected_lt_gains,
        st_carryforward=profile.st_carryforward,
        lt_carryforward=profile.lt_carryforward,
        itemized=profile.itemized_deductions,
    )
    return HarvestValuer(profile.tax_year, profile.filing_status, profile.state, income)
