from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "taxharvest administration"
admin.site.site_title = "taxharvest admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("portfolios.urls")),
    path("", include("harvesting.urls")),
    path("", include("brokers.urls")),
    path("", include("reporting.urls")),
    path("", include("taxprofiles.urls")),
]
