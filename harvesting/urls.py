from django.urls import path

from harvesting import views

app_name = "harvesting"

urlpatterns = [
    path("households/<int:household_id>/scan/", views.household_scan_start, name="household_scan"),
    path("scans/<int:run_id>/", views.run_detail, name="run_detail"),
]
