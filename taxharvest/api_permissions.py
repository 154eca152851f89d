"""Who may use the API: active advisors and firm admins of a firm (and platform superusers), with a current token.

Client logins, who see only their own reports, may not; nor may anyone of no firm; nor a firm admin who has not
set up two-factor sign-in. A bearer token is good only while what it was issued for still holds: it carries the
user's ``token_version``, which a new password, role or firm, deactivation or a removed authenticator app moves
on (``portfolios.models.User.save``). Kept apart from the token views because DRF imports its default
authentication and permission classes while it is still loading its own views.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework_simplejwt.authentication import JWTAuthentication

from taxharvest.mfa import TWO_FACTOR_FIRST, has_authenticator_app, two_factor_required

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView
    from rest_framework_simplejwt.tokens import Token

CLIENTS_MAY_NOT = "The API is for advisors and firm admins; client logins can only download their reports."
TOKEN_VERSION_CLAIM = "token_version"
TOKEN_REVOKED = "This token was revoked (a new password, role or two-factor setting): get a new one from /api/token."


def token_is_current(token: Token, user: Any) -> bool:
    """Return whether ``token`` was issued under ``user``'s current ``token_version``.

    A token without the claim was issued before versions existed, under version 0 (the migration's default).
    """
    return token.get(TOKEN_VERSION_CLAIM, 0) == user.token_version


class VersionedJWTAuthentication(JWTAuthentication):
    """simplejwt's bearer tokens, refused once the user's ``token_version`` has moved on."""

    def get_user(self, validated_token: Token) -> Any:
        user = super().get_user(validated_token)
        if not token_is_current(validated_token, user):
            raise AuthenticationFailed(TOKEN_REVOKED, code="token_revoked")
        return user


class IsFirmMember(BasePermission):
    message = CLIENTS_MAY_NOT

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if getattr(user, "is_client", False):
            return False
        if two_factor_required(user) and not has_authenticator_app(user):
            # The portal's session is held back by FirmAdminTwoFactorMiddleware; a bearer token reaches here.
            raise PermissionDenied(TWO_FACTOR_FIRST)
        return bool(user.is_superuser or getattr(user, "firm_id", None) is not None)
