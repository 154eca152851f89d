from django.contrib import admin
from django.contrib.contenttypes.views import shortcut
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path

from taxharvest.mfa import admin_login

admin.site.site_header = "taxharvest administration"
admin.site.site_title = "taxharvest admin"
# The admin's own login form would sign staff in around allauth: no two-factor, no failed-login throttle.
admin.site.login = admin_login
handler400 = "taxharvest.api_errors.bad_request"
handler403 = "taxharvest.api_errors.permission_denied"
handler404 = "taxharvest.api_errors.not_found"
handler500 = "taxharvest.api_errors.server_error"


def admin_view_on_site(request: HttpRequest, content_type_id: int, object_id: str) -> HttpResponse:
    """The admin's "view on site" redirect, for superusers only: for anyone else it would confirm that another
    firm's row exists (it redirects to the row's page before any firm check)."""
    if not (request.user.is_authenticated and request.user.is_superuser):
        raise Http404("No such page.")
    return shortcut(request, content_type_id, object_id)


urlpatterns = [
    path("admin/r/<int:content_type_id>/<path:object_id>/", admin_view_on_site),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", include("taxharvest.api_urls")),
    path("", include("portfolios.urls")),
    path("", include("harvesting.urls")),
    path("", include("brokers.urls")),
    path("", include("reporting.urls")),
    path("", include("taxprofiles.urls")),
]
