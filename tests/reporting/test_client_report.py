"""The client savings report: its figures in the PDF's text, its pages as images, the worker, the command line,
and who may take it (the advisors, the household's client login, a signed link until it expires).

The household and its harvest are described in tests/reporting/conftest.py. The saving, by hand: the 3,907.05
short-term loss offsets the Smiths' 10,000 of short-term gains. Federally it would have been taxed at 35% plus
the 3.8% NIIT (AGI far above 200,000): 3,907.05 x 38.8% = 1,515.94. California taxes gains as income at
its own brackets: 2022 law (the report's year) on the 2025 profile, taxable 410,000 - 5,202 = 404,798, in the 10.3%
bracket (338,639-406,364), the exemption credit phased out: 3,907.05 x 10.3% = 402.43. Together 1,918.37; nothing
carries forward.
"""

from __future__ import annotations

import io
import re
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from portfolios.importers import ledger_import
from portfolios.models import Role
from reporting.client_report import client_report_data, client_report_pdf
from reporting.models import ClientReport, DownloadEvent, ReportLink, ReportStatus
from reporting.services import LINK_SALT, client_login_create, report_link_create, report_request
from tests.factories import ClientFactory, HouseholdFactory, UserFactory
from tests.reporting.conftest import signed_in


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pypdf reads it, whitespace collapsed."""
    return " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages).split())


def generate(household, user, capture) -> ClientReport:
    with capture(execute=True):
        report = report_request(household=household, year=2022, user=user)
    report.refresh_from_db()
    return report


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def report(harvested_smiths, alice, private_media, django_capture_on_commit_callbacks) -> ClientReport:
    return generate(harvested_smiths, alice, django_capture_on_commit_callbacks)


def test_the_figures_of_a_known_harvest(harvested_smiths):
    data = client_report_data(harvested_smiths, 2022)
    assert [(h.day.isoformat(), h.symbol, h.loss, h.replacement, h.replacement_quantity) for h in data.harvests] == [
        ("2022-12-28", "AAPL", Decimal("-3907.05") * -1, "MSFT", Decimal("58.6912"))
    ]
    value = data.savings.value
    assert (value.federal_savings, value.state_savings, value.total_savings) == (
        Decimal("1515.94"),
        Decimal("402.43"),
        Decimal("1918.37"),
    )
    assert (data.savings.gains_offset, data.savings.ordinary_offset, data.savings.carryforward_created) == (
        Decimal("3907.05"),
        Decimal("0.00"),
        Decimal("0"),
    )
    c = data.comparison
    # Dec 1 (the first close): 100 AAPL at 141 + 15 MSFT at 241 = 17,715.00 for both portfolios.
    assert (c.start.isoformat(), c.harvesting.start_value, c.without.start_value) == (
        "2022-12-01",
        Decimal("17715.00"),
        Decimal("17715.00"),
    )
    # Dec 28: 73.6912 MSFT at 240 (17,685.89) and 0.02 of cash, against 100 AAPL at 141 and 15 MSFT at 240.
    assert (c.harvesting.pre_tax_value, c.without.pre_tax_value) == (Decimal("17685.91"), Decimal("17700.00"))
    assert c.after_tax_difference == Decimal("1904.28")  # 17,685.91 + 1,918.37 - 17,700.00
    # Sold on Dec 28: with the harvest, M1's 400.00 long-term gain less the replacement's 7.04 short-term loss,
    # at 15% + 3.8% + California's 10.3% and 35% + 3.8% + 10.3% on top of the harvested year: 112.95. Without
    # it, AAPL's 3,900.00 short-term loss is realized then instead, and M1's gain: a saving (a net 3,500 loss
    # against the year's short-term gains; California's 10.3% bracket is 3 points below the old 13.3% estimate,
    # 105.00 less saved than before).
    assert (c.harvesting.liquidation_tax, c.without.liquidation_tax) == (Decimal("112.95"), Decimal("-1798.50"))
    assert data.wash_events == []


def test_the_pdf_states_the_harvest_the_saving_and_its_method(report):
    assert report.status == ReportStatus.DONE
    text = pdf_text(Path(report.file.path).read_bytes())
    assert text.startswith("Acme Wealth Tax-loss harvesting report 2022 Smith Family: Jane Smith")
    for expected in (
        "Period: January 1, 2022 to December 28, 2022 (year to date)",
        "Advisor: Alice Adams",
        "LOSSES HARVESTED $3,907.05",
        "$1,918.37",
        "AAPL Apple Inc. SM-T",
        "100 $14,092.95 -$3,907.05 58.6912 MSFT for $14,092.93",
        "Short-term $0.00 -$3,907.05 -$3,907.05",
        # 2022 law (the report's year), the 2025 profile's figures: taxable 400,000 + 10,000 - 12,950 = 397,050,
        # taxed 49,335.50 up to 215,950 and 35% above: 112,720.50, plus 3.8% NIIT on 10,000 = 113,100.50.
        "$113,100.50 $111,584.56 $1,515.94",
        # California 2022: 2,918.91 to 66,295, 272,344 x 9.3% = 25,327.99, 66,159 x 10.3% = 6,814.38.
        "State income tax (California) $35,061.28 $34,658.85 $402.43",
        "(the 2025 profile's figures, the nearest year on file, under 2022 tax law)",
        "ordinary income taxed at 35% at the margin; long-term gains at 15%",
        "the 3.8% net investment income tax applies; California tax at 10.3% at the margin, by its own brackets",
        "What the state figure simplifies. The state standard deduction is used",
        "$3,907.05 of capital gains that would otherwise have been taxed, and $0.00 of ordinary income",
        "Value at the start (Dec 1, 2022) $17,715.00 $17,715.00",
        "$17,685.91 $17,700.00 -$14.09",
        "Tax saved this year $1,918.37 $0.00 $1,918.37",
        "After-tax value, holdings kept $19,604.28 $17,700.00 $1,904.28",
        "No loss was disallowed by the wash-sale rule in this period",
        "Estimates, not tax advice.",
        "Deferral, not elimination.",
    ):
        assert expected in text, expected
    assert report.summary == {
        "harvests": "1",
        "harvested_losses": "3907.05",
        "tax_saved": "1918.37",
        "valued": "yes",
        "period_end": "2022-12-28",
    }


def test_pdftotext_reads_the_same_figures(report):
    text = subprocess.run(["pdftotext", "-layout", report.file.path, "-"], capture_output=True, check=True).stdout
    text = " ".join(text.decode().split())
    assert "$1,918.37" in text
    assert "-$3,907.05" in text
    assert re.search(r"Page 1 of \d", text)


def test_every_page_renders_to_an_image(report, tmp_path):
    subprocess.run(["pdftoppm", "-r", "50", "-png", report.file.path, str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(pypdf.PdfReader(report.file.path).pages) >= 2
    for page in pages:
        image = Image.open(page).convert("L")
        assert image.size == (425, 550)  # US Letter at 50 dpi
        low, high = image.getextrema()
        assert high == 255
        assert low < 100, "a blank page"


def test_the_command_line_writes_the_same_pdf_as_the_worker(report, harvested_smiths, tmp_path):
    stored = Path(report.file.path).read_bytes()
    for name in (str(harvested_smiths.pk), "Smith Family", "smith family"):
        out = tmp_path / f"{name}.pdf"
        output = io.StringIO()
        call_command("client_report", name, "--year", "2022", "--out", str(out), stdout=output)
        assert out.read_bytes() == stored
        assert "Smith Family (Acme Wealth), 2022: 1 harvest(s), 3907.05 of losses harvested" in output.getvalue()


def test_the_command_refuses_an_unknown_or_ambiguous_household(harvested_smiths, other_firm, tmp_path):
    with pytest.raises(CommandError, match="No household 'Nobody'"):
        call_command("client_report", "Nobody", "--year", "2022", "--out", str(tmp_path / "x.pdf"))
    HouseholdFactory(firm=other_firm, name="Smith Family")
    with pytest.raises(CommandError, match="Several households are named 'Smith Family'"):
        call_command("client_report", "Smith Family", "--year", "2022", "--out", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


def test_a_report_that_fails_is_marked_failed_with_the_reason(
    harvested_smiths, alice, private_media, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(household, year):
        raise RuntimeError("no fonts")

    monkeypatch.setattr("reporting.services.client_report_pdf", broken)
    with pytest.raises(RuntimeError):
        generate(harvested_smiths, alice, django_capture_on_commit_callbacks)
    report = ClientReport.objects.get()
    assert (report.status, report.error, bool(report.file)) == ("failed", "RuntimeError: no fonts", False)


def test_the_dashboard_and_the_report_state_the_same_saving(report, alice, harvested_smiths):
    page = signed_in(alice).get(reverse("reporting:dashboard"), {"household": harvested_smiths.pk}).text
    assert 'data-testid="savings-ytd">$1,918.37<' in page
    assert 'data-testid="realized-ytd">-$3,907.05<' in page


def test_the_household_page_lists_the_report(report, alice, harvested_smiths):
    page = signed_in(alice).get(reverse("portfolios:household_detail", args=[harvested_smiths.pk])).text
    section = page.split('data-testid="reports"')[1]
    assert f'href="{reverse("reporting:report_download", args=[report.pk])}"' in section
    assert "$3,907.05" in section
    assert "$1,918.37" in section


def test_generating_from_the_household_page_queues_a_task(
    harvested_smiths, alice, private_media, django_capture_on_commit_callbacks
):
    url = reverse("reporting:report_generate", args=[harvested_smiths.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(alice).post(url, {"year": "2022"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    report = ClientReport.objects.get()
    assert (report.status, report.requested_by, report.year) == ("done", alice, 2022)
    assert signed_in(alice).post(url, {"year": "1900"}).status_code == 400


@pytest.mark.parametrize("persona", ["carol", "mallory"])
def test_outsiders_cannot_generate_list_or_download(persona, request, report, harvested_smiths):
    client = signed_in(request.getfixturevalue(persona))
    assert (
        client.post(reverse("reporting:report_generate", args=[harvested_smiths.pk]), {"year": "2022"}).status_code
        == 404
    )
    assert client.get(reverse("reporting:household_reports", args=[harvested_smiths.pk])).status_code == 404
    assert client.get(reverse("reporting:report_download", args=[report.pk])).status_code == 404
    assert client.post(reverse("reporting:report_share", args=[report.pk])).status_code == 404
    assert DownloadEvent.objects.count() == 0


def test_an_advisors_download_is_audited(report, alice):
    response = signed_in(alice).get(reverse("reporting:report_download", args=[report.pk]), REMOTE_ADDR="10.0.0.7")
    body = b"".join(response.streaming_content)
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="smith-family-2022-tax-savings-report-{report.pk}.pdf"'
    )
    assert body == Path(report.file.path).read_bytes()
    event = DownloadEvent.objects.get()
    assert (event.kind, event.report, event.user, event.link, event.ip_address, event.year) == (
        "report",
        report,
        alice,
        None,
        "10.0.0.7",
        2022,
    )


@pytest.fixture
def jane_login(report, jane):
    user = client_login_create(client=jane, email="jane@smith.example", base_url="http://testserver/")
    user.set_password("a-client-password-2022")
    user.save()
    return user


def test_a_client_login_is_invited_and_sees_only_its_households_reports(
    report, jane, acme, alice, private_media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(alice).post(
            reverse("reporting:client_login_invite", args=[report.household.pk]),
            {"client": jane.pk, "email": "Jane@Smith.example"},
        )
    assert "Jane Smith was emailed a link to set a password." in response.text
    assert mail.outbox[-1].to == ["jane@smith.example"]
    assert "/accounts/password/reset/key/" in mail.outbox[-1].body
    login = jane.login
    assert (login.role, login.client, login.firm, login.has_usable_password()) == (Role.CLIENT, jane, acme, False)

    # Another household of the firm, with its own report: invisible to Jane.
    joneses = HouseholdFactory(firm=acme, name="Jones Family")
    theirs = ClientReport.objects.create(household=joneses, year=2022, status=ReportStatus.DONE, file=report.file.name)
    client = signed_in(login)
    home = client.get(reverse("reporting:client_home")).text
    assert f'href="{reverse("reporting:report_download", args=[report.pk])}"' in home
    assert "$1,918.37" in home
    assert client.get(reverse("reporting:report_download", args=[theirs.pk])).status_code == 404
    response = client.get(reverse("reporting:report_download", args=[report.pk]))
    assert response.status_code == 200
    assert DownloadEvent.objects.get().user == login


def test_a_client_login_is_kept_out_of_the_portal(jane_login, report):
    client = signed_in(jane_login)
    for url in (
        reverse("portfolios:household_list"),
        reverse("portfolios:household_detail", args=[report.household.pk]),
        reverse("reporting:dashboard"),
        reverse("reporting:form8949_csv", args=[report.household.pk, 2022]),
        reverse("harvesting:opportunities"),
    ):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, reverse("reporting:client_home")), url
    assert client.post(reverse("reporting:report_share", args=[report.pk])).status_code == 302
    assert ReportLink.objects.count() == 0


def test_a_client_signs_in_with_the_password_and_lands_on_the_reports(jane_login, report):
    client = HttpClient()
    response = client.post(
        reverse("account_login"), {"login": "jane@smith.example", "password": "a-client-password-2022"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("reporting:client_home")
    assert "Your tax savings reports" in response.text


def test_a_client_login_with_the_same_client_twice_is_refused(jane_login, jane):
    from taxharvest.errors import ApplicationError

    with pytest.raises(ApplicationError, match="already has a login"):
        client_login_create(client=jane, email="other@smith.example", base_url="http://testserver/")


def shared_url(token: str) -> str:
    return reverse("reporting:shared_report", args=[token])


def test_a_signed_link_opens_the_report_without_sign_in_and_is_audited(report, alice):
    response = signed_in(alice).post(reverse("reporting:report_share", args=[report.pk]), {"days": "3"})
    link = ReportLink.objects.get()
    assert (link.created_by, round((link.expires_at - link.created_at) / timedelta(days=1))) == (alice, 3)
    url = re.search(r'readonly value="http://testserver(/r/[^"]+/)"', response.text).group(1)
    opened = HttpClient().get(url)
    assert opened.status_code == 200
    assert b"".join(opened.streaming_content) == Path(report.file.path).read_bytes()
    event = DownloadEvent.objects.get()
    assert (event.link, event.user, event.report) == (link, None, report)


def test_an_expired_or_revoked_link_is_gone(report, alice):
    link, token = report_link_create(report=report, user=alice, days=1)
    ReportLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = HttpClient().get(shared_url(token))
    assert response.status_code == 410
    assert "This link has expired" in response.text
    link, token = report_link_create(report=report, user=alice, days=7)
    signed_in(alice).post(reverse("reporting:link_revoke", args=[link.pk]))
    assert HttpClient().get(shared_url(token)).status_code == 410
    assert DownloadEvent.objects.count() == 0


def test_a_tampered_link_is_not_found(report, alice):
    _, token = report_link_create(report=report, user=alice, days=7)
    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B"), token + "x", "garbage", token.replace(":", ";", 1)):
        assert HttpClient().get(shared_url(forged)).status_code == 404
    assert DownloadEvent.objects.count() == 0


def test_a_link_cannot_be_pointed_at_another_households_report(report, alice, acme, django_capture_on_commit_callbacks):
    joneses = HouseholdFactory(firm=acme, name="Jones Family")
    joneses.advisors.add(alice)
    theirs = ClientReport.objects.create(household=joneses, year=2022, status=ReportStatus.DONE, file=report.file.name)
    link, _ = report_link_create(report=report, user=alice, days=7)
    # Without the site's key, a token naming another report cannot be made; with a real link's id it still fails.
    forged = signing.dumps({"link": link.pk, "report": theirs.pk}, salt="another-salt", compress=True)
    assert HttpClient().get(shared_url(forged)).status_code == 404
    mismatched = signing.dumps({"link": link.pk, "report": theirs.pk}, salt=LINK_SALT, compress=True)
    assert HttpClient().get(shared_url(mismatched)).status_code == 404


def test_only_a_generated_report_can_be_shared_for_at_most_thirty_days(report, alice, harvested_smiths):
    from taxharvest.errors import ApplicationError

    queued = ClientReport.objects.create(household=harvested_smiths, year=2021)
    with pytest.raises(ApplicationError, match="Only a generated report"):
        report_link_create(report=queued, user=alice)
    response = signed_in(alice).post(reverse("reporting:report_share", args=[report.pk]), {"days": "31"})
    assert response.status_code == 400
    assert "A link lasts between 1 and 30 days." in response.text


def test_the_report_shows_what_the_wash_sale_rule_deferred_and_what_it_took(
    smiths, smith_taxable, smith_ira, securities, december_closes, private_media
):
    """A loss on AAPL washed twice: 40 shares bought back in the taxable account within 30 days (the loss on
    them deferred into their basis) and 10 bought in the IRA (lost for good)."""
    ledger_import(
        household=smiths,
        filename="wash.csv",
        content=b"account,account_type,date,action,symbol,quantity,price,lot\n"
        b"SM-T,taxable,2022-01-03,buy,AAPL,100,180,A1\n"
        b"SM-T,taxable,2022-06-01,sell,AAPL,100,150,A1\n"
        b"SM-T,taxable,2022-06-15,buy,AAPL,40,155,A2\n"
        b"SM-IRA,traditional_ira,2022-06-20,buy,AAPL,10,152,I1\n",
        today=timezone.now().date(),
    )
    pdf, data = client_report_pdf(smiths, 2022)
    assert (data.deferred, data.lost) == (Decimal("1200.00"), Decimal("300.00"))
    text = pdf_text(pdf)
    assert "This period $1,200.00 of losses were deferred" in text
    assert "$300.00 were lost for good, because the replacement shares were bought in an IRA or Roth IRA." in text
    assert "Jun 1, 2022 AAPL SM-T AAPL on Jun 15, 2022 in SM-T 40 $1,200.00 deferred" in text
    assert "No harvests were made in this period." in text
    assert "With no harvests in the period there is no saving to estimate." in text
    # The sale's 3,000 loss less the 1,500 disallowed is what Form 8949 reports.
    assert "Short-term $0.00 -$1,500.00 -$1,500.00" in text


def test_a_household_without_a_tax_profile_gets_its_losses_but_no_estimate(harvested_smiths):
    harvested_smiths.tax_profiles.all().delete()
    pdf, data = client_report_pdf(harvested_smiths, 2022)
    text = pdf_text(pdf)
    assert data.savings.value is None
    assert "ESTIMATED TAX SAVED IN 2022 not estimated" in text
    assert "There is no tax profile for this household" in text
    assert "-$3,907.05" in text


def test_reports_of_another_firm_are_invisible_to_a_client_login_of_this_one(report, other_firm, mallory):
    outsider_household = HouseholdFactory(firm=other_firm, name="Other Family")
    person = ClientFactory(household=outsider_household, external_id="O-1", name="Otto Other")
    outsider = UserFactory(firm=other_firm, email="otto@other.example", role=Role.CLIENT, client=person)
    assert signed_in(outsider).get(reverse("reporting:report_download", args=[report.pk])).status_code == 404


def test_a_firm_admin_reads_the_download_audit_of_the_firm_only(report, alice, bob, mallory):
    signed_in(alice).get(reverse("reporting:report_download", args=[report.pk]))
    signed_in(alice).get(reverse("reporting:activity"), {"year": "2022", "format": "csv"})
    page = signed_in(bob).get(reverse("admin:reporting_downloadevent_changelist")).text
    assert "2 download events" in page
    assert signed_in(mallory).get(reverse("admin:reporting_downloadevent_changelist")).status_code in (302, 403)


def test_running_the_task_again_changes_nothing(report):
    from reporting.services import report_generate_task

    before = (report.sha256, report.finished_at)
    assert report_generate_task(report.pk) == f"report {report.pk} is done: nothing to do"
    ClientReport.objects.filter(pk=report.pk).update(status=ReportStatus.RUNNING)
    assert report_generate_task(report.pk) == f"report {report.pk} is running: nothing to do"
    report.refresh_from_db()
    assert (report.sha256, report.finished_at) == before


def test_the_page_header_shows_a_household_name_with_markup_characters_as_typed(harvested_smiths):
    harvested_smiths.name = 'O\'Brien <Trust> & "Co" </style>'
    harvested_smiths.save()
    pdf, _ = client_report_pdf(harvested_smiths, 2022)
    first_page = " ".join(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert 'O\'Brien <Trust> & "Co" </style> · 2022' in first_page
    assert "u003C" not in pdf_text(pdf)
