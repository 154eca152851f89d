"""The demo book: one firm, its admin, two advisors and a dozen households with real positions.

Purchases happen at real closing prices between 2019 and late 2022, weighted toward the 2021 highs,
so that on the data's last day (2022-12-28, a down year) many lots stand at a loss. Every choice
comes from a seeded generator: seeding twice yields the same book, and seeding is idempotent
(rows are found by their natural keys; an account's trades are written only once).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from portfolios.models import (
    Account,
    AccountType,
    Action,
    Client,
    Firm,
    Household,
    Price,
    Role,
    Security,
    Transaction,
    User,
)
from portfolios.services import household_rebuild_lots, user_create
from taxharvest.errors import ApplicationError

DEMO_FIRM_SLUG = "harborview"
DEMO_FIRM_NAME = "Harborview Wealth Partners"
DEMO_PASSWORD = "harvest-demo-2022"
FIRST_BUY = date(2019, 1, 2)
LAST_BUY = date(2022, 11, 30)
SEED = 2022


@dataclass(frozen=True, slots=True)
class DemoLogin:
    email: str
    role: str
    password: str


@dataclass(frozen=True, slots=True)
class DemoResult:
    firm: Firm
    logins: list[DemoLogin]
    households: int
    transactions_added: int
    lots: int


STAFF = [
    ("admin@harborview.example", "Grace", "Whitfield", Role.FIRM_ADMIN),
    ("maya.chen@harborview.example", "Maya", "Chen", Role.ADVISOR),
    ("daniel.ortiz@harborview.example", "Daniel", "Ortiz", Role.ADVISOR),
]

# (household name, clients, advisor indexes into STAFF): two clients make a married couple.
HOUSEHOLDS: list[tuple[str, list[str], list[int]]] = [
    ("Alvarez Family", ["Sofia Alvarez", "Mateo Alvarez"], [1]),
    ("Bennett Household", ["Olivia Bennett"], [1]),
    ("Chowdhury Family", ["Arif Chowdhury", "Nadia Chowdhury"], [1, 2]),
    ("Dubois Household", ["Claire Dubois"], [2]),
    ("Eriksen Family", ["Lars Eriksen", "Ingrid Eriksen"], [2]),
    ("Fitzgerald Household", ["Ronan Fitzgerald"], [1]),
    ("Goldberg Family", ["Miriam Goldberg", "Aaron Goldberg"], [1]),
    ("Hayashi Household", ["Ken Hayashi"], [2]),
    ("Iyer Family", ["Priya Iyer", "Vikram Iyer"], [2]),
    ("Johansson Household", ["Elsa Johansson"], [1]),
    ("Kowalski Family", ["Piotr Kowalski", "Anna Kowalski"], [2]),
    ("Lindqvist Household", ["Henrik Lindqvist"], [1, 2]),
]


@transaction.atomic
def demo_seed() -> DemoResult:
    """Create or complete the demo book; return its logins and what was added."""
    closes = _closes()
    if not closes:
        raise ApplicationError("No prices are loaded: run `python manage.py load_prices` first.")
    firm, _ = Firm.objects.get_or_create(slug=DEMO_FIRM_SLUG, defaults={"name": DEMO_FIRM_NAME})
    staff = [_staff_user(firm, *person) for person in STAFF]
    securities = {s.symbol: s for s in Security.objects.filter(tradable=True, symbol__in=closes)}
    symbols = sorted(securities)
    trading_days = sorted({day for by_day in closes.values() for day in by_day if FIRST_BUY <= day <= LAST_BUY})
    added = 0
    households = []
    for number, (name, people, advisor_indexes) in enumerate(HOUSEHOLDS, start=1):
        household, _ = Household.objects.get_or_create(firm=firm, name=name)
        household.advisors.add(*(staff[i] for i in advisor_indexes))
        rng = random.Random(f"{SEED}-{name}")
        accounts = _accounts(household, number, people)
        for account in accounts:
            if not account.transactions.exists():
                added += _trade(account, rng, symbols, securities, closes, trading_days)
        households.append(household)
    lots = sum(household_rebuild_lots(household=household) for household in households)
    logins = [DemoLogin(email, role.label, DEMO_PASSWORD) for email, _, _, role in STAFF]
    return DemoResult(firm=firm, logins=logins, households=len(households), transactions_added=added, lots=lots)


def _closes() -> dict[str, dict[date, Decimal]]:
    rows = Price.objects.filter(
        security__tradable=True, timestamp__date__gte=FIRST_BUY, timestamp__date__lte=LAST_BUY
    ).values_list("security__symbol", "timestamp", "price")
    closes: dict[str, dict[date, Decimal]] = {}
    for symbol, stamp, price in rows.iterator(chunk_size=5000):
        closes.setdefault(symbol, {})[stamp.date()] = price
    return closes


def _staff_user(firm: Firm, email: str, first: str, last: str, role: Role) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = user_create(firm=firm, email=email, password=DEMO_PASSWORD, role=role, first_name=first, last_name=last)
    return user


def _accounts(household: Household, number: int, people: list[str]) -> list[Account]:
    """A single client: taxable and Roth IRA. A couple: joint taxable, one own taxable, two IRAs, a Roth."""
    clients = []
    for i, person in enumerate(people, start=1):
        client, _ = Client.objects.get_or_create(
            household=household, external_id=f"HV-{number:03d}-{i}", defaults={"name": person}
        )
        clients.append(client)
    plan: list[tuple[str, str, Client | None, str]] = []
    if len(clients) == 1:
        plan += [("T", "Individual brokerage", clients[0], AccountType.TAXABLE)]
        plan += [("R", "Roth IRA", clients[0], AccountType.ROTH_IRA)]
    else:
        plan += [("J", "Joint brokerage", None, AccountType.TAXABLE)]
        plan += [("T1", f"{clients[0].name.split()[0]}'s brokerage", clients[0], AccountType.TAXABLE)]
        plan += [("I1", f"{clients[0].name.split()[0]}'s IRA", clients[0], AccountType.TRADITIONAL_IRA)]
        plan += [("I2", f"{clients[1].name.split()[0]}'s IRA", clients[1], AccountType.TRADITIONAL_IRA)]
        plan += [("R2", f"{clients[1].name.split()[0]}'s Roth IRA", clients[1], AccountType.ROTH_IRA)]
    accounts = []
    for suffix, label, owner, kind in plan:
        account, _ = Account.objects.get_or_create(
            household=household,
            number=f"HV{number:03d}{suffix}",
            defaults={"name": label, "owner": owner, "account_type": kind},
        )
        accounts.append(account)
    return accounts


def _trade(
    account: Account,
    rng: random.Random,
    symbols: list[str],
    securities: dict[str, Security],
    closes: dict[str, dict[date, Decimal]],
    trading_days: list[date],
) -> int:
    """Write a few years of purchases (and, in taxable accounts, a trim and a reinvestment)."""
    taxable = account.account_type == AccountType.TAXABLE
    buys = rng.randint(6, 10) if taxable else rng.randint(3, 5)
    # Weight toward the 2021 to mid-2022 highs so the 2022 drawdown leaves losses to harvest.
    recent = [day for day in trading_days if day >= date(2021, 1, 1)]
    rows: list[Transaction] = []
    for _ in range(buys):
        day = rng.choice(recent if rng.random() < 0.75 else trading_days)
        symbol = rng.choice(symbols)
        price = closes[symbol].get(day)
        if price is None:
            continue
        budget = Decimal(rng.randrange(8_000, 60_000, 500))
        quantity = max(Decimal(1), (budget / price).to_integral_value())
        rows.append(_txn(account, securities[symbol], Action.BUY, day, quantity, price))
    rows.sort(key=lambda t: t.trade_date)
    if taxable and rows:
        rows += _trim_and_reinvest(account, rng, rows[0], securities, closes)
    Transaction.objects.bulk_create(sorted(rows, key=lambda t: t.trade_date))
    return len(rows)


def _trim_and_reinvest(
    account: Account,
    rng: random.Random,
    first: Transaction,
    securities: dict[str, Security],
    closes: dict[str, dict[date, Decimal]],
) -> list[Transaction]:
    """Sell a quarter of the first lot some months later and reinvest a quarterly dividend on it."""
    symbol = first.security.symbol
    later = sorted(day for day in closes[symbol] if day > first.trade_date)
    if len(later) < 130:
        return []
    sell_day, dividend_day = later[rng.randint(60, 120)], later[rng.randint(20, 59)]
    dividend_shares = (first.quantity * Decimal("0.004")).quantize(Decimal("0.0001"))
    extra = []
    if dividend_shares > 0:
        extra.append(
            _txn(
                account,
                securities[symbol],
                Action.REINVEST,
                dividend_day,
                dividend_shares,
                closes[symbol][dividend_day],
            )
        )
    trim = (first.quantity / 4).to_integral_value()
    if trim > 0:
        extra.append(_txn(account, securities[symbol], Action.SELL, sell_day, trim, closes[symbol][sell_day]))
    return extra


def _txn(
    account: Account, security: Security, action: Action, day: date, quantity: Decimal, price: Decimal
) -> Transaction:
    return Transaction(
        account=account,
        security=security,
        action=action,
        trade_date=day,
        quantity=quantity,
        price=price,
        fees=Decimal("0"),
    )
