"""Another firm's admin walks every admin URL of every registered model against Acme's rows and gets nothing.

The walk is generic: it reads ``admin.site._registry`` and each model admin's URL patterns, so a model (or a
custom admin view, or an action) added later is walked too. Each Acme row of each model is requested as Eve,
a firm admin of Other Co with two-factor sign-in: the changelist, add, change, delete and history pages,
simple-history's history detail and its revert (a POST of the form a superuser would see), and every action
posted with Acme's row selected. Eve may get 403, 404 or the admin's "does not exist" redirect, or a page
that lists none of Acme's rows; and afterwards every row of every registered model (and its history) is as
it was.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db.models import Model, QuerySet
from django.http import HttpResponse
from django.test import Client as HttpClient
from django.urls import URLPattern, reverse
from django.utils import timezone
from django_q.models import OrmQ, Schedule, Task

from brokers import paper
from brokers.models import BrokerConnection
from harvesting.execution import opportunity_approve
from harvesting.models import (
    HarvestPolicy,
    ModelVersion,
    Opportunity,
    PlannedPurchase,
    ReplacementPair,
    TradingControls,
)
from harvesting.scanning import scan_start
from portfolios.admin import SuperuserWritesAdmin
from portfolios.importers import ledger_import
from portfolios.models import Role, SubstantiallyIdenticalGroup
from reporting.models import ClientReport, DownloadEvent, ReportLink
from tests.books import aapl_at_a_loss
from tests.factories import AccountFactory, FirmFactory, HouseholdFactory, SecurityFactory, UserFactory

CLOSE = datetime(2022, 12, 28, 21, 0, tzinfo=UTC)
REFUSED = {403, 404}
ROWS_PER_MODEL = 3  # the first rows of each model (prices run to dozens): enough to show the scoping


@pytest.fixture(autouse=True)
def honest_paper_broker(monkeypatch):
    monkeypatch.setattr(paper, "behaviour", paper.PaperBehaviour())


@pytest.fixture
def acme_everywhere(
    acme, alice, bob, smiths, smith_taxable, securities, django_capture_on_commit_callbacks
) -> dict[type[Model], set[Any]]:
    """Give Acme at least one row of every registered model; return each model's rows as ``{model: pks}``."""
    aapl_at_a_loss(smiths, securities)
    with django_capture_on_commit_callbacks(execute=True):
        scan_start(firm=acme, household=smiths, requested_by=alice)
    with django_capture_on_commit_callbacks(execute=True):
        opportunity_approve(opportunity=Opportunity.objects.get(security__symbol="AAPL"), user=alice)

    # A wash sale in another Acme household: a realized loss and the purchase that absorbed it.
    SecurityFactory(symbol="VOO", name="Vanguard S&P 500 ETF", kind="etf")
    joneses = HouseholdFactory(firm=acme, name="Jones Family")
    AccountFactory(household=joneses, number="JO-T")
    ledger_import(
        household=joneses,
        filename="j.csv",
        content=b"account,account_type,date,action,symbol,quantity,price,lot\n"
        b"JO-T,taxable,2022-03-01,buy,VOO,10,500,\nJO-T,taxable,2022-04-01,sell,VOO,10,450,\n"
        b"JO-T,taxable,2022-04-05,buy,VOO,10,455,\n",
        today=date(2026, 1, 1),
    )

    # Rows with simple history are saved twice, so each has an older version to show and to revert to.
    policy, _ = HarvestPolicy.objects.get_or_create(household=smiths)
    policy.min_net_benefit = Decimal("123.00")
    policy.save()
    controls, _ = TradingControls.objects.get_or_create(firm=acme)
    controls.kill_switch = True
    controls.save()
    controls.kill_switch = False
    controls.save()

    ReplacementPair.objects.create(firm=acme, security=securities["AAPL"], replacement=securities["MSFT"])
    PlannedPurchase.objects.create(
        account=smith_taxable, security=securities["MSFT"], planned_on=date(2023, 1, 15), quantity=Decimal("3"),
        kind="scheduled_deposit",
    )  # fmt: skip
    ModelVersion.objects.create(
        version="walk-1", path="walk-1.pkl", trained_from=date(2015, 1, 1), trained_to=date(2019, 1, 1),
        tested_from=date(2019, 2, 1), tested_to=date(2020, 1, 1), features=[], metrics={},
    )  # fmt: skip
    SubstantiallyIdenticalGroup.objects.create(firm=acme, name="Apple lines").securities.add(securities["AAPL"])
    BrokerConnection.objects.create(firm=acme, label="Acme live")
    report = ClientReport.objects.create(household=smiths, year=2022, requested_by=alice)
    link = ReportLink.objects.create(report=report, created_by=alice, expires_at=timezone.now() + timedelta(days=7))
    DownloadEvent.objects.create(kind="report", household=smiths, year=2022, report=report, link=link, user=alice)

    # Third-party models in the admin: Acme's users' email addresses and authenticators, the task queue.
    Group.objects.create(name="Acme operations").user_set.add(alice)
    EmailAddress.objects.create(user=alice, email=alice.email, primary=True, verified=True)
    Schedule.objects.create(name="acme nightly", func="math.floor", args="1")
    now = timezone.now()
    Task.objects.create(id="a" * 32, name="acme-ok", func="math.floor", started=now, stopped=now, success=True)
    Task.objects.create(id="b" * 32, name="acme-failed", func="math.floor", started=now, stopped=now, success=False)
    OrmQ.objects.create(key="default", payload="acme", lock=now)

    return {model: set(model._default_manager.values_list("pk", flat=True)) for model in admin.site._registry}


