from django.urls import path

from portfolios import views

app_name = "portfolios"

urlpatterns = [
    path("", views.household_list, name="household_list"),
    path("households/<int:household_id>/", views.household_detail, name="household_detail"),
]
