"""Client logins reach their reports and their own account pages, nothing else of the portal.

Every portal view already scopes its data to the user (a client sees no household there), but a client
has no business on those pages at all: this middleware sends them to their reports instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

CLIENT_VIEWS = {"reporting:client_home", "reporting:report_download", "reporting:shared_report"}
# allauth's own pages: sign out, change password, set it from the invitation link.
ACCOUNT_URL_PREFIXES = ("account_",)


class ClientLoginMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        user = request.user
        if not (user.is_authenticated and getattr(user, "is_client", False)):
            return None
        # The API answers a client login itself, with a 403 its callers can read (taxharvest/api_permissions.py).
        if request.path.startswith((settings.STATIC_URL, "/api/")):
            return None
        match = request.resolver_match
        if match is not None and (
            match.view_name in CLIENT_VIEWS or (match.url_name or "").startswith(ACCOUNT_URL_PREFIXES)
        ):
            return None
        return HttpResponseRedirect(reverse("reporting:client_home"))
