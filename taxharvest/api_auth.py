"""How an integration gets its bearer token.

A token is as strong as the portal's sign-in: whoever has an authenticator app gives its code with the
password, and a firm admin without one gets no token (taxharvest/mfa.py says why they must have one).
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from portfolios.models import User
from taxharvest.api_permissions import CLIENTS_MAY_NOT
from taxharvest.api_schema import TOKEN_ERRORS, AccessToken, TokenPair
from taxharvest.mfa import TWO_FACTOR_FIRST, two_factor_required


class EmailTokenObtainSerializer(TokenObtainPairSerializer):
    """Exchange an email, a password and (when the user has an authenticator app) its code for tokens."""

    username_field = "email"
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=16,
        help_text="The six-digit code of the user's authenticator app, when they have one.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        email = attrs["email"].strip().lower()
        user = User.objects.filter(email__iexact=email).first()
        request = self.context.get("request")
        authenticated = (
            authenticate(request, username=user.username, password=attrs["password"]) if user is not None else None
        )
        if authenticated is None or not isinstance(authenticated, User):
            raise exceptions.AuthenticationFailed("The email or the password is wrong.", code="invalid_credentials")
        if authenticated.is_client:
            raise exceptions.PermissionDenied(CLIENTS_MAY_NOT)
        totp = Authenticator.objects.filter(user=authenticated, type=Authenticator.Type.TOTP).first()
        if totp is None and two_factor_required(authenticated):
            raise exceptions.PermissionDenied(TWO_FACTOR_FIRST)
        if totp is not None and not TOTP(totp).validate_code(attrs.get("code", "")):
            raise exceptions.AuthenticationFailed(
                "Give the current code of your authenticator app in 'code'.", code="two_factor_code"
            )
        refresh = self.get_token(authenticated)
        self.user = authenticated
        return {"refresh": str(refresh), "access": str(refresh.access_token)}


class EmailTokenObtainView(TokenObtainPairView):
    """POST an email and a password (and an authenticator code if you use one) for an access and a refresh token.

    Send the access token as ``Authorization: Bearer <token>``; it lasts 15 minutes, the refresh token a day.
    """

    serializer_class = EmailTokenObtainSerializer
    throttle_scope = "token"

    @extend_schema(operation_id="token_obtain", responses={200: TokenPair, **TOKEN_ERRORS})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class TokenRefreshApi(TokenRefreshView):
    """POST a refresh token for a new access token."""

    throttle_scope = "token"

    @extend_schema(operation_id="token_refresh", responses={200: AccessToken, **TOKEN_ERRORS})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)
