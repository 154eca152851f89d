"""The API's tax profiles: a client's household's tax year, from the brief's simple record or in full.

The brief's record (``client_id, tax_bracket, income, capital_gains, capital_losses``) is read as
``taxprofiles.services.brief_profile_fields`` says; the profile's own fields may be given instead, or beside
it where they do not state the same figure twice. Saving rescans the household, as the portal's editor does.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brokers.market_clock import market_date, market_now
from harvesting.models import Trigger
from harvesting.scanning import scan_start
from portfolios.api import CLIENT_ID, EXACT_DIGITS, HouseholdRef
from portfolios.models import Client
from portfolios.selectors import client_get_for_user
from taxharvest.api_schema import ERRORS, ERRORS_WITH_FIELDS, FIELD_ERRORS, IDEMPOTENCY_KEY, Problem
from taxharvest.errors import ApplicationError
from taxharvest.idempotency import idempotent
from taxprofiles.forms import FIELDS as PROFILE_FIELDS
from taxprofiles.models import CITY_CHOICES, FILING_STATUS_CHOICES, STATE_CHOICES, ProfileSource, TaxProfile
from taxprofiles.rules.federal import KNOWN_YEARS
from taxprofiles.selectors import profile_for_year, tax_summary
from taxprofiles.services import BRIEF_FIELDS, BRIEF_OVERLAPS, brief_profile_fields, tax_profile_save

ZERO = Decimal("0")
YEARS = sorted(KNOWN_YEARS)


def _money(*, min_value: Decimal | None = ZERO, allow_null: bool = False, help_text: str = "") -> serializers.Field:
    return serializers.DecimalField(
        max_digits=EXACT_DIGITS,
        decimal_places=2,
        min_value=min_value,
        required=False,
        allow_null=allow_null,
        help_text=help_text,
    )


class TaxProfileInput(serializers.Serializer[dict[str, Any]]):
    client_id = serializers.CharField(**CLIENT_ID)
    tax_year = serializers.ChoiceField(
        choices=YEARS,
        required=False,
        help_text="Defaults to the market's current year (the nearest supported one when the market is in another).",
    )
    # The brief's record.
    tax_bracket = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        min_value=ZERO,
        max_value=Decimal("1"),
        required=False,
        allow_null=True,
        help_text="The client's bracket as a rate (0.32). Kept for reference: values come from the whole profile.",
    )
    income = _money(help_text="Ordinary income (read as wages).")
    capital_gains = _money(help_text="Gains realized elsewhere this year (read as long-term, net of the losses).")
    capital_losses = _money(help_text="Losses realized elsewhere this year (read as long-term).")
    # The profile's own fields.
    filing_status = serializers.ChoiceField(choices=FILING_STATUS_CHOICES, required=False)
    state = serializers.ChoiceField(choices=STATE_CHOICES, required=False, allow_blank=True)
    city = serializers.ChoiceField(
        choices=CITY_CHOICES, required=False, allow_blank=True, help_text="nyc: New York City's income tax (state NY)."
    )
    wages = _money()
    other_ordinary_income = _money()
    qualified_dividends = _money(help_text="Form 1040 line 3a: taxed at long-term rates; not in other_ordinary_income.")
    itemized_deductions = _money(allow_null=True, help_text="null for the standard deduction.")
    st_gains_realized = _money(min_value=None, help_text="Net short-term gain realized elsewhere; negative: a loss.")
    lt_gains_realized = _money(min_value=None, help_text="Net long-term gain realized elsewhere; negative: a loss.")
    st_carryforward = _money()
    lt_carryforward = _money()
    expected_st_gains = _money(min_value=None)
    expected_lt_gains = _money(min_value=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors = {
            brief: [f"Give {brief} or {' and '.join(fields)}, not both: they are the same figure."]
            for brief, fields in BRIEF_OVERLAPS.items()
            if brief in attrs and any(field in attrs for field in fields)
        }
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class LossValueOutput(serializers.Serializer[Any]):
    short_term = serializers.DecimalField(max_digits=None, decimal_places=2)
    long_term = serializers.DecimalField(max_digits=None, decimal_places=2)


class RatesOutput(serializers.Serializer[Any]):
    marginal_ordinary_rate = serializers.DecimalField(max_digits=6, decimal_places=4)
    long_term_rate = serializers.DecimalField(max_digits=6, decimal_places=4)
    state_rate = serializers.DecimalField(max_digits=6, decimal_places=4)
    niit_applies = serializers.BooleanField()


class TaxProfileOutput(serializers.Serializer[Any]):
    client_id = serializers.CharField()
    household = HouseholdRef()
    tax_year = serializers.IntegerField()
    # The brief's view of the profile.
    tax_bracket = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)
    income = serializers.DecimalField(max_digits=None, decimal_places=2)
    capital_gains = serializers.DecimalField(
        max_digits=None, decimal_places=2, help_text="The net gains realized elsewhere (short- and long-term)."
    )
    capital_losses = serializers.DecimalField(
        max_digits=None, decimal_places=2, help_text="The net losses realized elsewhere (short- and long-term)."
    )
    # The whole profile.
    filing_status = serializers.CharField()
    state = serializers.CharField()
    city = serializers.CharField()
    wages = serializers.DecimalField(max_digits=None, decimal_places=2)
    other_ordinary_income = serializers.DecimalField(max_digits=None, decimal_places=2)
    qualified_dividends = serializers.DecimalField(max_digits=None, decimal_places=2)
    itemized_deductions = serializers.DecimalField(max_digits=None, decimal_places=2, allow_null=True)
    st_gains_realized = serializers.DecimalField(max_digits=None, decimal_places=2)
    lt_gains_realized = serializers.DecimalField(max_digits=None, decimal_places=2)
    st_carryforward = serializers.DecimalField(max_digits=None, decimal_places=2)
    lt_carryforward = serializers.DecimalField(max_digits=None, decimal_places=2)
    expected_st_gains = serializers.DecimalField(max_digits=None, decimal_places=2)
    expected_lt_gains = serializers.DecimalField(max_digits=None, decimal_places=2)
    source = serializers.CharField()
    updated_at = serializers.DateTimeField()
    rates = RatesOutput()
    value_of_a_10000_loss = LossValueOutput(
        help_text="Tax saved by harvesting a $10,000 loss now (with the carryforward's value), by term."
    )


TAX_PROFILE_OUTPUT = TaxProfileOutput()  # shared, as portfolios.api.PORTFOLIO_OUTPUT says why


def profile_body(client: Client, profile: TaxProfile) -> dict[str, Any]:
    summary = tax_summary(profile)
    realized = [profile.st_gains_realized, profile.lt_gains_realized]
    values = {
        "client_id": client.external_id,
        "household": client.household,
        "tax_bracket": profile.stated_bracket,
        "income": profile.wages + profile.other_ordinary_income,
        "capital_gains": sum((gain for gain in realized if gain > 0), ZERO),
        "capital_losses": sum((-gain for gain in realized if gain < 0), ZERO),
        "rates": summary.short_term,
        "value_of_a_10000_loss": {
            "short_term": summary.short_term.harvest_value,
            "long_term": summary.long_term.harvest_value,
        },
        **{name: getattr(profile, name) for name in (*PROFILE_FIELDS, "source", "updated_at")},
    }
    return TAX_PROFILE_OUTPUT.to_representation(values)


class TaxProfileSaveApi(APIView):
    @extend_schema(
        operation_id="tax_profile_save",
        request=TaxProfileInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: OpenApiResponse(TaxProfileOutput, "The profile was updated."),
            201: OpenApiResponse(TaxProfileOutput, "The profile was created."),
            404: OpenApiResponse(Problem, "client_id is not a client of your households."),
            **ERRORS_WITH_FIELDS,
        },
        summary="Create or update a client's tax profile (the household's tax year), and rescan the household",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = TaxProfileInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        client = client_get_for_user(request.user, data.pop("client_id"))
        tax_year = int(data.pop("tax_year", _default_year()))
        brief = {name: data.pop(name) for name in BRIEF_FIELDS if name in data}
        source = ProfileSource.BRIEF if brief and not data else ProfileSource.ADVISOR
        profile, created = tax_profile_save(
            household=client.household,
            tax_year=tax_year,
            fields={**brief_profile_fields(brief), **data},
            source=source,
        )
        scan_start(
            firm=client.household.firm, household=client.household, trigger=Trigger.API, requested_by=request.user
        )
        return Response(
            profile_body(client, profile), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


def _default_year() -> int:
    """The market's year, or the supported year nearest to it (the demo's market lives in 2022)."""
    return min(max(market_date(market_now()).year, YEARS[0]), YEARS[-1])


class TaxProfileDetailApi(APIView):
    @extend_schema(
        operation_id="tax_profile_detail",
        parameters=[
            OpenApiParameter(
                "tax_year",
                OpenApiTypes.INT,
                enum=YEARS,
                description="The year wanted. Left out: the profile that values harvests now (this year's, else "
                "the nearest earlier one, else the next).",
            )
        ],
        responses={
            200: TaxProfileOutput,
            400: FIELD_ERRORS,
            404: OpenApiResponse(Problem, "No such client, or no profile."),
            **ERRORS,
        },
        summary="A client's tax profile, with the rates it implies and what a $10,000 loss is worth",
    )
    def get(self, request: Request, client_id: str) -> Response:
        client = client_get_for_user(request.user, client_id)
        raw_year = request.query_params.get("tax_year")
        if raw_year is None:
            profile = profile_for_year(client.household, market_date(market_now()).year)
        else:
            if not (raw_year.isascii() and raw_year.isdigit()) or int(raw_year) not in KNOWN_YEARS:
                message = f"Choose one of {', '.join(map(str, YEARS))}."
                raise ApplicationError(message, extra={"tax_year": [message]})
            profile = client.household.tax_profiles.filter(tax_year=int(raw_year)).first()
        if profile is None:
            raise Http404("This client's household has no tax profile for that year.")
        return Response(profile_body(client, profile))
