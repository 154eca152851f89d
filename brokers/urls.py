from django.urls import path

from brokers import views

app_name = "brokers"

urlpatterns = [
    path("market/feed/", views.feed_status, name="feed"),
]
