import pytest
from tests.api_clients import bearer


@pytest.mark.parametrize(
    "basis,qty,n",
    [
        ("9999999999999999.99", "1", 2),
        ("9999999999999999.99", "1", 1),
        ("1", "999999999999.99999999", 1),
        ("1", "999999999999.99999999", 3),
    ],
)
def test_probe(alice, jane, securities, basis, qty, n):
    from tests.factories import PriceFactory
    from decimal import Decimal

    PriceFactory(security=securities["AAPL"], price=Decimal("150"))
    api = bearer(alice)
    h = [
        {
            "client_id": "SMITH-1",
            "security_name": "AAPL",
            "quantity": qty,
            "cost_basis": basis,
            "acquisition_date": "2021-06-01",
        }
    ] * n
    api.raise_request_exception = False
    r = api.post("/api/portfolios", {"holdings": h}, format="json")
    print(r.status_code, r.content[:300])
    if r.status_code == 201:
        r2 = api.get(r["Location"])
        print("GET", r2.status_code, r2.content[:200])
        r3 = api.post("/api/tax_loss_harvesting", {"portfolio_id": r.json()["id"]}, format="json")
        print("TLH", r3.status_code)
    assert r.status_code < 500
