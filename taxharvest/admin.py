"""Models that other packages register in the admin are the platform operator's alone.

django-q2's tasks and schedules, allauth's email addresses, the MFA authenticators and auth's groups belong
to no firm, and several hold other firms' users' data: a firm admin must not see them. Django's model
permissions would already keep a firm admin without those permissions out; this makes it a rule instead of
a consequence of nobody granting them.

``taxharvest`` is the last of INSTALLED_APPS, so the admin's autodiscovery has registered every other
package's models by the time this module is imported.
"""

from __future__ import annotations

from django.contrib import admin

from portfolios.admin import SuperuserOnlyAdmin

# The apps of this project: their model admins scope rows to the firm themselves (portfolios/admin.py).
PROJECT_APPS = frozenset({"portfolios", "taxprofiles", "harvesting", "brokers", "reporting", "taxharvest"})


def third_party_admins_restrict_to_superusers(site: admin.AdminSite) -> None:
    """Re-register every other package's model admin on ``site`` behind ``SuperuserOnlyAdmin``."""
    for model, model_admin in list(site._registry.items()):
        if model._meta.app_label in PROJECT_APPS or isinstance(model_admin, SuperuserOnlyAdmin):
            continue
        admin_class = type(model_admin)
        site.unregister(model)
        site.register(model, type(admin_class.__name__, (SuperuserOnlyAdmin, admin_class), {}))


third_party_admins_restrict_to_superusers(admin.site)
