"""Every harvest the demo book offers at the market's close explains its federal saving exactly: the rate stated
for each slice of the loss times the slice is the slice's saving, the slices add up to the saving, and the "Why"
text shows those rates. Seeding and scanning the demo takes several seconds, so it is done once, in one test."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from harvesting.explaining import explanations_for
from harvesting.models import HarvestRun, Opportunity
from harvesting.scanning import household_scan
from portfolios.market_history import price_history_load
from portfolios.models import Household, User

pytestmark = pytest.mark.django_db
CENT = Decimal("0.01")


def test_every_demo_explanation_states_the_rates_its_federal_saving_is_made_of(recent_market_data, client):
    price_history_load(data_dir=recent_market_data)
    call_command("seed_demo")
    # No feed: the market's clock stands at the data's last close.
    for household in Household.objects.all():
        run = HarvestRun.objects.create(firm=household.firm, household=household, households_total=1)
        household_scan(run=run, household=household)
    explanations = explanations_for(list(Opportunity.objects.select_related("household")))
    assert len(explanations) >= 10  # the demo offers many harvests; each is checked

    for pk, e in explanations.items():
        assert e.offsets or e.federal_savings == 0, pk
        stated = sum(((o.stated_fraction * o.dollars).quantize(CENT) for o in e.offsets), Decimal(0))
        exact = sum((o.rate * o.dollars for o in e.offsets), Decimal(0)).quantize(CENT)
        assert stated == exact == e.federal_savings, pk
        for o in e.offsets:
            assert (o.stated_fraction * o.dollars).quantize(CENT) == o.saving, (pk, o)
            assert bool(o.crossed) == (o.rate != o.statutory_rate), (pk, o)
        # The state saving is stated as a share of the loss that, times the loss, is the saving to the cent.
        state_share = Decimal(e.state_stated_rate.rstrip("%")) / 100
        assert (state_share * e.loss).quantize(CENT) == e.state_savings, (pk, e.state_stated_rate)

    client.force_login(User.objects.get(email="maya.chen@harborview.example"))
    response = client.get(reverse("harvesting:opportunities"))
    assert response.status_code == 200, response
    page = response.content.decode()
    shown = 0
    for pk, e in explanations.items():
        marker = f'data-testid="why-{pk}">'
        if marker in page:
            why = page.split(marker)[1].split("</td>")[0]
            assert re.findall(r'data-testid="slice-rate">([^<]*)<', why) == [o.stated_rate for o in e.offsets], pk
            if e.state and e.state_savings:
                assert f"({e.state_stated_rate} of the loss, by the state's own brackets)" in why, pk
            shown += 1
    assert shown  # the advisor sees her households' harvests
