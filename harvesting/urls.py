from django.urls import path

from harvesting import views

app_name = "harvesting"

urlpatterns = [
    path("opportunities/", views.opportunity_list, name="opportunities"),
    path("opportunities/approve/", views.opportunity_bulk_approve, name="opportunity_bulk_approve"),
    path("orders/", views.order_list, name="orders"),
    path("model/", views.model_page, name="model"),
    path("orders/<int:order_id>/retry/", views.order_act, {"action": "retry"}, name="order_retry"),
    path("orders/<int:order_id>/cancel/", views.order_act, {"action": "cancel"}, name="order_cancel"),
    path("households/<int:household_id>/scan/", views.household_scan_start, name="household_scan"),
    path("scans/<int:run_id>/", views.run_detail, name="run_detail"),
    path(
        "opportunities/<int:opportunity_id>/approve/",
        views.opportunity_decide,
        {"decision": "approve"},
        name="opportunity_approve",
    ),
    path(
        "opportunities/<int:opportunity_id>/reject/",
        views.opportunity_decide,
        {"decision": "reject"},
        name="opportunity_reject",
    ),
]
