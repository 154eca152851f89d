from django.urls import path

from taxprofiles import views

app_name = "taxprofiles"

urlpatterns = [
    path("households/<int:household_id>/tax-profile/", views.profile_edit, name="edit"),
    path("households/<int:household_id>/tax-profile/preview/", views.profile_preview, name="preview"),
    path("households/<int:household_id>/tax-documents/", views.document_upload_view, name="document_upload"),
    path("tax-documents/<int:document_id>/", views.document_detail, name="document"),
    path("tax-documents/<int:document_id>/file/", views.document_file, name="document_file"),
    path("tax-documents/<int:document_id>/delete/", views.document_delete_view, name="document_delete"),
]
