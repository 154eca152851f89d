"""The API's portfolios: create a household's account with its holdings, and read it back valued.

A portfolio is an account. Its holdings come in the product brief's shape (``client_id, security_name,
quantity, cost_basis, acquisition_date``), each one an existing lot transferred in with its own basis and
date; the account belongs to that client's household, where the wash-sale rule sees it with the others.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brokers.market_clock import market_date, market_now
from portfolios.csvfields import EARLIEST_DATE, FieldError
from portfolios.holdings import account_position, household_totals
from portfolios.importers import (
    ACCOUNT_NAME_LENGTH,
    ACCOUNT_NUMBER_LENGTH,
    CLIENT_ID_LENGTH,
    LOT_NAME_LENGTH,
    Holding,
    max_length,
    portfolio_create,
    securities_by_name,
    security_named,
    transfer_price,
)
from portfolios.models import Account, AccountType, Client, Household, ReliefMethod, Security, User
from portfolios.selectors import account_get_for_user, account_lots, client_get_for_user
from taxharvest.api_schema import ERRORS, ERRORS_WITH_FIELDS, IDEMPOTENCY_KEY, Problem
from taxharvest.errors import ApplicationError
from taxharvest.idempotency import idempotent

MAX_HOLDINGS = 10_000
# Every database the product runs on stores a number of up to 15 significant digits exactly (SQLite keeps
# decimals as doubles): the API takes no figure it could not give back to the cent.
EXACT_DIGITS = 15
SMALLEST_QUANTITY = Decimal("0.00000001")
CLIENT_ID = {"max_length": CLIENT_ID_LENGTH, "help_text": "The firm's own id of the client (the brief's client_id)."}
# Text fields are as long as the columns that store them: a longer value is a 400 naming the field, not a 500.
CLIENT_NAME_LENGTH = max_length(Client, "name")
HOUSEHOLD_NAME_LENGTH = max_length(Household, "name")
SECURITY_NAME_LENGTH = max_length(Security, "name")


class HoldingInput(serializers.Serializer[dict[str, Any]]):
    client_id = serializers.CharField(required=False, **CLIENT_ID)
    security_name = serializers.CharField(
        max_length=SECURITY_NAME_LENGTH, help_text="A symbol (AAPL) or a security's name."
    )
    quantity = serializers.DecimalField(
        max_digits=EXACT_DIGITS,
        decimal_places=8,
        min_value=SMALLEST_QUANTITY,
        error_messages={"min_value": "Must be more than zero."},
    )
    cost_basis = serializers.DecimalField(
        max_digits=EXACT_DIGITS, decimal_places=2, min_value=Decimal("0"), help_text="The lot's total cost, in dollars."
    )
    acquisition_date = serializers.DateField()
    lot = serializers.CharField(
        max_length=LOT_NAME_LENGTH, required=False, allow_blank=True, help_text="Names the lot."
    )

    def validate_security_name(self, value: str) -> Security:
        # One lookup of every security for the whole request, shared by all its holdings.
        if not self.context.get("securities"):
            self.context["securities"] = securities_by_name()
        try:
            return security_named(self.context["securities"], value)
        except FieldError as error:
            raise serializers.ValidationError(str(error)) from None

    def validate_acquisition_date(self, value: date) -> date:
        if value > self.context["today"]:
            raise serializers.ValidationError(f"{value} is in the future.")
        if value < EARLIEST_DATE:
            raise serializers.ValidationError(f"{value} is before {EARLIEST_DATE}.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            transfer_price(attrs["cost_basis"], attrs["quantity"])
        except FieldError as error:
            raise serializers.ValidationError({"cost_basis": [str(error)]}) from None
        return attrs


class PortfolioInput(serializers.Serializer[dict[str, Any]]):
    client_id = serializers.CharField(
        required=False, **{**CLIENT_ID, "help_text": "The client who owns the account; defaults to the holdings'."}
    )
    account_number = serializers.CharField(
        max_length=ACCOUNT_NUMBER_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Unique in the household; chosen if left out.",
    )
    name = serializers.CharField(max_length=ACCOUNT_NAME_LENGTH, required=False, allow_blank=True)
    account_type = serializers.ChoiceField(choices=AccountType.choices, default=AccountType.TAXABLE)
    relief_method = serializers.ChoiceField(choices=ReliefMethod.choices, default=ReliefMethod.FIFO)
    client_name = serializers.CharField(
        max_length=CLIENT_NAME_LENGTH,
        required=False,
        allow_blank=True,
        help_text="For a client who is new to the firm: their name. A new household is opened for them.",
    )
    household_name = serializers.CharField(
        max_length=HOUSEHOLD_NAME_LENGTH,
        required=False,
        allow_blank=True,
        help_text="The new household's name (with client_name).",
    )
    holdings = HoldingInput(many=True, max_length=MAX_HOLDINGS, allow_empty=True, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.setdefault("holdings", [])
        named = {h["client_id"].strip().upper() for h in attrs["holdings"] if h.get("client_id", "").strip()}
        client_id = attrs.get("client_id", "").strip()
        if not client_id:
            if len(named) != 1:
                raise serializers.ValidationError(
                    {"client_id": ["Give the client who owns the portfolio (the holdings name none, or several)."]}
                )
            client_id = next(h["client_id"].strip() for h in attrs["holdings"] if h.get("client_id", "").strip())
        if named - {client_id.upper()}:
            raise serializers.ValidationError(
                {"holdings": [f"Every holding of this portfolio belongs to client {client_id}; some name another."]}
            )
        attrs["client_id"] = client_id
        return attrs


class LotOutput(serializers.Serializer[Any]):
    lot = serializers.CharField(source="lot.name")
    security = serializers.CharField(source="lot.security.symbol")
    security_name = serializers.CharField(source="lot.security.name")
    quantity = serializers.DecimalField(source="lot.quantity", max_digits=20, decimal_places=8)
    acquisition_date = serializers.DateField(source="lot.acquired_on")
    holding_period_start = serializers.DateField(source="lot.holding_period_start")
    term = serializers.SerializerMethodField()
    days_to_long_term = serializers.IntegerField()
    cost_basis = serializers.DecimalField(
        source="lot.adjusted_basis", max_digits=None, decimal_places=2, help_text="Adjusted for wash sales."
    )
    wash_sale_adjustment = serializers.DecimalField(
        source="lot.wash_sale_adjustment", max_digits=None, decimal_places=2
    )
    price = serializers.DecimalField(source="quote.price", max_digits=18, decimal_places=6, allow_null=True)
    priced_at = serializers.DateTimeField(source="quote.at", allow_null=True)
    market_value = serializers.DecimalField(max_digits=None, decimal_places=2, allow_null=True)
    unrealized_gain = serializers.DecimalField(
        source="unrealized", max_digits=None, decimal_places=2, allow_null=True, help_text="Negative for a loss."
    )

    def get_term(self, value: Any) -> str:
        return "long" if value.long_term else "short"


class HouseholdRef(serializers.Serializer[Household]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PortfolioOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="account.pk")
    account_number = serializers.CharField(source="account.number")
    name = serializers.CharField(source="account.name")
    account_type = serializers.CharField(source="account.account_type")
    relief_method = serializers.CharField(source="account.relief_method")
    client_id = serializers.CharField(source="account.owner.external_id", allow_null=True)
    household = HouseholdRef(source="account.household")
    market_value = serializers.DecimalField(max_digits=None, decimal_places=2)
    cost_basis = serializers.DecimalField(max_digits=None, decimal_places=2)
    unrealized_gain = serializers.DecimalField(source="unrealized", max_digits=None, decimal_places=2)
    priced_at = serializers.DateTimeField(allow_null=True)
    lots = LotOutput(many=True)


# One instance for every answer: a serializer deep-copies its fields when made, which would cost each request as
# much as valuing the lots. Representing data changes nothing on it, so sharing it is safe.
PORTFOLIO_OUTPUT = PortfolioOutput()


def portfolio_body(account: Account) -> dict[str, Any]:
    """Value the account's lots at the latest prices and shape the answer of both endpoints."""
    valued = account_position(account, account_lots(account), market_now())
    totals = household_totals([valued])
    return PORTFOLIO_OUTPUT.to_representation(
        {
            "account": valued.account,
            "market_value": valued.market_value,
            "cost_basis": valued.cost_basis,
            "unrealized": valued.unrealized,
            "priced_at": totals.priced_at,
            "lots": valued.lots,
        }
    )


