from django.urls import path

from taxprofiles import views

app_name = "taxprofiles"

urlpatterns = [
    path("households/<int:household_id>/tax-profile/", views.profile_edit, name="edit"),
    path("households/<int:household_id>/tax-profile/preview/", views.profile_preview, name="preview"),
]
