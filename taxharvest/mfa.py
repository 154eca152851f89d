"""Two-factor sign-in: firm admins must use an authenticator app, and the admin signs in through allauth.

Everyone may turn on two-factor authentication (allauth.mfa: an authenticator app, with recovery codes). Firm
admins must: their account reaches every household, client, account and advisor of the firm, in the portal and
in the Django admin, so a phished or reused password alone must not be enough to take the whole firm's book.
Advisors reach only the households they serve; for them it stays a choice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

API_PREFIX = "/api/"
TWO_FACTOR_FIRST = "Set up two-factor sign-in in the portal first: firm admins need it to use taxharvest."
# allauth names all its views so: sign-in, sign-out, password and email pages, re-authentication, two-factor.
ALLAUTH_URL_NAME_PREFIXES = ("account_", "mfa_")


def two_factor_required(user: Any) -> bool:
    """Return whether ``user`` may only use taxharvest once an authenticator app guards their sign-in.

    Firm admins, and anyone else who can open the Django admin (platform superusers, who see every firm).
    """
    return bool(user.is_authenticated and (getattr(user, "is_firm_admin", False) or user.is_staff))


def has_authenticator_app(user: Any) -> bool:
    """Return whether ``user`` has set up an authenticator app (recovery codes alone are no second factor)."""
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


class FirmAdminTwoFactorMiddleware:
    """Send a signed-in firm admin who has no authenticator app to set one up, whatever they asked for.

    Everything is held back (the portal, the admin, htmx fragments) except allauth's own pages: signing out,
    re-entering the password that allauth asks for before adding an authenticator, the two-factor pages
    themselves and the recovery codes shown after activation. The admin's sign-out and static files pass too.
    An htmx request gets an ``HX-Redirect`` header, so the whole page goes to the activation form rather than
    a fragment being swapped for it; an API request (with the portal's session) a 403 saying so.

    A firm admin who has an authenticator app could only have signed in by giving its code: allauth asks for
    it at every sign-in, and the admin's own login form goes through allauth (``admin_login``). So having
    one is enough here; a session flag would also force a second sign-in right after activation.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., HttpResponse], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if not two_factor_required(request.user) or _is_exempt(request):
            return None
        if has_authenticator_app(request.user):
            return None
        activate_url = reverse("mfa_activate_totp")
        if request.path.startswith(API_PREFIX):
            return JsonResponse({"detail": TWO_FACTOR_FIRST}, status=403)
        if request.headers.get("HX-Request") == "true":
            return HttpResponseClientRedirect(activate_url)
        return HttpResponseRedirect(activate_url)


def _is_exempt(request: HttpRequest) -> bool:
    if request.path.startswith(settings.STATIC_URL):
        return True
    match = request.resolver_match
    if match is None:
        return False
    return match.view_name == "admin:logout" or (match.url_name or "").startswith(ALLAUTH_URL_NAME_PREFIXES)


def admin_login(request: HttpRequest) -> HttpResponse:
    """Stand in for the Django admin's login form, which would sign people in around allauth and two-factor.

    Signed out: go to allauth's sign-in, keeping ``next``. Signed in with admin access: go on to ``next``
    (never accept a password here, not even to switch accounts). Signed in without admin access: 403, since
    sending them to sign in would bounce them straight back (allauth sends a signed-in user on to ``next``).
    """
    next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(next_url)
    if not (request.user.is_active and request.user.is_staff):
        raise PermissionDenied
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    return HttpResponseRedirect(next_url)
