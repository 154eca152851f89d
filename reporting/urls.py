from django.urls import path

from reporting import export_views, views

app_name = "reporting"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path(
        "households/<int:household_id>/form8949-<int:year>.csv", export_views.form8949_download, name="form8949_csv"
    ),
    path(
        "households/<int:household_id>/transactions-<int:year>.csv",
        export_views.transactions_download,
        name="transactions_csv",
    ),
]
