"""The REST API under /api/: the product brief's six endpoints, tokens, and the OpenAPI schema and its docs."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from harvesting.api import AnalysisStartApi, RecommendationsApi
from portfolios.api import PortfolioCreateApi, PortfolioDetailApi
from taxharvest.api_auth import EmailTokenObtainView, TokenRefreshApi
from taxprofiles.api import TaxProfileDetailApi, TaxProfileSaveApi

app_name = "api"


urlpatterns = [
    path("token", EmailTokenObtainView.as_view(), name="token"),
    path("token/refresh", TokenRefreshApi.as_view(), name="token_refresh"),
    path("portfolios", PortfolioCreateApi.as_view(), name="portfolio_create"),
    path("portfolios/<int:portfolio_id>", PortfolioDetailApi.as_view(), name="portfolio_detail"),
    path("tax_profiles", TaxProfileSaveApi.as_view(), name="tax_profile_save"),
    path("tax_profiles/<str:client_id>", TaxProfileDetailApi.as_view(), name="tax_profile_detail"),
    path("tax_loss_harvesting", AnalysisStartApi.as_view(), name="analysis_start"),
    path("tax_loss_harvesting/<int:portfolio_id>", RecommendationsApi.as_view(), name="recommendations"),
    # The schema describes no one's data: anyone may read it and its docs.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (?script), not inline: the CSP allows no
    # inline script.
    path(
        "schema/swagger-ui/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=[AllowAny]),
        name="swagger_ui",
    ),
]
