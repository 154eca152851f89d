"""How an integration gets its bearer token.

A token is as strong as the portal's sign-in: whoever has an authenticator app gives its code with the
password, and a firm admin without one gets no token (taxharvest/mfa.py says why they must have one). Password and
code count against the portal's own failed-login limits (allauth's ``login_failed``, per account and per client
address): an account locked out of the portal gets no token either, and guesses made here lock the portal too.
Each token carries the user's ``token_version`` and dies when it moves on (taxharvest/api_permissions.py).
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core import ratelimit
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme, TokenRefreshSerializerExtension
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from portfolios.models import User
from taxharvest.api_permissions import (
    CLIENTS_MAY_NOT,
    TOKEN_REVOKED,
    TOKEN_VERSION_CLAIM,
    VersionedJWTAuthentication,
    token_is_current,
)
from taxharvest.api_schema import TOKEN_ERRORS, AccessToken, TokenPair
from taxharvest.mfa import TWO_FACTOR_FIRST, two_factor_required

LOCKED_OUT = "Too many failed sign-ins for this account or from this address: wait a few minutes and try again."


class EmailTokenObtainSerializer(TokenObtainPairSerializer):
    """Exchange an email, a password and (when the user has an authenticator app) its code for tokens."""

    username_field = "email"
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=16,
        help_text="The six-digit code of the user's authenticator app, when they have one.",
    )

    @classmethod
    def get_token(cls, user: Any) -> Token:
        token = super().get_token(user)
        token[TOKEN_VERSION_CLAIM] = user.token_version
        return token

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        request = _http_request(self.context["request"])
        authenticated = _authenticate(request, email=attrs["email"].strip().lower(), password=attrs["password"])
        if authenticated is None:
            raise exceptions.AuthenticationFailed("The email or the password is wrong.", code="invalid_credentials")
        if authenticated.is_client:
            raise exceptions.PermissionDenied(CLIENTS_MAY_NOT)
        totp = Authenticator.objects.filter(user=authenticated, type=Authenticator.Type.TOTP).first()
        if totp is None and two_factor_required(authenticated):
            raise exceptions.PermissionDenied(TWO_FACTOR_FIRST)
        if totp is not None:
            _check_code(request, authenticated, totp, attrs.get("code", ""))
        refresh = self.get_token(authenticated)
        self.user = authenticated
        return {"refresh": str(refresh), "access": str(refresh.access_token)}


class VersionedTokenRefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh, refused once the user's ``token_version`` has moved on (the new access token copies
    the refresh token's claims, the version among them)."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        refresh = self.token_class(attrs["refresh"])
        user = User.objects.filter(pk=refresh.get(jwt_settings.USER_ID_CLAIM)).first()
        if user is None:
            raise exceptions.AuthenticationFailed(self.error_messages["no_active_account"], code="no_active_account")
        if not token_is_current(refresh, user):
            raise exceptions.AuthenticationFailed(TOKEN_REVOKED, code="token_revoked")
        return super().validate(attrs)


class VersionedJWTScheme(SimpleJWTScheme):
    """Describe our bearer tokens in the schema as drf-spectacular describes simplejwt's (``jwtAuth``)."""

    target_class = VersionedJWTAuthentication


class VersionedTokenRefreshSerializerExtension(TokenRefreshSerializerExtension):
    target_class = VersionedTokenRefreshSerializer


def _http_request(request: Request | HttpRequest) -> HttpRequest:
    return request._request if isinstance(request, Request) else request


def _authenticate(request: HttpRequest, *, email: str, password: str) -> User | None:
    """Check a password as the portal's sign-in does: through allauth, counting a failure against its limits."""
    try:
        user = get_account_adapter(request).authenticate(request, email=email, password=password)
    except DjangoValidationError:  # allauth's "too_many_login_attempts", the only error it raises here
        raise exceptions.Throttled(detail=LOCKED_OUT) from None
    return user if isinstance(user, User) else None


def _check_code(request: HttpRequest, user: User, totp: Authenticator, code: str) -> None:
    """Check an authenticator code as the portal's second step does (allauth.mfa), under the same limit."""
    key = f"mfa-auth-user-{user.pk}"  # allauth.mfa's own key, so the portal and the API count together
    if not ratelimit.consume(request, action="login_failed", key=key):
        raise exceptions.Throttled(detail=LOCKED_OUT)
    if not TOTP(totp).validate_code(code):
        raise exceptions.AuthenticationFailed(
            "Give the current code of your authenticator app in 'code'.", code="two_factor_code"
        )
    ratelimit.clear(request, action="login_failed", key=key)


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

    serializer_class = VersionedTokenRefreshSerializer
    throttle_scope = "token"

    @extend_schema(operation_id="token_refresh", responses={200: AccessToken, **TOKEN_ERRORS})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)
