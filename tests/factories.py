"""factory_boy factories for the tenant data. Passwords are all ``pw``."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import factory
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from portfolios.models import Account, AccountType, Client, Firm, Household, Price, Role, Security, User
from portfolios.price_store import latest_advance


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Firm {n}")
    slug = factory.Sequence(lambda n: f"firm-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    firm = factory.SubFactory(FirmFactory)
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    username = factory.SelfAttribute("email")
    role = Role.ADVISOR
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def persist(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()

    @factory.post_generation
    def authenticator_app(self, create: bool, extracted: object, **kwargs: object) -> None:
        """``UserFactory(authenticator_app=True)``: two-factor set up, as firm admins need (taxharvest/mfa.py)."""
        if create and extracted:
            TOTP.activate(self, generate_totp_secret())


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    firm = factory.SubFactory(FirmFactory)
    name = factory.Sequence(lambda n: f"Household {n}")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    household = factory.SubFactory(HouseholdFactory)
    external_id = factory.Sequence(lambda n: f"C{n:04d}")
    name = factory.Sequence(lambda n: f"Client {n}")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    household = factory.SubFactory(HouseholdFactory)
    number = factory.Sequence(lambda n: f"ACC{n:04d}")
    account_type = AccountType.TAXABLE


class SecurityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Security
        django_get_or_create = ["symbol"]

    symbol = factory.Sequence(lambda n: f"SYM{n}")
    name = factory.LazyAttribute(lambda o: f"{o.symbol} Inc.")


class PriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Price

    security = factory.SubFactory(SecurityFactory)
    timestamp = factory.Sequence(lambda n: datetime(2022, 1, 3, 21, 0, tzinfo=UTC).replace(day=1 + n % 28))
    price = Decimal("100.00")

    @classmethod
    def _create(cls, model_class: type[Price], *args: object, **kwargs: object) -> Price:
        """Store the price as the product does: with the latest-price cache moved forward."""
        price = super()._create(model_class, *args, **kwargs)
        latest_advance([(price.security_id, price.timestamp, price.price, None, price.intraday, price.simulated)])
        return price
