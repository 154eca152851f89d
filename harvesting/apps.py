from django.apps import AppConfig


class HarvestingConfig(AppConfig):
    name = "harvesting"
