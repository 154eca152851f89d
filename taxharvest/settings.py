"""Django settings for taxharvest, read from the environment.

Every deployment-specific value comes from an environment variable (see README, "Configuration").
Without any, the product runs on the embedded default: a SQLite file in the project and django-q2's
ORM broker, so one machine with no services can run the whole demo.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from taxharvest.env import (
    EnvError,
    cache_config,
    database_config,
    development_secret_key,
    env_bool,
    env_int,
    env_list,
    env_proxy_ssl_header,
    env_str,
    q_cluster_config,
)

BASE_DIR = Path(__file__).resolve().parent.parent

try:
    DEBUG = env_bool("DEBUG", False)
    SECRET_KEY = env_str("SECRET_KEY")
    if not SECRET_KEY:
        if not DEBUG:
            raise ImproperlyConfigured(
                "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
                "string (or set DEBUG=1 for local development only)."
            )
        # This checkout's own key, made on first use (git-ignored): no key lives in the repository.
        SECRET_KEY = development_secret_key(BASE_DIR / "var" / "secret_key")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
    DATABASES = {"default": database_config(os.environ, BASE_DIR / "db.sqlite3")}
    Q_CLUSTER = q_cluster_config(os.environ)
    CACHES = cache_config(os.environ)
except EnvError as exc:
    raise ImproperlyConfigured(str(exc)) from None

# Third-party service credentials. Empty means "not configured": the features that need them say so.
OPENAI_API_KEY = env_str("OPENAI_API_KEY")
OPENAI_BASE_URL = env_str("OPENAI_BASE_URL")
# The model that reads uploaded Form 1040s (structured outputs); without a key an offline parser reads them.
OPENAI_MODEL = env_str("OPENAI_MODEL", "gpt-4o-mini")
# Uploaded tax returns: outside static and media, served only through a view that checks the household.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT") or BASE_DIR / "var" / "private")
ALPACA_API_KEY = env_str("ALPACA_API_KEY")
ALPACA_SECRET_KEY = env_str("ALPACA_SECRET_KEY")
ALPACA_PAPER = env_bool("ALPACA_PAPER", True)
ALPACA_BASE_URL = env_str("ALPACA_BASE_URL")
ALPACA_DATA_URL = env_str("ALPACA_DATA_URL")
ALPACA_STREAM_URL = env_str("ALPACA_STREAM_URL")
ALPACA_DATA_FEED = env_str("ALPACA_DATA_FEED", "iex")
# Fernet keys (comma-separated, newest first) that encrypt firms' broker credentials (brokers/credentials.py).
BROKER_CREDENTIALS_KEYS = env_list("BROKER_CREDENTIALS_KEYS", [])
MARKET_DATA_PROVIDER = env_str("MARKET_DATA_PROVIDER", "replay")
# The market clock (brokers/market_clock.py): "feed" follows the feed (a replay's market time, else the newest
# price); "wall" is the wall clock (production on a live feed). MARKET_TIME pins it to an ISO timestamp.
MARKET_CLOCK = env_str("MARKET_CLOCK", "feed")
MARKET_TIME = env_str("MARKET_TIME")
if MARKET_CLOCK not in ("feed", "wall"):
    raise ImproperlyConfigured(f"MARKET_CLOCK must be 'feed' or 'wall'; got {MARKET_CLOCK!r}")
if MARKET_TIME:
    try:
        datetime.fromisoformat(MARKET_TIME)
    except ValueError:
        raise ImproperlyConfigured(f"MARKET_TIME must be an ISO timestamp; got {MARKET_TIME!r}") from None
# Monitoring: new prices rescan the households holding what moved, at most once per interval (seconds).
MONITOR_ENABLED = env_bool("MONITOR_ENABLED", True)
MONITOR_SCAN_INTERVAL = env_int("MONITOR_SCAN_INTERVAL", 60)
BROKER = env_str("BROKER", "paper")
# The paper broker fills at the latest stored price, this many basis points worse (the half-spread).
PAPER_HALF_SPREAD_BPS = env_str("PAPER_HALF_SPREAD_BPS", "5")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_simplejwt",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_q",
    "simple_history",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "portfolios",
    "taxprofiles",
    "harvesting",
    "brokers",
    "reporting",
    "taxharvest",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files straight after the HTTPS checks: no session, user or database for a stylesheet.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "brokers.market_clock.MarketClockMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "taxharvest.mfa.FirmAdminTwoFactorMiddleware",
    "reporting.client_access.ClientLoginMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "taxharvest.urls"
WSGI_APPLICATION = "taxharvest.wsgi.application"
ASGI_APPLICATION = "taxharvest.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_USER_MODEL = "portfolios.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portfolios:household_list"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: email and password; no open sign-up (firm admins create or invite advisors).
# The adapter also tells allauth the real client address (taxharvest/client_ip.py).
ACCOUNT_ADAPTER = "taxharvest.client_ip.ClientIpAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
# The proxies (addresses or CIDR networks, comma-separated) whose X-Forwarded-For is believed; from anyone else
# the client is REMOTE_ADDR. The sign-in limits and the API throttles count by this address.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

# Two-factor sign-in (allauth.mfa): an authenticator app, with recovery codes for a lost phone. Anyone may
# turn it on; firm admins must (taxharvest/mfa.py).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "taxharvest"
# Also accept the code of the 30 seconds before and after: phone clocks drift and people type slowly.
MFA_TOTP_TOLERANCE = 1
# allauth withholds two-factor from unverified emails so that whoever signs up with someone else's address
# cannot lock its owner out. Nobody signs up here (firm admins create accounts) and emails are never verified
# (ACCOUNT_EMAIL_VERIFICATION), so the check would only lock firm admins out of their forced activation.
MFA_ALLOW_UNVERIFIED_EMAIL = True

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "taxharvest <no-reply@localhost>")

# The REST API (taxharvest/api_urls.py): bearer tokens for integrations, the session for the portal's own pages.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "taxharvest.api_permissions.VersionedJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["taxharvest.api_permissions.IsFirmMember"],
    # JSON in and out; the interactive docs are Swagger UI at /api/schema/swagger-ui/.
    "DEFAULT_PARSER_CLASSES": ["taxharvest.api_parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": [
        "taxharvest.client_ip.AnonRateThrottle",
        "taxharvest.client_ip.UserRateThrottle",
        "taxharvest.client_ip.ScopedRateThrottle",
    ],
    # Counted in the cache: per process by default, shared by every process once REDIS_URL is set.
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_RATE_ANON", "60/min"),
        "user": env_str("API_RATE_USER", "1200/min"),
        "token": env_str("API_RATE_TOKEN", "10/min"),
        "analysis": env_str("API_RATE_ANALYSIS", "30/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "taxharvest.api_errors.api_exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=env_int("JWT_ACCESS_SECONDS", 15 * 60)),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=env_int("JWT_REFRESH_SECONDS", 24 * 60 * 60)),
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "taxharvest API",
    "DESCRIPTION": (
        "Portfolios, tax profiles and tax-loss harvesting analyses of your firm's households. "
        "Authenticate with a bearer token from POST /api/token. Money is a decimal string in US dollars."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "RunStatusEnum": "harvesting.models.RunStatus",
        "OpportunityStatusEnum": "harvesting.models.OpportunityStatus",
    },
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# `manage.py collectstatic` gathers them here, and WhiteNoise serves them from here with DEBUG off.
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # With DEBUG off, names carry a hash of the content (cached for ever by browsers) and the files are
    # pre-compressed; this needs collectstatic's manifest. In DEBUG, runserver serves the sources as they are.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Source maps are for the browser's developer tools only: compressing Swagger UI's (30 MB) would double the
# time collectstatic takes.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
MEDIA_ROOT = BASE_DIR / "media"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# HTTPS. Off by default so that the product runs on plain HTTP on a laptop; production turns them on (the
# environment in tests/taxharvest/test_deployment.py), and `manage.py check --deploy` names any it forgot.
try:
    # Behind a proxy that ends TLS, the header it sets to say the request came over HTTPS.
    SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
except EnvError as exc:
    raise ImproperlyConfigured(str(exc)) from None

# Content-Security-Policy (django-csp): scripts and styles only from our own files, no inline script at all.
# One exception: style *attributes* (`style-src-attr`), for the progress bars' widths, which the server
# computes; an attribute's CSS cannot run script, and images (its only way to call out) stay on img-src.
# QR codes for two-factor set-up are data: images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Where the bundled market history lives (copied from skfolio; see data/market/PROVENANCE.md).
MARKET_DATA_DIR = BASE_DIR / "data" / "market"
# Trained forecast models and their out-of-sample predictions (files); their versions are rows of
# harvesting.ModelVersion.
MODEL_DIR = Path(env_str("MODEL_DIR") or BASE_DIR / "var" / "models")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint narrates every layout step at INFO, and fontTools every subset: keep their warnings only.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
}
