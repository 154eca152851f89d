"""Explanations for a page of opportunities: one valuer per household, one valuation per harvest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from harvesting.explain import Explanation, explain
from harvesting.models import Opportunity
from taxprofiles.models import TaxProfile
from taxprofiles.services import platform_realized_gains_many, valuer_for_profile


def explanations_for(opportunities: Sequence[Opportunity]) -> dict[int, Explanation]:
    """Explain each harvest (not switch-backs) with the tax profile of the year its scan used."""
    wanted = {
        (o.household_id, o.explanation.get("tax_year"))
        for o in opportunities
        if o.explanation.get("action") != "switch back" and o.explanation.get("tax_year")
    }
    profiles = {
        (p.household_id, p.tax_year): p
        for p in TaxProfile.objects.filter(
            household_id__in={household for household, _ in wanted}, tax_year__in={year for _, year in wanted}
        )
    }
    gains = platform_realized_gains_many(set(profiles))
    valuers = {key: valuer_for_profile(profile, gains[key]) for key, profile in profiles.items() if key in wanted}
    explained: dict[int, Explanation] = {}
    for o in opportunities:
        key = (o.household_id, o.explanation.get("tax_year"))
        if key in valuers and o.explanation.get("action") != "switch back" and o.loss > 0:
            standalone = explain(valuers[key], o.loss, long_term=o.term == "long", tax_year=key[1])
            explained[o.pk] = replace(standalone, ranked_value=o.tax_value)
    return explained
