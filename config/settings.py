"""Settings, read from the environment only (see README, "Configuration").

Local defaults need no server: SQLite, a filesystem Celery broker, the built-in sandboxes.
``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from .environment import StrictEnv

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# Booleans and numbers: an invalid value stops the start, naming the variable.
strict = StrictEnv(env.ENVIRON)

DEBUG = strict.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "local-only-insecure-key-do-not-use-in-production"

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "apps.accounts",
    "apps.customers",
    "apps.catalog",
    "apps.quotes",
    "apps.invoices",
    "apps.payouts",
    "apps.timesheets",
    "apps.home",
    "apps.integrations",
    "apps.sync",
    "apps.reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.accounts.middleware.OrganisationTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
                "apps.accounts.context_processors.organisation",
                "apps.integrations.context_processors.health",
            ],
        },
    }
]

# An empty DATABASE_URL means "not set", like every other empty variable here.
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
_conn_max_age = strict.int("CONN_MAX_AGE", default=60, minimum=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web threads, the worker and beat share one file: wait for locks instead of failing,
    # and take the write lock up front so two writers never deadlock on an upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests get a file of their own, not Django's shared in-memory database: with that, the
    # live sandbox servers' threads share the test's one connection and its transactions (one
    # thread's rollback undid another's writes). A file gives each thread its connection, as
    # the web threads and the worker have when the product runs on SQLite. One per test
    # process, so two test runs in one checkout never share it.
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", _conn_max_age)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "apps.common.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The providers' limits are counted in Redis too (in the process without it). Outside a worker
# task (a settings page, a command) a call may wait this long for them; tasks never wait, they
# are rescheduled (docs/limits.md).
PROVIDER_LIMIT_WAIT_SECONDS = strict.float("PROVIDER_LIMIT_WAIT_SECONDS", default=5.0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# Celery: Redis when REDIS_URL is set, otherwise a filesystem broker that needs no server.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    _broker_dir = VAR_DIR / "celery"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "data_folder_processed": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        # The worker takes one task per look (prefetch 1, acks late) and looks every second by
        # default: the demo's first drains and webhook pulls queued one a second.
        "polling_interval": 0.2,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = strict.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Celery's Django fix-up closes the database connection around each task unless this is set;
# config/celery.py closes it by CONN_MAX_AGE instead, and this only recycles it now and then.
CELERY_DB_REUSE_MAX = 1000
# The queue tasks are sent to: a process group of its own (the fault suite) keeps its own.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# E-mail (review requests, connection warnings): EMAIL_URL such as
# smtp+tls://user:password@smtp.example.com:587; by default printed to the console.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Ledgerlink <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Tokens of connected integrations are encrypted with these keys (newest first),
# never with SECRET_KEY. Generate one with: python manage.py rotate_encryption_key --generate
TOKEN_ENCRYPTION_KEYS = env.list("TOKEN_ENCRYPTION_KEYS", default=[])
if not TOKEN_ENCRYPTION_KEYS and not DEBUG:
    raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS must be set when DEBUG is off.")

# The built-in QuickBooks Online and Xero sandboxes (never in production): a development tool,
# installed (its models, migrations, admin, URLs, tasks and beat entry) only when enabled.
SANDBOX_ENABLED = strict.bool("SANDBOX_ENABLED", default=DEBUG)
if SANDBOX_ENABLED:
    INSTALLED_APPS.append("apps.sandbox")
# Length in seconds of a provider's rate-limit "minute" in the sandbox; tests shorten it.
SANDBOX_RATE_WINDOW_SECONDS = strict.float("SANDBOX_RATE_WINDOW_SECONDS", default=60.0, above=0)
# How long an injected time-out fault holds its request before answering 504.
SANDBOX_FAULT_TIMEOUT_SECONDS = strict.float("SANDBOX_FAULT_TIMEOUT_SECONDS", default=30.0)
# Access-token lifetimes the sandbox hands out (seconds).
SANDBOX_QBO_ACCESS_TOKEN_SECONDS = strict.int(
    "SANDBOX_QBO_ACCESS_TOKEN_SECONDS", default=3600, minimum=1
)
SANDBOX_XERO_ACCESS_TOKEN_SECONDS = strict.int(
    "SANDBOX_XERO_ACCESS_TOKEN_SECONDS", default=1800, minimum=1
)

# Providers. With the sandbox on, what is left empty points at the built-in sandboxes on
# SITE_URL, with the sandbox app's published credentials. With it off (production), every one
# must be set and none may be the sandbox's: anyone can sign a webhook with a published key
# (docs/security.md, "Production settings").
_sandbox = f"{SITE_URL}/sandbox"
_SANDBOX_SECRETS = {
    "QBO_CLIENT_ID": "ledgerlink-local-qbo",
    "QBO_CLIENT_SECRET": "ledgerlink-local-qbo-secret",
    "QBO_WEBHOOK_VERIFIER": "ledgerlink-local-qbo-verifier",
    "XERO_CLIENT_ID": "ledgerlink-local-xero",
    "XERO_CLIENT_SECRET": "ledgerlink-local-xero-secret",
    "XERO_WEBHOOK_KEY": "ledgerlink-local-xero-webhook-key",
    "MYOB_CLIENT_ID": "ledgerlink-local-myob",
    "MYOB_CLIENT_SECRET": "ledgerlink-local-myob-secret",
}
_SANDBOX_ENDPOINTS = {
    "QBO_DISCOVERY_URL": f"{_sandbox}/quickbooks/.well-known/openid_configuration",
    "QBO_API_BASE": f"{_sandbox}/quickbooks/v3",
    "XERO_AUTHORIZE_URL": f"{_sandbox}/xero/identity/connect/authorize",
    "XERO_TOKEN_URL": f"{_sandbox}/xero/identity/connect/token",
    "XERO_REVOKE_URL": f"{_sandbox}/xero/identity/connect/revocation",
    "XERO_CONNECTIONS_URL": f"{_sandbox}/xero/connections",
    "XERO_API_BASE": f"{_sandbox}/xero/api.xro/2.0",
    "MYOB_AUTHORIZE_URL": f"{_sandbox}/myob/oauth2/account/authorize",
    "MYOB_TOKEN_URL": f"{_sandbox}/myob/oauth2/v1/authorize",
    "MYOB_API_BASE": f"{_sandbox}/myob/accountright",
}


def _provider_setting(name: str) -> str:
    sandbox_value = _SANDBOX_SECRETS.get(name) or _SANDBOX_ENDPOINTS[name]
    value = env.str(name, default="")
    if SANDBOX_ENABLED:
        return value or sandbox_value
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set when the sandbox is off (SANDBOX_ENABLED is not true)."
        )
    if value in _SANDBOX_SECRETS.values() or "/sandbox/" in urlsplit(value).path:
        raise ImproperlyConfigured(
            f"{name} is the built-in sandbox's published value; set your provider app's own, "
            "or SANDBOX_ENABLED=true to run against the sandbox (never in production)."
        )
    return value


QBO_CLIENT_ID = _provider_setting("QBO_CLIENT_ID")
QBO_CLIENT_SECRET = _provider_setting("QBO_CLIENT_SECRET")
QBO_DISCOVERY_URL = _provider_setting("QBO_DISCOVERY_URL")
QBO_API_BASE = _provider_setting("QBO_API_BASE")
QBO_WEBHOOK_VERIFIER = _provider_setting("QBO_WEBHOOK_VERIFIER")
XERO_CLIENT_ID = _provider_setting("XERO_CLIENT_ID")
XERO_CLIENT_SECRET = _provider_setting("XERO_CLIENT_SECRET")
XERO_AUTHORIZE_URL = _provider_setting("XERO_AUTHORIZE_URL")
XERO_TOKEN_URL = _provider_setting("XERO_TOKEN_URL")
XERO_REVOKE_URL = _provider_setting("XERO_REVOKE_URL")
XERO_CONNECTIONS_URL = _provider_setting("XERO_CONNECTIONS_URL")
XERO_API_BASE = _provider_setting("XERO_API_BASE")
XERO_WEBHOOK_KEY = _provider_setting("XERO_WEBHOOK_KEY")
# MYOB Business: the API key is the OAuth client id (sent as x-myobapi-key); no webhooks.
MYOB_CLIENT_ID = _provider_setting("MYOB_CLIENT_ID")
MYOB_CLIENT_SECRET = _provider_setting("MYOB_CLIENT_SECRET")
MYOB_AUTHORIZE_URL = _provider_setting("MYOB_AUTHORIZE_URL")
MYOB_TOKEN_URL = _provider_setting("MYOB_TOKEN_URL")
MYOB_API_BASE = _provider_setting("MYOB_API_BASE")
# Stripe (payouts, docs/payouts.md): each organisation gives its own secret key and webhook
# signing secret; only the API's address is the project's. With the sandbox on, the built-in
# Stripe sandbox unless set.
STRIPE_API_BASE = env.str(
    "STRIPE_API_BASE",
    default=f"{_sandbox}/stripe" if SANDBOX_ENABLED else "https://api.stripe.com",
).rstrip("/")
# How old a Stripe-Signature timestamp may be (seconds): Stripe's libraries' default.
STRIPE_WEBHOOK_TOLERANCE_SECONDS = strict.int(
    "STRIPE_WEBHOOK_TOLERANCE_SECONDS", default=300, minimum=1
)

# How often the periodic pull runs for each integration (seconds).
SYNC_PULL_INTERVAL_SECONDS = strict.int("SYNC_PULL_INTERVAL_SECONDS", default=300, minimum=1)
# The longest wait between pulls of an integration that gets webhooks and has been quiet
# (docs/pulls.md).
SYNC_PULL_MAX_INTERVAL_SECONDS = strict.int(
    "SYNC_PULL_MAX_INTERVAL_SECONDS",
    default=max(3600, SYNC_PULL_INTERVAL_SECONDS),
    minimum=SYNC_PULL_INTERVAL_SECONDS,
)
# How long a tenant's tax rates, accounts and item references are kept before being read again.
REFERENCE_CACHE_SECONDS = strict.int("REFERENCE_CACHE_SECONDS", default=3600, minimum=1)
# Drains and webhook pulls asked for within this long are one task (with Redis; docs/outbox.md):
# a send's three commits make one drain, a burst's sends go in batches, a write's echoes one pull.
SYNC_DRAIN_GATHER_SECONDS = strict.float("SYNC_DRAIN_GATHER_SECONDS", default=0.5)
# A queued drain waits while changes keep arriving (each pushes it back by the window above), but
# never longer than this after the first change it serves (docs/outbox.md).
# Below the window above, the window is the maximum.
SYNC_DRAIN_GATHER_MAX_SECONDS = strict.float("SYNC_DRAIN_GATHER_MAX_SECONDS", default=5.0)
SYNC_WEBHOOK_PULL_GATHER_SECONDS = strict.float("SYNC_WEBHOOK_PULL_GATHER_SECONDS", default=1.0)
# A drain or pull claim older than this is taken over (its worker died).
SYNC_CLAIM_TIMEOUT_SECONDS = strict.int("SYNC_CLAIM_TIMEOUT_SECONDS", default=300, minimum=1)
# Backoff of transient failures: base * 2^(attempt-1), capped, with jitter.
SYNC_BACKOFF_BASE_SECONDS = strict.float("SYNC_BACKOFF_BASE_SECONDS", default=5.0, above=0)
SYNC_BACKOFF_MAX_SECONDS = strict.float("SYNC_BACKOFF_MAX_SECONDS", default=900.0)
if SYNC_BACKOFF_MAX_SECONDS < SYNC_BACKOFF_BASE_SECONDS:
    raise ImproperlyConfigured(
        "SYNC_BACKOFF_MAX_SECONDS must be at least SYNC_BACKOFF_BASE_SECONDS "
        f"({SYNC_BACKOFF_BASE_SECONDS:g}); got {SYNC_BACKOFF_MAX_SECONDS:g}."
    )
# Invoices the nightly export reads, decides and writes per page: a multiple of both providers'
# batch sizes (QBO 30, Xero 50), large enough that one customer lookup serves many invoices.
SYNC_EXPORT_PAGE_SIZE = strict.int("SYNC_EXPORT_PAGE_SIZE", default=300, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# HTTPS (docs/security.md, "Production settings"). Off in development; in production the site is
# served over HTTPS only when SITE_URL says so, and a production SITE_URL must.
_https = not DEBUG and SITE_URL.startswith("https://")
if not DEBUG and not SANDBOX_ENABLED and not _https:
    raise ImproperlyConfigured("SITE_URL must be an https:// URL when DEBUG is off.")
SESSION_COOKIE_SECURE = strict.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = strict.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = strict.bool("SECURE_SSL_REDIRECT", default=_https)
SECURE_HSTS_SECONDS = strict.int(
    "SECURE_HSTS_SECONDS", default=31_536_000 if _https else 0, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = strict.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Consent to browsers' preload lists; the site is only listed once submitted to them.
SECURE_HSTS_PRELOAD = strict.bool("SECURE_HSTS_PRELOAD", default=True)
# Behind a proxy that ends TLS, the header it sets to say so, e.g. "HTTP_X_FORWARDED_PROTO,https".
# Never trusted unless set: a client could send it itself.
_proxy_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_header and len(_proxy_header) != 2:
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER must be a header and its value, e.g. HTTP_X_FORWARDED_PROTO,https."
    )
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header) or None
