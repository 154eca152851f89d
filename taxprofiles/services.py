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
    if income < ZERO or capital_gains < ZERO or capital_losses < ZERO:
        raise ApplicationError("income, capital_gains and capital_losses must not be negative.")
    if tax_bracket is not None and not (ZERO <= tax_bracket <= 1):
        raise ApplicationError("tax_bracket is a rate between 0 and 1, such as 0.32.")
    brief = {
        "tax_bracket": tax_bracket,
        "income": income,
        "capital_gains": capital_gains,
        "capital_losses": capital_losses,
    }
    fields: dict[str, object] = {
        "filing_status": _guessed_filing_status(household),
        "state": "",
        "city": "",
        "itemized_deductions": None,
        "st_carryforward": ZERO,
        "lt_carryforward": ZERO,
        **brief_profile_fields(brief),
    }
    return tax_profile_save(household=household, tax_year=tax_year, fields=fields, source=ProfileSource.BRIEF)[0]


def _guessed_filing_status(household: Household) -> FilingStatus:
    """Married filing jointly when the household has two clients, else single: the record does not say."""
    return FilingStatus.MARRIED_JOINT if household.clients.count() >= 2 else FilingStatus.SINGLE


BRIEF_FIELDS = ("tax_bracket", "income", "capital_gains", "capital_losses")
# What each of the brief's figures stands for in a profile: giving both is giving one figure twice.
BRIEF_OVERLAPS = {
    "income": ("wages", "other_ordinary_income"),
    "capital_gains": ("st_gains_realized", "lt_gains_realized"),
    "capital_losses": ("st_gains_realized", "lt_gains_realized"),
}


def brief_profile_fields(brief: dict[str, Decimal | None]) -> dict[str, Decimal | None]:
    """Translate the brief's record (any of ``BRIEF_FIELDS``) into profile fields, as ``tax_profile_from_brief``
    reads it: ``income`` is wages, the net of gains and losses is long-term, the bracket is kept for reference."""
    fields: dict[str, Decimal | None] = {}
    if "tax_bracket" in brief:
        fields["stated_bracket"] = brief["tax_bracket"]
    if "income" in brief:
        fields["wages"] = brief["income"]
        fields["other_ordinary_income"] = ZERO
    if "capital_gains" in brief or "capital_losses" in brief:
        fields["st_gains_realized"] = ZERO
        fields["lt_gains_realized"] = (brief.get("capital_gains") or ZERO) - (brief.get("capital_losses") or ZERO)
    return fields


@transaction.atomic
def tax_profile_save(
    *, household: Household, tax_year: int, fields: dict[str, object], source: str = ProfileSource.ADVISOR
) -> tuple[TaxProfile, bool]:
    """Create or update the household's profile for ``tax_year`` with ``fields`` (model field values); the
    fields not given keep their values (a new profile: zero, and the filing status ``tax_profile_from_brief``
    would guess). Return the profile and whether it is new. The model's own validation applies."""
    if tax_year not in KNOWN_YEARS:
        raise ApplicationError(
            f"Tax year {tax_year} is not supported (known years: {', '.join(map(str, KNOWN_YEARS))}).",
            extra={"tax_year": [f"Choose one of {', '.join(map(str, KNOWN_YEARS))}."]},
        )
    profile = TaxProfile.objects.select_for_update().filter(household=household, tax_year=tax_year).first()
    created = profile is None
    if profile is None:
        profile = TaxProfile(household=household, tax_year=tax_year, filing_status=_guessed_filing_status(household))
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.source = source
    profile.full_clean()
    profile.save()
    return profile, created


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


def law_year(year: int) -> int:
    """The tax year whose law values ``year``: itself when the product knows it, else the nearest it knows."""
    return min(KNOWN_YEARS, key=lambda known: (abs(known - year), -known))


def valuer_for_profile(
    profile: TaxProfile, platform_gains: tuple[Decimal, Decimal] | None = None, *, year: int | None = None
) -> HarvestValuer:
    """Build the valuer for a stored profile: gains realized elsewhere, on the platform, and expected.

    ``year`` is the tax year being valued (a scan's market year, a report's year; default the profile's): its
    law applies, with this profile's figures when it is the nearest profile on file for that year.
    ``platform_gains`` saves the query when the caller has fetched them for many profiles at once.
    """
    year = law_year(profile.tax_year if year is None else year)
    st_platform, lt_platform = platform_gains or platform_realized_gains(profile.household, year)
    income = Income(
        ordinary=profile.wages + profile.other_ordinary_income,
        st_gains=profile.st_gains_realized + st_platform + profile.expected_st_gains,
        lt_gains=profile.lt_gains_realized + lt_platform + profile.expected_lt_gains,
        st_carryforward=profile.st_carryforward,
        lt_carryforward=profile.lt_carryforward,
        itemized=profile.itemized_deductions,
        qualified_dividends=profile.qualified_dividends,
    )
    return HarvestValuer(year, profile.filing_status, profile.state, income, profile.city)
