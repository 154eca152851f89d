"""Who may use the API: active advisors and firm admins of a firm (and platform superusers).

Client logins, who see only their own reports, may not; nor may anyone of no firm. Kept apart from the
token views because DRF imports its default permission while it is still loading its own views.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import BasePermission

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

CLIENTS_MAY_NOT = "The API is for advisors and firm admins; client logins can only download their reports."


class IsFirmMember(BasePermission):
    message = CLIENTS_MAY_NOT

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if getattr(user, "is_client", False):
            return False
        return bool(user.is_superuser or getattr(user, "firm_id", None) is not None)
