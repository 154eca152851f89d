"""The Django admin shows a firm admin only their own firm, and nobody else gets in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from portfolios.importers import ledger_import
from portfolios.models import Household, RealizedSale, Role, SubstantiallyIdenticalGroup, User
from tests.factories import ClientFactory, HouseholdFactory, SecurityFactory, UserFactory


def signed_in(user) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


@pytest.fixture
def outsiders(other_firm):
    household = HouseholdFactory(firm=other_firm, name="Outsider Family")
    ClientFactory(household=household, external_id="OUT-1", name="Olga Outsider")
    return household


def test_a_firm_admin_sees_only_their_firms_households(bob, smiths, outsiders):
    response = signed_in(bob).get(reverse("admin:portfolios_household_changelist"))
    assert response.status_code == 200
    assert "Smith Family" in response.text
    assert "Outsider Family" not in response.text


def test_a_firm_admin_cannot_open_another_firms_household(bob, outsiders):
    response = signed_in(bob).get(reverse("admin:portfolios_household_change", args=[outsiders.pk]))
    # The admin treats an object outside the queryset as missing and redirects to its index.
    assert response.status_code == 302
    assert "Outsider Family" not in signed_in(bob).get(response["Location"]).text


def test_a_firm_admin_sees_only_their_firms_clients_and_users(bob, jane, outsiders, mallory):
    client = signed_in(bob)
    clients_page = client.get(reverse("admin:portfolios_client_changelist")).text
    assert "Jane Smith" in clients_page
    assert "Olga Outsider" not in clients_page
    users_page = client.get(reverse("admin:portfolios_user_changelist")).text
    assert "bob@acme.example" in users_page
    assert "mallory@other.example" not in users_page


def test_a_household_created_by_a_firm_admin_belongs_to_their_firm(bob, alice, mallory, acme):
    client = signed_in(bob)
    form = client.get(reverse("admin:portfolios_household_add")).text
    assert "Alice Adams" in form
    assert "mallory@other.example" not in form
    response = client.post(
        reverse("admin:portfolios_household_add"),
        {
            "name": "Nguyen Family",
            "advisors": [alice.pk],
            "clients-TOTAL_FORMS": "0",
            "clients-INITIAL_FORMS": "0",
            "accounts-TOTAL_FORMS": "0",
            "accounts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.text
    household = Household.objects.get(name="Nguyen Family")
    assert household.firm == acme
    assert list(household.advisors.all()) == [alice]


def test_a_firm_admin_cannot_assign_another_firms_advisor(bob, mallory):
    response = signed_in(bob).post(
        reverse("admin:portfolios_household_add"),
        {
            "name": "Nguyen Family",
            "advisors": [mallory.pk],
            "clients-TOTAL_FORMS": "0",
            "clients-INITIAL_FORMS": "0",
            "accounts-TOTAL_FORMS": "0",
            "accounts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not Household.objects.filter(name="Nguyen Family").exists()


def test_a_firm_admin_creates_an_advisor_in_their_firm(bob, acme):
    response = signed_in(bob).post(
        reverse("admin:portfolios_user_add"),
        {
            "email": "dana@acme.example",
            "role": Role.ADVISOR,
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.text
    dana = User.objects.get(email="dana@acme.example")
    assert dana.firm == acme
    assert not dana.is_staff
    assert not dana.is_superuser
    assert dana.check_password("a-long-unusual-passphrase")


def test_the_ledger_is_read_only_in_the_admin(bob):
    response = signed_in(bob).get(reverse("admin:portfolios_transaction_add"))
    assert response.status_code == 403


def test_an_advisor_cannot_use_the_admin(alice):
    response = signed_in(alice).get(reverse("admin:index"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_superuser_sees_every_firm(smiths, outsiders):
    root = UserFactory(
        firm=None, email="root@platform.example", is_staff=True, is_superuser=True, authenticator_app=True
    )
    page = signed_in(root).get(reverse("admin:portfolios_household_changelist")).text
    assert "Smith Family" in page
    assert "Outsider Family" in page


def test_a_firm_admin_invites_an_advisor_who_then_sets_a_password_and_signs_in(bob, acme, mailoutbox):
    dana = UserFactory(firm=acme, email="dana@acme.example", first_name="Dana")
    dana.set_unusable_password()
    dana.save()
    response = signed_in(bob).post(
        reverse("admin:portfolios_user_changelist"),
        {"action": "send_invitation", "_selected_action": [dana.pk]},
        follow=True,
    )
    assert "Sent 1 invitation(s)." in response.text
    (mail,) = mailoutbox
    assert mail.to == ["dana@acme.example"]
    assert mail.subject == "You are invited to taxharvest by Acme Wealth"
    assert mail.body.startswith("Hello Dana,")
    link = next(
        line for line in mail.body.splitlines() if line.startswith("http://testserver/accounts/password/reset/key/")
    )

    visitor = HttpClient()
    form_page = visitor.get(link.removeprefix("http://testserver"), follow=True)
    assert form_page.status_code == 200
    visitor.post(
        form_page.redirect_chain[-1][0],
        {"password1": "a-long-unusual-passphrase", "password2": "a-long-unusual-passphrase"},
    )
    dana.refresh_from_db()
    assert dana.check_password("a-long-unusual-passphrase")
    reused = visitor.get(link.removeprefix("http://testserver"), follow=True).text
    assert "The password reset link was invalid, possibly because it has already been used." in reused


def test_a_firm_admin_adds_clients_and_accounts_inline(bob, smiths, jane):
    url = reverse("admin:portfolios_household_change", args=[smiths.pk])
    client = signed_in(bob)
    page = client.get(url).text
    assert "Jane Smith" in page
    assert 'name="accounts-TOTAL_FORMS"' in page
    response = client.post(
        url,
        {
            "name": "Smith Family",
            "advisors": [a.pk for a in smiths.advisors.all()],
            "clients-TOTAL_FORMS": "2",
            "clients-INITIAL_FORMS": "1",
            "clients-0-id": jane.pk,
            "clients-0-household": smiths.pk,
            "clients-0-external_id": "SMITH-1",
            "clients-0-name": "Jane Smith",
            "clients-1-household": smiths.pk,
            "clients-1-external_id": "SMITH-3",
            "clients-1-name": "Junior Smith",
            "accounts-TOTAL_FORMS": "1",
            "accounts-INITIAL_FORMS": "0",
            "accounts-0-household": smiths.pk,
            "accounts-0-number": "SM-ROTH",
            "accounts-0-name": "Jane's Roth",
            "accounts-0-account_type": "roth_ira",
            "accounts-0-owner": jane.pk,
            "accounts-0-broker": "paper",
            "accounts-0-relief_method": "fifo",
        },
    )
    assert response.status_code == 302, response.text
    assert sorted(smiths.clients.values_list("external_id", flat=True)) == ["SMITH-1", "SMITH-3"]
    roth = smiths.accounts.get(number="SM-ROTH")
    assert (roth.account_type, roth.owner) == ("roth_ira", jane)


def test_an_account_cannot_be_owned_by_a_client_of_another_household(bob, smiths, acme):
    stranger = ClientFactory(household=HouseholdFactory(firm=acme, name="Jones Family"), name="Tom Jones")
    response = signed_in(bob).post(
        reverse("admin:portfolios_account_add"),
        {
            "household": smiths.pk,
            "owner": stranger.pk,
            "number": "X-1",
            "account_type": "taxable",
            "broker": "paper",
            "relief_method": "fifo",
        },
    )
    assert response.status_code == 200
    assert "The owner must be a client of this household." in response.text
    assert not smiths.accounts.filter(number="X-1").exists()


def test_a_firm_admin_declares_identical_securities_and_the_ledger_follows(bob, smiths, smith_taxable, acme):
    voo = SecurityFactory(symbol="VOO", name="Vanguard S&P 500 ETF", kind="etf")
    ivv = SecurityFactory(symbol="IVV", name="iShares Core S&P 500 ETF", kind="etf")
    ledger_import(
        household=smiths,
        filename="l.csv",
        content=b"account,account_type,date,action,symbol,quantity,price,lot\n"
        b"SM-T,taxable,2025-01-02,buy,VOO,10,500,\nSM-T,taxable,2025-02-03,sell,VOO,10,450,\n"
        b"SM-T,taxable,2025-02-04,buy,IVV,10,455,\n",
        today=date(2026, 1, 1),
    )
    assert RealizedSale.objects.get().wash_sale_adjustment == Decimal("0.00")

    client = signed_in(bob)
    response = client.post(
        reverse("admin:portfolios_substantiallyidenticalgroup_add"),
        {"name": "S&P 500 funds", "securities": [voo.pk, ivv.pk]},
    )
    assert response.status_code == 302, response.text
    group = SubstantiallyIdenticalGroup.objects.get()
    assert group.firm == acme
    assert RealizedSale.objects.get().wash_sale_adjustment == Decimal("500.00")

    client.post(reverse("admin:portfolios_substantiallyidenticalgroup_delete", args=[group.pk]), {"post": "yes"})
    assert not SubstantiallyIdenticalGroup.objects.exists()
    assert RealizedSale.objects.get().wash_sale_adjustment == Decimal("0.00")


def test_a_firm_admin_chooses_the_narrower_wash_sale_reading_and_the_ledger_follows(bob, smiths, smith_taxable, acme):
    # 5 shares bought on Jun 3 and sold on Jun 5, then the older lot sold at a loss on Jun 20: the Jun 3 purchase
    # is within 30 days before the loss, so the statute (the default) washes half of it: 5 x (100 - 80) = 100.
    SecurityFactory(symbol="VOO", name="Vanguard S&P 500 ETF", kind="etf")
    ledger_import(
        household=smiths,
        filename="l.csv",
        content=b"account,account_type,date,action,symbol,quantity,price,lot\n"
        b"SM-T,taxable,2025-01-02,buy,VOO,10,100,OLD\nSM-T,taxable,2025-06-03,buy,VOO,5,82,NEW\n"
        b"SM-T,taxable,2025-06-05,sell,VOO,5,83,NEW\nSM-T,taxable,2025-06-20,sell,VOO,10,80,OLD\n",
        today=date(2026, 1, 1),
    )
    old = RealizedSale.objects.get(lot_name="OLD")
    assert (old.gain_loss, old.wash_sale_adjustment) == (Decimal("-100.00"), Decimal("100.00"))
    client = signed_in(bob)
    page = client.get(reverse("admin:portfolios_firm_change", args=[acme.pk])).text
    assert "Only purchases still held at the sale (less conservative)" in page
    response = client.post(
        reverse("admin:portfolios_firm_change", args=[acme.pk]),
        {"name": acme.name, "slug": acme.slug, "wash_sale_reading": "held_at_sale"},
        follow=True,
    )
    assert "The wash-sale reading changed: 1 household(s) rebuilt under it." in response.text
    acme.refresh_from_db()
    assert acme.wash_sale_reading == "held_at_sale"
    old = RealizedSale.objects.get(lot_name="OLD")
    assert (old.gain_loss, old.wash_sale_adjustment) == (Decimal("-200.00"), Decimal("0.00"))


def controls_with_history(firm):
    """Trading controls whose kill switch was turned on and then off again: two versions to revert to."""
    from harvesting.models import TradingControls

    controls = TradingControls.objects.create(firm=firm, kill_switch=True, max_orders_per_household_per_day=5)
    controls.kill_switch = False
    controls.save()
    return controls, controls.history.earliest("history_date")


def revert_form(controls) -> dict[str, str]:
    return {
        "kill_switch": "on",
        "max_orders_per_household_per_day": str(controls.max_orders_per_household_per_day),
        "max_notional_per_household_per_day": str(controls.max_notional_per_household_per_day),
    }


def test_a_firm_admin_cannot_see_another_firms_history(bob, other_firm):
    controls, first = controls_with_history(other_firm)
    client = signed_in(bob)
    history = reverse("admin:harvesting_tradingcontrols_history", args=[controls.pk])
    version = reverse("admin:harvesting_tradingcontrols_simple_history", args=[controls.pk, first.history_id])
    assert client.get(history).status_code == 404
    assert client.get(version).status_code == 404


def test_a_firm_admin_cannot_revert_another_firms_trading_controls(bob, other_firm, acme):
    controls, first = controls_with_history(other_firm)
    url = reverse("admin:harvesting_tradingcontrols_simple_history", args=[controls.pk, first.history_id])
    assert signed_in(bob).post(url, revert_form(first)).status_code == 404
    controls.refresh_from_db()
    assert (controls.firm, controls.kill_switch) == (other_firm, False)


def test_a_firm_admin_reverts_their_trading_controls_and_they_stay_in_their_firm(bob, acme):
    controls, first = controls_with_history(acme)
    url = reverse("admin:harvesting_tradingcontrols_simple_history", args=[controls.pk, first.history_id])
    client = signed_in(bob)
    assert client.get(url).status_code == 200
    response = client.post(url, {**revert_form(first), "firm": "999999"})
    assert response.status_code == 302, response.text
    controls.refresh_from_db()
    assert (controls.firm, controls.kill_switch) == (acme, True)


def test_a_firm_admin_sees_their_history_without_versions_from_another_firm(bob, acme, other_firm):
    controls, _ = controls_with_history(other_firm)
    controls.firm = acme  # the platform operator moved the row: its older versions were Other Co's
    controls.save()
    client = signed_in(bob)
    page = client.get(reverse("admin:harvesting_tradingcontrols_history", args=[controls.pk]))
    assert page.status_code == 200
    assert [record.firm_id for record in page.context["page_obj"].object_list] == [acme.pk]
    older = controls.history.earliest("history_date")
    url = reverse("admin:harvesting_tradingcontrols_simple_history", args=[controls.pk, older.history_id])
    assert client.get(url).status_code == 404


def test_nobody_reverts_a_read_only_row(bob, smiths, smith_taxable, securities):
    from datetime import UTC, datetime

    from harvesting.models import HarvestRun, Opportunity

    run = HarvestRun.objects.create(firm=smiths.firm, household=smiths)
    opportunity = Opportunity.objects.create(
        run=run, household=smiths, security=securities["AAPL"], account_number="SM-T", lot_name="A1", term="long",
        quantity=Decimal("1"), price=Decimal("140"), loss=Decimal("40"), tax_value=Decimal("9"), costs=Decimal("0"),
        net_benefit=Decimal("9"), rank=1, expires_at=datetime(2023, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    opportunity.rank = 2
    opportunity.save()
    first = opportunity.history.earliest("history_date")
    url = reverse("admin:harvesting_opportunity_simple_history", args=[opportunity.pk, first.history_id])
    root = UserFactory(
        firm=None, email="root@platform.example", is_staff=True, is_superuser=True, authenticator_app=True
    )
    for user in (bob, root):
        client = signed_in(user)
        assert client.get(url).status_code == 200
        assert client.post(url, {}).status_code == 403
    opportunity.refresh_from_db()
    assert opportunity.rank == 2


def test_third_party_admins_are_for_superusers_even_with_model_permissions(bob):
    from django.contrib.auth.models import Permission

    bob.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["django_q", "account", "mfa"]))
    client = signed_in(bob)
    for name in ["django_q_schedule", "django_q_success", "account_emailaddress", "mfa_authenticator", "auth_group"]:
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 403, name


def test_a_history_admin_must_list_the_firm_scope_first():
    from django.core.exceptions import ImproperlyConfigured
    from simple_history.admin import SimpleHistoryAdmin

    from portfolios.admin import FirmScopedAdmin

    with pytest.raises(ImproperlyConfigured, match="SimpleHistoryAdmin before FirmScopedAdmin"):
        type("UnscopedHistoryAdmin", (SimpleHistoryAdmin, FirmScopedAdmin), {})


def test_a_malformed_history_id_is_missing(bob, acme):
    controls, _ = controls_with_history(acme)
    url = reverse("admin:harvesting_tradingcontrols_simple_history", args=[controls.pk, "not-a-number"])
    assert signed_in(bob).get(url).status_code == 404
