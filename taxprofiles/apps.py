from django.apps import AppConfig


class TaxprofilesConfig(AppConfig):
    name = "taxprofiles"
