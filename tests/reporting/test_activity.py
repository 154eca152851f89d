"""The book's harvesting activity: one row per household, the dashboard's and the report's figures, as a page
and as a CSV (audited), scoped to the advisor's households."""

from __future__ import annotations

from django.urls import reverse

from reporting.models import DownloadEvent
from tests.factories import HouseholdFactory
from tests.reporting.conftest import signed_in

ACTIVITY = reverse("reporting:activity")


def test_the_csv_lists_every_household_with_the_reports_figures(harvested_smiths, alice, acme):
    joneses = HouseholdFactory(firm=acme, name="Jones Family")
    joneses.advisors.add(alice)
    HouseholdFactory(firm=acme, name="Not Alice's")
    response = signed_in(alice).get(ACTIVITY, {"year": "2022", "format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="harvesting-activity-2022.csv"'
    assert response.text == (
        "household,year,harvests,losses_harvested,tax_saved,carryforward_created,valued,realized_net,"
        "wash_sale_deferred,wash_sale_lost,reports,report_downloads\n"
        "Jones Family,2022,0,0.00,0.00,0.00,yes,0.00,0.00,0.00,0,0\n"
        "Smith Family,2022,1,3907.05,1918.37,0.00,yes,-3907.05,0.00,0.00,0,0\n"
    )
    event = DownloadEvent.objects.get()
    assert (event.kind, event.user, event.year, event.household) == ("activity", alice, 2022, None)


def test_the_page_totals_the_book(harvested_smiths, alice):
    page = signed_in(alice).get(ACTIVITY, {"year": "2022"}).text
    assert "Harvesting activity in 2022" in page
    assert '<td>Book</td><td class="num">1</td><td class="num">$3,907.05</td><td class="num">$1,918.37</td>' in page


def test_another_year_and_another_firm_see_nothing_of_it(harvested_smiths, alice, mallory):
    assert "$3,907.05" not in signed_in(alice).get(ACTIVITY, {"year": "2021"}).text
    page = signed_in(mallory).get(ACTIVITY, {"year": "2022"}).text
    assert "Smith Family" not in page
    assert "No households." in page
