from django.urls import path

from reporting import activity_views, export_views, report_views, views

app_name = "reporting"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("households/<int:household_id>/form8949-<int:year>.csv", export_views.form8949_download, name="form8949_csv"),
    path(
        "households/<int:household_id>/transactions-<int:year>.csv",
        export_views.transactions_download,
        name="transactions_csv",
    ),
    path("households/<int:household_id>/reports/", report_views.household_reports, name="household_reports"),
    path("households/<int:household_id>/reports/generate/", report_views.report_generate, name="report_generate"),
    path("households/<int:household_id>/client-logins/", report_views.client_login_invite, name="client_login_invite"),
    path("reports/<int:report_id>/download/", report_views.report_download, name="report_download"),
    path("reports/<int:report_id>/share/", report_views.report_share, name="report_share"),
    path("report-links/<int:link_id>/revoke/", report_views.link_revoke, name="link_revoke"),
    path("r/<str:token>/", report_views.shared_report, name="shared_report"),
    path("client/", report_views.client_home, name="client_home"),
    path("reports/activity/", activity_views.activity, name="activity"),
]
