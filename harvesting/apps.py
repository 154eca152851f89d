from django.apps import AppConfig


class HarvestingConfig(AppConfig):
    name = "harvesting"

    def ready(self) -> None:
        from harvesting.monitoring import on_prices_ingested
        from portfolios.signals import prices_ingested

        prices_ingested.connect(on_prices_ingested, dispatch_uid="harvesting.monitoring")
