"""The API's tax-loss harvesting: start an analysis of a portfolio, and read its recommendations.

An analysis is a scan of the portfolio's whole household (the wash-sale rule looks across every account of
it, IRAs and spouse included), run by a django-q2 worker; its recommendations for the portfolio are the
opportunities it found in that account. The start answers at once (202) with the scan's id and the URL
that reports its progress and, once it is done, its recommendations.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brokers.market_clock import market_now
from harvesting.models import HarvestRun, ModelVersion, Opportunity, OpportunityStatus, RunStatus, Trigger
from harvesting.scanning import scan_start
from harvesting.selectors import run_get_for_user
from portfolios.api import HouseholdRef
from portfolios.models import Account, User
from portfolios.selectors import account_get_for_user
from taxharvest.api_schema import ERRORS, ERRORS_WITH_FIELDS, IDEMPOTENCY_KEY, Problem
from taxharvest.errors import ApplicationError
from taxharvest.idempotency import idempotent

ZERO = Decimal("0")
MAX_ID = 2**63 - 1


class AnalysisInput(serializers.Serializer[dict[str, Any]]):
    portfolio_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The portfolio to analyse.")


class RunOutput(serializers.Serializer[HarvestRun]):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RunStatus.choices)
    progress = serializers.IntegerField(help_text="Percent of the run's households scanned.")
    as_of = serializers.DateField(allow_null=True, help_text="The price date the scan valued lots at.")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField()


class AnalysisStartedOutput(serializers.Serializer[Any]):
    run_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RunStatus.choices)
    portfolio_id = serializers.IntegerField()
    household_id = serializers.IntegerField()
    poll_url = serializers.CharField(help_text="GET it until run.status is done (or failed).")


class ModelRecordOutput(serializers.Serializer[ModelVersion]):
    """The forecast model version that scored a recommendation, and its out-of-sample record."""

    version = serializers.CharField()
    auc = serializers.FloatField(
        source="metrics.auc", allow_null=True, help_text="Out-of-sample AUC of the chance of falling further."
    )
    brier = serializers.FloatField(source="metrics.brier", allow_null=True, help_text="Out-of-sample Brier score.")
    brier_baseline = serializers.FloatField(
        source="metrics.brier_baseline",
        allow_null=True,
        help_text="The Brier score of always forecasting the training base rate: the bar the model must beat.",
    )
    trained_from = serializers.DateField()
    trained_to = serializers.DateField()


class RecommendationOutput(serializers.Serializer[Opportunity]):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=OpportunityStatus.choices)
    action = serializers.SerializerMethodField(
        help_text="harvest (recommended now), wait (the expected tax value of waiting the wash window beats "
        "harvesting now: value_of_waiting above value_now), below minimum (under the household's minimum benefit), "
        "no replacement, blocked (a wash sale), or switch back."
    )
    rank = serializers.IntegerField(allow_null=True, help_text="1 is the best harvest of the household's scan.")
    security = serializers.CharField(source="security.symbol")
    security_name = serializers.CharField(source="security.name")
    lot = serializers.CharField(source="lot_name")
    quantity = serializers.DecimalField(max_digits=20, decimal_places=8)
    price = serializers.DecimalField(max_digits=18, decimal_places=6)
    loss = serializers.DecimalField(max_digits=None, decimal_places=2, help_text="The loss that selling realizes.")
    term = serializers.CharField()
    tax_value = serializers.DecimalField(max_digits=None, decimal_places=2, help_text="Tax saved for this client.")
    costs = serializers.DecimalField(max_digits=None, decimal_places=2)
    net_benefit = serializers.DecimalField(max_digits=None, decimal_places=2)
    model_score = serializers.FloatField(
        allow_null=True,
        help_text="The forecast's chance that the price falls 5% or more below today's close within 21 trading days "
        "(null: not scored).",
    )
    forward_volatility = serializers.FloatField(
        allow_null=True, help_text="The forecast's annualized volatility of the next 21 trading days (0.28 = 28%)."
    )
    value_now = serializers.DecimalField(
        max_digits=None,
        decimal_places=2,
        allow_null=True,
        help_text="Expected net tax value of harvesting now, the forecast weighed (null: not weighed).",
    )
    value_of_waiting = serializers.DecimalField(
        max_digits=None,
        decimal_places=2,
        allow_null=True,
        help_text="Expected net tax value of waiting the 21 trading days instead (null: not weighed).",
    )
    model = ModelRecordOutput(
        source="model_version", allow_null=True, help_text="The model version that scored it (null: not scored)."
    )
    replacement = serializers.CharField(source="replacement.symbol", allow_null=True)
    blocked_by = serializers.CharField(help_text="The purchase that would make the sale a wash sale.")
    blocked_until = serializers.DateField(allow_null=True, help_text="The first day the sale is clear of it.")
    expires_at = serializers.DateTimeField()

    def get_action(self, opportunity: Opportunity) -> str:
        return str(opportunity.explanation.get("action", ""))


class RecommendationsOutput(serializers.Serializer[Any]):
    portfolio_id = serializers.IntegerField()
    account_number = serializers.CharField()
    household = HouseholdRef()
    run = RunOutput(allow_null=True, help_text="The analysis asked for (run_id), else the household's latest.")
    complete = serializers.BooleanField(help_text="False while the analysis is queued or running: poll again.")
    total_tax_value = serializers.DecimalField(
        max_digits=None, decimal_places=2, help_text="Of the open recommendations whose action is harvest."
    )
    total_net_benefit = serializers.DecimalField(
        max_digits=None, decimal_places=2, help_text="Of the open recommendations whose action is harvest."
    )
    recommendations = RecommendationOutput(many=True)


RECOMMENDATIONS_OUTPUT = RecommendationsOutput()  # shared, as portfolios.api.PORTFOLIO_OUTPUT says why


class AnalysisStartApi(APIView):
    throttle_scope = "analysis"

    @extend_schema(
        operation_id="tax_loss_harvesting_start",
        request=AnalysisInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            202: AnalysisStartedOutput,
            404: OpenApiResponse(Problem, "portfolio_id is not a portfolio of your households."),
            **ERRORS_WITH_FIELDS,
        },
        summary="Start an analysis of a portfolio (a scan of its household); poll the URL it answers with",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = AnalysisInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        account = account_get_for_user(request.user, serializer.validated_data["portfolio_id"])
        household = account.household
        run = scan_start(firm=household.firm, household=household, trigger=Trigger.API, requested_by=request.user)
        poll_url = f"{reverse('api:recommendations', args=[account.pk])}?run_id={run.pk}"
        body = {
            "run_id": run.pk,
            "status": run.status,
            "portfolio_id": account.pk,
            "household_id": household.pk,
            "poll_url": poll_url,
        }
        return Response(
            AnalysisStartedOutput(body).data, status=status.HTTP_202_ACCEPTED, headers={"Location": poll_url}
        )


class RecommendationsApi(APIView):
    @extend_schema(
        operation_id="tax_loss_harvesting_recommendations",
        parameters=[
            OpenApiParameter(
                "run_id",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                description="An analysis started for this portfolio: its progress and what it found. Left out: "
                "the harvests awaiting a decision now.",
            )
        ],
        responses={
            200: RecommendationsOutput,
            400: OpenApiResponse(OpenApiTypes.OBJECT, "run_id is not a scan's id."),
            404: OpenApiResponse(Problem, "Not one of your portfolios, or not an analysis of it."),
            **ERRORS,
        },
        summary="The latest harvest recommendations for a portfolio",
    )
    def get(self, request: Request, portfolio_id: int) -> Response:
        account = account_get_for_user(request.user, portfolio_id)
        run_id = _run_id(request.query_params.get("run_id"))
        # The account is the user's (checked above): its opportunities need no further scoping, and a handful of
        # rows sort faster in Python than the database's ORDER BY compiles.
        mine = Opportunity.objects.filter(household_id=account.household_id, account_number=account.number)
        if run_id is None:
            run = _latest_run(account)
            found = mine.filter(status__in=AWAITING, expires_at__gte=market_now())
            order = _awaiting_order
        else:
            run = _run_of(request.user, run_id, account)
            found = mine.filter(run=run)
            order = _rank_order
        recommendations = sorted(found.select_related("security", "replacement", "model_version").order_by(), key=order)
        to_harvest = [
            o
            for o in recommendations
            if o.status == OpportunityStatus.OPEN and o.explanation.get("action") == "harvest"
        ]
        body = {
            "portfolio_id": account.pk,
            "account_number": account.number,
            "household": account.household,
            "run": run,
            "complete": run is None or run.status in (RunStatus.DONE, RunStatus.FAILED),
            "total_tax_value": sum((o.tax_value for o in to_harvest), ZERO),
            "total_net_benefit": sum((o.net_benefit for o in to_harvest), ZERO),
            "recommendations": recommendations,
        }
        return Response(RECOMMENDATIONS_OUTPUT.to_representation(body))


AWAITING = (OpportunityStatus.OPEN, OpportunityStatus.BLOCKED)


def _awaiting_order(o: Opportunity) -> tuple[object, ...]:
    """As the opportunities page: open before blocked, then the largest benefit and loss first."""
    return (o.status != OpportunityStatus.OPEN, -o.net_benefit, -o.loss, o.pk)


def _rank_order(o: Opportunity) -> tuple[object, ...]:
    """As a scan's page: by the scan's rank (unranked last), then the largest benefit and loss first."""
    return (o.rank is None, o.rank or 0, -o.net_benefit, -o.loss, o.pk)


def _run_id(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= MAX_ID:
        raise ApplicationError("run_id must be a scan's id.", extra={"run_id": ["A whole number is required."]})
    return int(raw)


def _latest_run(account: Account) -> HarvestRun | None:
    """The household's newest scan, its own or one of the whole firm's."""
    household = account.household
    return (
        HarvestRun.objects.filter(Q(household=household) | Q(household__isnull=True, firm_id=household.firm_id))
        .order_by("-created_at", "-pk")
        .first()
    )


def _run_of(user: User, run_id: int, account: Account) -> HarvestRun:
    run = run_get_for_user(user, run_id)
    if run.household_id not in (account.household_id, None) or run.firm_id != account.household.firm_id:
        raise Http404("That analysis is not one of this portfolio.")
    return run
