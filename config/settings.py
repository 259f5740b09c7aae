"""Forcerank settings: one module, every deployment choice read from the environment.

The defaults are the embedded setup (`make run`): SQLite next to the code, Celery tasks run
inline, e-mail printed to the console. The README lists every variable.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.sso import socialaccount_providers

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    normalized = value.strip().lower()
    if normalized in {"1", "true", "yes", "on"}:
        return True
    if normalized in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development only: a fixed key keeps sessions across `make run` restarts.
    SECRET_KEY = "django-insecure-forcerank-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Forcerank's own apps, lowest layer first: each imports only the ones above it here
    # (an import-linter contract in pyproject.toml checks it).
    "config",
    "events",
    "accounts",
    "budgets",
    "people",
    "feature_requests",
    "commitments",
    "reviews",
    # Integrations: on top of the domain, side by side (none imports another).
    "api",
    "webhooks",
    "slack_app",
    "crm",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before every middleware that may touch the database: an outage answers 503, not 500.
    "config.outage.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Innermost, so that their 400 and 405 answers still get the headers above.
    "config.middleware.PrivateCacheMiddleware",
    "config.middleware.HtmxVaryMiddleware",
    "config.middleware.AllowedMethodsMiddleware",
    # Before anything reads the body: an oversized one is refused unread (413).
    "config.middleware.RequestBodyLimitMiddleware",
    "config.middleware.UnusableInputMiddleware",
    # Last, as django-axes asks: it answers a locked-out sign-in with the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Bounded request bodies (config/uploads.py): the largest body taken, the largest file in
# it (a CRM CSV), the form fields besides files. Files are kept in memory, never spooled.
MAX_REQUEST_BYTES = int(os.environ.get("MAX_REQUEST_BYTES", str(3 * 1024 * 1024)))
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES
FILE_UPLOAD_HANDLERS = [
    "config.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a sign-in while its account or address is locked out (django-axes).
    "axes.backends.AxesStandaloneBackend",
    # Then: refuses a password for an address of an SSO-only e-mail domain (the people app).
    "people.backends.SsoOnlyDomainBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Company single sign-on (django-allauth's OpenID Connect and SAML; the people app).
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Argon2 first, as Django recommends; the others still read older hashes (and upgrade them
# at the next sign-in).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Logins that resist guessing (django-axes, accounts/lockout.py): after AXES_FAILURE_LIMIT
# wrong passwords for one account, or AXES_ADDRESS_FAILURE_LIMIT from one address, sign-in is
# refused for the cool-off, the right password included; the page never says whether the
# account exists.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_ADDRESS_FAILURE_LIMIT = int(os.environ.get("AXES_ADDRESS_FAILURE_LIMIT", "50"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # in this order: accounts.lockout
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
# Tries during a lock do not lengthen it: it ends AXES_COOLOFF_TIME after it began.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False  # accounts logs each lockout itself, in one line
# Behind a proxy, the client's address is the proxy's; set AXES_IPWARE_META_PRECEDENCE_ORDER
# (e.g. HTTP_X_FORWARDED_FOR) when one is in front, or every client shares one address.
AXES_IPWARE_META_PRECEDENCE_ORDER = [
    name for name in os.environ.get("AXES_IP_HEADERS", "REMOTE_ADDR").split(",") if name
]

# django-allauth serves single sign-on only (the people app); password sign-in, sign-up and
# reset stay Django's own pages. Its accounts are keyed by e-mail, as Forcerank's users are.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_EMAIL_NOTIFICATIONS = False
ACCOUNT_ADAPTER = "people.sso_adapter.AccountAdapter"

# Company sign-in (single sign-on): identity providers from the environment (config/sso.py,
# README "Company sign-in (SSO)"). The people app decides who may sign in and with which
# role (its adapter); allauth runs the protocol: state and PKCE for OpenID Connect, signed
# assertions for SAML. Only its SSO views are mounted, under /sso/.
SOCIALACCOUNT_PROVIDERS = socialaccount_providers(
    os.environ.get("SSO_OIDC_PROVIDERS", ""), os.environ.get("SSO_SAML_PROVIDERS", "")
)
SOCIALACCOUNT_ADAPTER = "people.sso_adapter.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False  # a sign-in starts with a POST (CSRF), never a link
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # the people app links existing people itself
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files in production; plain files while developing and testing
        # so that no collectstatic step is needed before `make run` or `make test`.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or env_bool("PLAIN_STATIC_FILES", False)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# E-mail: printed to the console unless an SMTP host is configured.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 10
# Where people reach Forcerank: links in e-mails start with it.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Forcerank <forcerank@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: with no broker configured, tasks run inline in the calling process (eager mode),
# so the embedded setup needs no Redis. config/apps.py logs which mode is in force.
# The in-memory transport keeps eager mode from ever reaching for a broker on localhost.
# The event outbox's sweep (Celery beat, every EVENT_SWEEP_SECONDS) leaves events younger
# than this to the delivery task queued when they were committed.
EVENTS_SWEEP_GRACE_SECONDS = int(os.environ.get("EVENTS_SWEEP_GRACE_SECONDS", "30"))

CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A request that enqueues a task must not hang when the broker is down: fail fast, tell the user.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 5}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}

# Security. Behind HTTPS (the default whenever DEBUG is off) cookies are secure, HTTP is
# redirected and HSTS is sent; HTTPS_ONLY=0 serves plain HTTP, e.g. a local compose stack.
HTTPS_ONLY = env_bool("HTTPS_ONLY", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS_ONLY
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
SECURE_HSTS_PRELOAD = HTTPS_ONLY
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    }
}

# --- Integrations ------------------------------------------------------------------------------
# REST API (api/): Django REST Framework with drf-spectacular's OpenAPI schema.
# A key (API key page, `Authorization: Bearer <key>`) or the browser's session (with CSRF on
# writes) acts as its owner. Throttled per key (per user for a session) in the default cache:
# Django's local-memory cache, so the limit holds per process.
REST_FRAMEWORK: dict[str, object] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiKeyThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": os.environ.get("API_THROTTLE_RATE", "600/min")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS: dict[str, object] = {
    "TITLE": "Forcerank API",
    "DESCRIPTION": "Quarters, the ranking board, requests, estimates, decisions, commitments, "
    "weekly reviews, customers and deals. Authenticate with `Authorization: Bearer <key>` "
    "(a key from the API keys page); a key acts with its owner's role.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from local static files (drf-spectacular-sidecar), no CDN: the CSP stays strict.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.without_database_limits",  # the same schema on SQLite and PostgreSQL
    ],
    "ENUM_NAME_OVERRIDES": {
        "RequestStatusEnum": "feature_requests.models.FeatureRequest.Status",
        "ReviewStatusEnum": "reviews.models.WeeklyReview.Status",
    },
}

# Webhooks (webhooks/): deliveries to private and loopback addresses are refused (SSRF) unless
# this is on: for tests and on-premise receivers.
WEBHOOKS_ALLOW_PRIVATE_URLS = env_bool("WEBHOOKS_ALLOW_PRIVATE_URLS", DEBUG)
# An endpoint is turned off (and the admins told) after this many deliveries in a row gave up.
WEBHOOKS_DISABLE_AFTER = int(os.environ.get("WEBHOOKS_DISABLE_AFTER", "5"))

# Slack (slack_app/): a bot token and signing secret from the environment, never the database.
SLACK_BOT_TOKEN = os.environ.get("SLACK_BOT_TOKEN", "")
SLACK_SIGNING_SECRET = os.environ.get("SLACK_SIGNING_SECRET", "")
# The Web API's base URL: tests and a local fake point slack_sdk's client at 127.0.0.1.
SLACK_API_URL = os.environ.get("SLACK_API_URL", "https://slack.com/api/")

# CRM (crm/): HubSpot or Salesforce, credentials from the environment only (README "Connect
# your CRM"). CRM_PROVIDER picks one when both are configured; the API URLs point the vendors'
# own clients at a local fake in tests and at a proxy if you have one.
CRM_PROVIDER = os.environ.get("CRM_PROVIDER", "")
HUBSPOT_ACCESS_TOKEN = os.environ.get("HUBSPOT_ACCESS_TOKEN", "")
HUBSPOT_API_URL = os.environ.get("HUBSPOT_API_URL", "https://api.hubapi.com")
HUBSPOT_PORTAL_ID = os.environ.get("HUBSPOT_PORTAL_ID", "")
SALESFORCE_DOMAIN = os.environ.get("SALESFORCE_DOMAIN", "")  # "acme.my" for acme.my.salesforce.com
SALESFORCE_CLIENT_ID = os.environ.get("SALESFORCE_CLIENT_ID", "")
SALESFORCE_CLIENT_SECRET = os.environ.get("SALESFORCE_CLIENT_SECRET", "")
SALESFORCE_USERNAME = os.environ.get("SALESFORCE_USERNAME", "")  # JWT bearer flow
SALESFORCE_PRIVATE_KEY = os.environ.get("SALESFORCE_PRIVATE_KEY", "")  # PEM, JWT bearer flow
SALESFORCE_API_URL = os.environ.get("SALESFORCE_API_URL", "")
# How often Celery beat syncs, and how long one sync waits out a rate limit before it stops
# (to resume from its last page at the next sync).
CRM_SYNC_MINUTES = float(os.environ.get("CRM_SYNC_MINUTES", "15"))
CRM_RATE_LIMIT_MAX_WAIT = float(os.environ.get("CRM_RATE_LIMIT_MAX_WAIT", "120"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # django-axes narrates every sign-in at INFO; its warnings (and accounts.lockout's one
        # line per lockout, on "forcerank.security") are what an operator needs.
        "axes": {"level": "WARNING"},
    },
}