class PortfolioCreateApi(APIView):
    @extend_schema(
        operation_id="portfolio_create",
        request=PortfolioInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: PortfolioOutput,
            404: OpenApiResponse(Problem, "client_id is not a client of your households (and no client_name)."),
            **ERRORS_WITH_FIELDS,
        },
        summary="Create a portfolio: an account of a client's household, with its holdings",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        today = market_date(market_now())
        serializer = PortfolioInput(data=request.data, context={"today": today, "securities": {}})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        owner = _owner(request.user, data)
        account = portfolio_create(
            owner=owner,
            holdings=[
                Holding(h["security_name"], h["quantity"], h["cost_basis"], h["acquisition_date"], h.get("lot", ""))
                for h in data["holdings"]
            ],
            today=today,
            account_type=data["account_type"],
            number=data.get("account_number", "").strip(),
            name=data.get("name", "").strip(),
            relief_method=data["relief_method"],
            created_by=request.user,
        )
        location = reverse("api:portfolio_detail", args=[account.pk])
        body = portfolio_body(account_get_for_user(request.user, account.pk))
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})


class PortfolioDetailApi(APIView):
    @extend_schema(
        operation_id="portfolio_detail",
        responses={200: PortfolioOutput, 404: OpenApiResponse(Problem, "Not one of your portfolios."), **ERRORS},
        summary="A portfolio with its lots, valued at the latest prices, and their unrealized gains",
    )
    def get(self, request: Request, portfolio_id: int) -> Response:
        return Response(portfolio_body(account_get_for_user(request.user, portfolio_id)))


def _owner(user: User, data: dict[str, Any]) -> Client:
    """The client the portfolio belongs to: one of the user's, or a new client in a new household."""
    client_id = data["client_id"]
    try:
        return client_get_for_user(user, client_id)
    except Http404:
        pass
    client_name = data.get("client_name", "").strip()
    if not client_name:
        raise Http404(f"No such client: {client_id!r} is not one of your households' (give client_name to add one).")
    return _new_client(user, client_id, client_name, data.get("household_name", "").strip() or client_name)


def _new_client(user: User, client_id: str, client_name: str, household_name: str) -> Client:
    if user.firm_id is None:
        raise ApplicationError("Only a member of a firm can add its clients.")
    if Client.objects.filter(household__firm_id=user.firm_id, external_id__iexact=client_id).exists():
        message = f"The client id {client_id!r} is already taken in your firm."
        raise ApplicationError(message, extra={"client_id": [message]})
    if Household.objects.filter(firm_id=user.firm_id, name__iexact=household_name).exists():
        message = f"Your firm already has a household named {household_name!r}."
        raise ApplicationError(message, extra={"household_name": [message]})
    household = Household.objects.create(firm_id=user.firm_id, name=household_name)
    if not user.is_firm_admin:
        household.advisors.add(user)
    return Client.objects.create(household=household, external_id=client_id, name=client_name)
