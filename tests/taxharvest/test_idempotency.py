"""Idempotency-Key on the API's POSTs: a retry gets the first answer; nothing is done twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from harvesting.models import HarvestRun
from portfolios.models import Account
from taxharvest import idempotency
from taxharvest.models import IdempotentRequest
from tests.api_clients import bearer

NEW = {"client_id": "SMITH-1", "holdings": []}


def post(api, body, key, path="/api/portfolios"):
    return api.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retried_post_gets_the_first_answer_and_creates_one_portfolio(alice, jane):
    api = bearer(alice)
    first = post(api, NEW, "k-1")
    again = post(api, NEW, "k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert (again["Idempotent-Replayed"], again["Location"]) == ("true", first["Location"])
    assert "Idempotent-Replayed" not in first
    assert Account.objects.count() == 1
    # Another key is another request.
    assert post(api, NEW, "k-2").json()["account_number"] == "SMITH-1-TAXABLE-2"


def test_a_key_reused_for_another_request_is_refused(alice, jane):
    api = bearer(alice)
    post(api, NEW, "k-1")
    response = post(api, {**NEW, "name": "Other"}, "k-1")
    assert response.status_code == 422
    assert response.json()["detail"].startswith("This Idempotency-Key was already used for a different request")
    assert Account.objects.count() == 1


def test_a_failed_request_is_not_remembered_so_the_corrected_one_goes_through(alice, jane):
    api = bearer(alice)
    assert post(api, {"client_id": "NOBODY"}, "k-1").status_code == 404
    assert post(api, NEW, "k-1").status_code == 201
    assert IdempotentRequest.objects.get().status_code == 201


def test_keys_belong_to_their_user_and_expire_after_a_day(alice, bob, jane):
    post(bearer(alice), NEW, "k-1")
    assert post(bearer(bob), NEW, "k-1").json()["account_number"] == "SMITH-1-TAXABLE-2"
    IdempotentRequest.objects.filter(user=alice).update(created_at=timezone.now() - timedelta(hours=25))
    assert post(bearer(alice), NEW, "k-1").json()["account_number"] == "SMITH-1-TAXABLE-3"
    assert Account.objects.count() == 3


def test_an_analysis_started_twice_with_one_key_is_one_scan(alice, smith_taxable):
    api = bearer(alice)
    body = {"portfolio_id": smith_taxable.pk}
    first = post(api, body, "scan-1", "/api/tax_loss_harvesting")
    again = post(api, body, "scan-1", "/api/tax_loss_harvesting")
    assert (first.status_code, again.status_code, again.json()) == (202, 202, first.json())
    assert HarvestRun.objects.count() == 1


def test_a_copy_that_loses_the_race_rolls_back_and_replays_the_winner(alice, jane, monkeypatch):
    api = bearer(alice)
    winner = post(api, NEW, "k-1")
    # The copy looks before the winner has committed (it finds no answer), does the work, then meets the
    # winner's row on insert: its own work is rolled back and it answers as the winner did.
    real = idempotency._stored
    calls = []

    def not_yet_committed(request, key):
        calls.append(key)
        return None if len(calls) == 1 else real(request, key)

    monkeypatch.setattr(idempotency, "_stored", not_yet_committed)
    loser = post(api, NEW, "k-1")
    assert (loser.status_code, loser.json(), loser["Idempotent-Replayed"]) == (201, winner.json(), "true")
    assert Account.objects.count() == 1


def test_a_malformed_key_is_a_400(alice, jane):
    response = post(bearer(alice), NEW, "x" * 256)
    assert (response.status_code, response.json()) == (
        400, {"detail": "Idempotency-Key must be 1 to 255 printable characters."},
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_copies_sent_at_once_create_one_portfolio_and_all_get_its_answer(alice, jane):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serializes them)")
    start = threading.Barrier(4)
    answers: list[tuple[int, dict[str, object], str]] = []

    def send() -> None:
        try:
            api = bearer(alice)
            start.wait()
            response = post(api, NEW, "k-race")
            answers.append((response.status_code, response.json(), response.get("Idempotent-Replayed", "")))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Account.objects.count() == 1
    assert {status for status, _, _ in answers} == {201}
    assert all(body == answers[0][1] for _, body, _ in answers)
    assert sorted(replayed for _, _, replayed in answers) == ["", "true", "true", "true"]


def test_a_blank_or_non_ascii_key_is_a_400(alice, jane):
    for key in ("   ", "clé"):
        assert post(bearer(alice), NEW, key.encode().decode("latin-1")).status_code == 400


def test_a_write_that_loses_a_race_is_a_409_that_saved_nothing(alice, jane, monkeypatch):
    from django.db import IntegrityError

    from portfolios import api as portfolios_api

    def raced(**kwargs):
        raise IntegrityError("UNIQUE constraint failed: portfolios_account.household_id, portfolios_account.number")

    monkeypatch.setattr(portfolios_api, "portfolio_create", raced)
    response = bearer(alice).post("/api/portfolios", NEW, format="json")
    assert response.status_code == 409
    assert response.json()["detail"].startswith("Another request changed the same data at the same moment")
    assert Account.objects.count() == 0
