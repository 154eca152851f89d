from django.contrib import admin
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

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", include("taxharvest.api_urls")),
    path("", include("portfolios.urls")),
    path("", include("harvesting.urls")),
    path("", include("brokers.urls")),
    path("", include("reporting.urls")),
    path("", include("taxprofiles.urls")),
]