@pytest.fixture
def eve(acme_everywhere) -> Any:
    """Other Co's firm admin, with two-factor sign-in, created after Acme's rows were counted."""
    other_co = FirmFactory(name="Other Co", slug="other")
    return UserFactory(
        firm=other_co, email="eve@other.example", role=Role.FIRM_ADMIN, is_staff=True, authenticator_app=True
    )


@pytest.fixture
def root(acme_everywhere) -> Any:
    return UserFactory(
        firm=None, email="root@platform.example", is_staff=True, is_superuser=True, authenticator_app=True
    )


class _FormFields(HTMLParser):
    """Collect what a browser would submit from each ``<form>`` of a page, keyed by the form's id."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, list[tuple[str, str]]] = {}
        self._form: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = self.forms.setdefault(a.get("id", ""), [])
        elif self._form is None or "disabled" in a:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in {"submit", "button", "file", "image"}:
            if a.get("type") not in {"checkbox", "radio"} or "checked" in a:
                self._form.append((a["name"], a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self._form.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._form.append((self._textarea or "", ""))

    def handle_data(self, data: str) -> None:
        if self._textarea and self._form:
            name, value = self._form.pop()
            self._form.append((name, value + data))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def submitted_form(response: HttpResponse) -> dict[str, list[str]]:
    """Return the data a browser would post from the page's model form (not its sign-out form)."""
    if response.status_code != 200:
        return {}
    parser = _FormFields()
    parser.feed(response.content.decode())
    fields = next((f for form_id, f in parser.forms.items() if form_id.endswith("_form") and f), [])
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Return every row of every registered model, of its history and of its many-to-many tables."""
    models: set[type[Model]] = set()
    for model in admin.site._registry:
        models.add(model)
        if history_attribute := getattr(model._meta, "simple_history_manager_attribute", None):
            models.add(getattr(model, history_attribute).model)
        models.update(field.remote_field.through for field in model._meta.local_many_to_many)
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in sorted(models, key=lambda m: m._meta.label)
    }


def history_ids(model: type[Model], pk: Any) -> list[Any]:
    history = getattr(model, model._meta.simple_history_manager_attribute)
    return list(history.filter(**{model._meta.pk.attname: pk}).values_list("history_id", flat=True))


def listed(response: HttpResponse, key: str) -> set[Any]:
    """Return the pks a page lists under a context variable (a changelist, a deletion's queryset)."""
    value = response.context.get(key) if response.context is not None else None
    if key == "cl" and value is not None:
        value = value.queryset
    return set(value.values_list("pk", flat=True)) if isinstance(value, QuerySet) else set()


def leaked_choices(response: HttpResponse, rows: dict[type[Model], set[Any]], shared: set[type[Model]]) -> list[str]:
    """Return the form fields of a page that offer another firm's rows as choices."""
    form = response.context.get("adminform") if response.context is not None else None
    if form is None:
        return []
    leaks = []
    for name, field in form.form.fields.items():
        queryset = getattr(field, "queryset", None)
        if queryset is None or queryset.model in shared or queryset.model not in rows:
            continue
        if set(queryset.values_list("pk", flat=True)) & rows[queryset.model]:
            leaks.append(name)
    return leaks


def test_another_firms_admin_gets_nothing_of_acme_from_any_admin_url(acme_everywhere, eve, root, mailoutbox):
    rows = acme_everywhere
    missing = sorted(model._meta.label for model, pks in rows.items() if not pks)
    assert not missing, f"Give Acme a row of each registered model in acme_everywhere: {missing}"
    # Shared reference data (securities, prices): firm admins may look, and only a superuser writes.
    shared = {
        model for model, model_admin in admin.site._registry.items() if isinstance(model_admin, SuperuserWritesAdmin)
    }
    superuser, attacker = HttpClient(), HttpClient()
    superuser.force_login(root)
    attacker.force_login(eve)
    admin_index = reverse("admin:index")
    before = snapshot()
    failures: list[str] = []
    walked: dict[str, int] = {"changelist/add": 0, "object": 0, "history detail": 0, "action": 0}

    def refused(url: str, response: HttpResponse, model: type[Model], *, post: bool) -> None:
        """Fail unless Eve was refused, sent to the index as if the row did not exist, or may read shared data."""
        if response.status_code in REFUSED:
            return
        if response.status_code == 302 and response["Location"] == admin_index:
            return
        if model in shared:
            return  # readable by design; the snapshot below proves a POST wrote nothing
        failures.append(f"{'POST' if post else 'GET'} {url}: {response.status_code}")

    for model, model_admin in admin.site._registry.items():
        acme_rows = rows[model]
        walked_rows = sorted(acme_rows)[:ROWS_PER_MODEL]
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        for pattern in model_admin.urls:
            if not isinstance(pattern, URLPattern) or not pattern.name:
                continue  # the unnamed catch-all that redirects <pk>/ to <pk>/change/
            arguments = pattern.pattern.regex.groups
            if arguments == 0:
                url = reverse(f"admin:{pattern.name}")
                response = attacker.get(url)
                walked["changelist/add"] += 1
                if response.status_code == 200:
                    if model not in shared and listed(response, "cl") & acme_rows:
                        failures.append(f"GET {url} lists Acme's rows")
                    if leaks := leaked_choices(response, rows, shared):
                        failures.append(f"GET {url} offers Acme's rows in {leaks}")
                elif response.status_code not in REFUSED:
                    failures.append(f"GET {url}: {response.status_code}")
            elif arguments == 1:
                for pk in walked_rows:
                    url = reverse(f"admin:{pattern.name}", args=[pk])
                    refused(url, attacker.get(url), model, post=False)
                    data = {"post": "yes", **submitted_form(superuser.get(url))}
                    refused(url, attacker.post(url, data), model, post=True)
                    walked["object"] += 1
            elif arguments == 2 and pattern.name == f"{info}_simple_history":
                for pk in walked_rows:
                    for history_id in history_ids(model, pk):
                        url = reverse(f"admin:{pattern.name}", args=[pk, history_id])
                        refused(url, attacker.get(url), model, post=False)
                        data = submitted_form(superuser.get(url))
                        refused(url, attacker.post(url, data), model, post=True)
                        walked["history detail"] += 1
            else:
                failures.append(f"{pattern.name}: an admin URL this walk does not know how to request")

        changelist = reverse(f"admin:{info}_changelist")
        for _, name, _ in model_admin._get_base_actions():
            for pk in walked_rows:
                response = attacker.post(
                    changelist, {"action": name, "_selected_action": [pk], "index": 0, "post": "yes"}
                )
                walked["action"] += 1
                if response.status_code == 200 and listed(response, "queryset") & acme_rows:
                    failures.append(f"action {name} on {changelist} shows Acme's rows")
                elif response.status_code not in {*REFUSED, 200, 302}:
                    failures.append(f"action {name} on {changelist}: {response.status_code}")

    assert not failures, "\n".join(failures)
    after = snapshot()
    changed = [label for label in before if before[label] != after[label]]
    assert not changed, f"Eve changed rows of {changed}"
    assert not mailoutbox
    # Every kind of URL was walked (the counts also tell a reader how much the walk covers).
    assert all(walked.values()), walked


def test_a_superuser_still_reaches_every_admin_page(acme_everywhere, root):
    client = HttpClient()
    client.force_login(root)
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        assert client.get(reverse(f"{info}_changelist")).status_code == 200, info


def test_acmes_firm_admin_sees_acmes_order_history(acme_everywhere, bob):
    from harvesting.models import Order

    order = Order.objects.first()
    (history_id, *_) = history_ids(Order, order.pk)
    client = HttpClient()
    client.force_login(bob)
    assert client.get(reverse("admin:harvesting_order_history", args=[order.pk])).status_code == 200
    assert client.get(reverse("admin:harvesting_order_simple_history", args=[order.pk, history_id])).status_code == 200


def test_the_admins_view_on_site_redirect_confirms_nothing_to_a_firm_admin(bob, other_firm):
    from django.contrib.contenttypes.models import ContentType
    from django.test import Client as HttpClient

    from portfolios.models import Household
    from tests.factories import HouseholdFactory

    theirs = HouseholdFactory(firm=other_firm, name="Theirs")
    client = HttpClient()
    client.force_login(bob)
    content_type = ContentType.objects.get_for_model(Household)
    assert client.get(f"/admin/r/{content_type.pk}/{theirs.pk}/").status_code == 404
    assert client.get(f"/admin/r/{content_type.pk}/999999/").status_code == 404
