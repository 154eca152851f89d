"""Settings for the test suite: the production settings with a fixed key, fast hashing and static sources."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")

from taxharvest.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
Q_CLUSTER = {**Q_CLUSTER, "sync": True}  # noqa: F405
ACCOUNT_RATE_LIMITS = False
# Static files from the sources, as in DEBUG: no collectstatic (and no manifest) before a test run.
# tests/taxharvest/test_deployment.py checks the production storage on a real collectstatic.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
