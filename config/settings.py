"""The one settings module. Everything that differs between a laptop and production is read from
environment variables (see README.md, "Settings"). With nothing but `DEBUG=1` set it boots on
SQLite under var/, a local-memory cache, Celery running tasks eagerly, and e-mail printed to the
console. A malformed value stops start-up with a message that names the variable.

Without DEBUG, `SECRET_KEY` is required: production never runs on a default key.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_origins, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set (a long random string) unless DEBUG=1. "
            'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(64))"'
        )
    # Only reached with DEBUG=1, which is never a production setting.
    SECRET_KEY = "insecure-key-for-local-development-only-never-use-in-production-0123456789"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_origins("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_url("SITE_URL", schemes={"http", "https"}, default="http://127.0.0.1:8000")

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
    "treebeard",
    "axes",
    "csp",
    "mozilla_django_oidc",
    "rest_framework",
    "drf_spectacular",
    "organisation",
    "kerneopgaver",
    "styring",
    "socialkapital",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.dbdown.DatabaseUnavailableMiddleware",  # a database outage: a friendly 503
    # Cached users, scopes and page parts check their versions in one cache read per request.
    "organisation.versions.RequestVersions",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "organisation.middleware.DanishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "organisation.middleware.AbsoluteSessionTimeoutMiddleware",
    "organisation.audit.DeniedAccessMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes must be last: it turns a lockout signalled by its backend into the lockout page.
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organisation.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite under var/ by default so that a fresh checkout just works; PostgreSQL in production.
_default_db = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASE_URL = env_url(
    "DATABASE_URL", schemes={"sqlite", "postgres", "postgresql", "pgsql"}, default=_default_db
)
try:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
            conn_health_checks=True,
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Many readers while one writer holds the lock: wait rather than fail at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", schemes={"redis", "rediss"})

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "ko"),
            # A cache must never make a page wait long: fail fast and compute instead.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The longest task may run this long before the worker kills it (aggregating a national round).
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60, minimum=10)
# The soft limit raises SoftTimeLimitExceeded first, so a task can roll back and log cleanly.
CELERY_TASK_SOFT_TIME_LIMIT = max(CELERY_TASK_TIME_LIMIT - 60, CELERY_TASK_TIME_LIMIT * 9 // 10)
# Without Redis (the demo and the default test run) tasks run in process, synchronously, so the
# product works with nothing but Python installed.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# An eager task that fails raises in the caller, as a real failure should in a test or the demo.
CELERY_TASK_EAGER_PROPAGATES = True
# The in-memory transport only serialises eager tasks; it names a host so kombu does not warn.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Keep results a day: long enough to inspect a run, short enough not to fill Redis.
CELERY_RESULT_EXPIRES = 24 * 60 * 60
# JSON only: tasks take ids and plain values, and pickle from a broker is a code-execution risk.
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Aggregations are long and uneven: a worker takes one task at a time so a second one is not
# stuck behind it while another worker idles.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Tasks here are idempotent (they take ids and replace their results in one transaction), so a
# task is acknowledged only after it finished and is redelivered if its worker dies midway. A
# task that is not idempotent must set acks_late=False itself.
CELERY_TASK_ACKS_LATE = True
# ...and a worker killed by the OOM killer or SIGKILL gives its task back instead of losing it.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis redelivers an unacknowledged task after this long. It must exceed the longest task,
    # or a late-acked task still running would be started a second time on another worker.
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 30 * 60,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One queue name per deployment, so two installations (or a test run) can share a Redis server.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "kerneopgaver")
CELERY_TIMEZONE = "Europe/Copenhagen"
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Expired sessions and stale login counters hold personal data (who signed in, from where)
    # that serves no purpose once expired; Django never deletes them by itself. Daily at night,
    # when nobody is signed in. Run exactly one beat per deployment, or this runs twice (harmless:
    # the task is idempotent).
    "clear-expired-sessions": {
        "task": "organisation.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
    # Survey reminders go out on weekday mornings to those who have not answered an open round
    # (at most one reminder every few days per person; the task decides who is due).
    "send-due-survey-reminders": {
        "task": "socialkapital.send_due_reminders",
        "schedule": crontab(hour=8, minute=30, day_of_week="mon-fri"),
    },
    # Raw survey answers are personal data kept only for the round's retention period; the
    # aggregated results stay. Nightly, after the session clean-up.
    "delete-expired-survey-answers": {
        "task": "socialkapital.delete_expired_answers",
        "schedule": crontab(hour=3, minute=30),
    },
    # Results: closes rounds left open past their closing time and re-enqueues any closed round
    # whose results are missing or stale (a lost task, a late answer, a new algorithm). Every
    # ten minutes, so results appear soon after a round closes even if its task was lost.
    "reconcile-survey-results": {
        "task": "socialkapital.reconcile_results",
        "schedule": crontab(minute="*/10"),
    },
    # Invitations of a round that opened while the broker was down were never enqueued; every
    # ten minutes they are (only for rounds where none went out: failures are not retried here).
    "reconcile-survey-invitations": {
        "task": "socialkapital.reconcile_invitations",
        "schedule": crontab(minute="5-59/10"),
    },
    # Owners of overdue open actions get a reminder, at most one a week each (the task marks
    # the week per owner in the cache). Weekday mornings, after the survey reminders.
    "remind-overdue-actions": {
        "task": "socialkapital.remind_overdue_actions",
        "schedule": crontab(hour=8, minute=45, day_of_week="mon-fri"),
    },
    # Employees' value signals on governance are aggregated per quarter once the quarter is
    # over (a figure that moves with each answer would reveal it). Hourly, the reconciler
    # aggregates every ended quarter whose results are missing or stale.
    "reconcile-value-signals": {
        "task": "styring.reconcile_value_signals",
        "schedule": crontab(minute=20),
    },
    # Owners of governance instruments whose review date is near get one e-mail per review date
    # (the task remembers what it sent). Weekday mornings, after the action reminders.
    "remind-governance-reviews": {
        "task": "styring.remind_due_reviews",
        "schedule": crontab(hour=8, minute=50, day_of_week="mon-fri"),
    },
}
# --- OS2mo ----------------------------------------------------------------------------------
# The organisation and MED structure can be read from the municipality's OS2mo (GraphQL API,
# version pinned below, authenticated by client credentials against OS2mo's Keycloak). Switched
# on by setting OS2MO_URL; the nightly sync then applies the valid changes and reports the rest.
OS2MO_URL = env_url("OS2MO_URL", schemes={"https", "http"})
OS2MO_ENABLED = bool(OS2MO_URL)
OS2MO_GRAPHQL_VERSION = 22
OS2MO_AUTH_URL = env_url("OS2MO_AUTH_URL", schemes={"https", "http"}) or (
    f"{OS2MO_URL.rstrip('/')}/auth" if OS2MO_URL else ""
)
OS2MO_AUTH_REALM = env_str("OS2MO_AUTH_REALM", "mo")
OS2MO_CLIENT_ID = env_str("OS2MO_CLIENT_ID", "kerneopgaver")
OS2MO_CLIENT_SECRET = env_str("OS2MO_CLIENT_SECRET")
# The root of the line organisation and of the MED organisation in OS2mo (their UUIDs); the MED
# tree is usually a separate root (an "org_unit_hierarchy" in OS2mo's terms).
OS2MO_LINE_ROOT = env_str("OS2MO_LINE_ROOT")
OS2MO_MED_ROOT = env_str("OS2MO_MED_ROOT")
OS2MO_TIMEOUT_SECONDS = env_int("OS2MO_TIMEOUT_SECONDS", 30, minimum=1)
if OS2MO_ENABLED:
    if not OS2MO_CLIENT_SECRET:
        raise ImproperlyConfigured("OS2MO_CLIENT_SECRET must be set when OS2MO_URL is set.")
    # Nightly, before anyone signs in and after the session clean-up.
    CELERY_BEAT_SCHEDULE["sync-os2mo"] = {
        "task": "organisation.sync_os2mo",
        "schedule": crontab(hour=2, minute=45),
    }

# --- Open-data API (Django REST framework) --------------------------------------------------
# Read-only JSON under /api/: the adopted vision and core tasks for everyone; results and
# governance for personal API keys (organisation.ApiToken), scoped like the key's user. Rate
# limits per key or per client address (the cache must be shared: Redis in production).
API_RATE_ANONYMOUS = env_str("API_RATE_ANONYMOUS", "60/minute")
API_RATE_TOKEN = env_str("API_RATE_TOKEN", "600/minute")
for _name, _rate in (
    ("API_RATE_ANONYMOUS", API_RATE_ANONYMOUS),
    ("API_RATE_TOKEN", API_RATE_TOKEN),
):
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", _rate):
        raise ImproperlyConfigured(
            f"{_name} must be a number of requests per second, minute, hour or day, such as "
            f"60/minute; got {_rate!r}."
        )
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["organisation.api.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "organisation.api.AnonymousRateThrottle",
        "organisation.api.TokenRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anonymous": API_RATE_ANONYMOUS, "token": API_RATE_TOKEN},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kerneopgaver – open data API",
    "DESCRIPTION": (
        "Read-only data of the municipality: the adopted vision and core tasks (public), and "
        "aggregated social-capital results and governance overviews for personal API keys, "
        "with the same anonymity rules as every page."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Several models have a "kind" and a "status": each gets a name of its own in the schema.
    "ENUM_NAME_OVERRIDES": {
        "IndicatorKindEnum": "kerneopgaver.models.EffectIndicator.Kind",
        "IndicatorStatusEnum": "kerneopgaver.models.EffectIndicator.Status",
        "InstrumentKindEnum": "styring.models.Instrument.Kind",
        "InstrumentStatusEnum": "styring.models.Instrument.Status",
    },
}
# A round with at least this many responses is aggregated as a chord of RESULTS_PARTS tasks,
# one per group of subtrees, that several workers share; smaller rounds in one task.
RESULTS_SPLIT_AT_RESPONSES = env_int("RESULTS_SPLIT_AT_RESPONSES", 100_000, minimum=1)
RESULTS_PARTS = env_int("RESULTS_PARTS", 8, minimum=1)

# Governance (styring). Value signals follow the surveys' anonymity rules with this minimum group
# size (DESIGN.md: default 5, never below 3). An instrument costing at least this many minutes
# per employee per month is listed in the review register as costly.
VALUE_SIGNAL_MIN_GROUP_SIZE = env_int("VALUE_SIGNAL_MIN_GROUP_SIZE", 5, minimum=3)
GOVERNANCE_HIGH_COST_MINUTES = env_int("GOVERNANCE_HIGH_COST_MINUTES", 60, minimum=1)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Authentication and sessions ------------------------------------------------------------
AUTH_USER_MODEL = "organisation.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "front"
LOGOUT_REDIRECT_URL = "front"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Idle timeout: the session and its cookie live 30 minutes from their last renewal, which a
# signed-in request makes when the last one is a minute old or more (AbsoluteSessionTimeout-
# Middleware): not saving on every request spares a database write per page view.
# Sessions live in the database and are read through the cache (organisation/sessions.py).
SESSION_ENGINE = "organisation.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = 60
# Absolute timeout, enforced by organisation.middleware.AbsoluteSessionTimeoutMiddleware.
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_HOURS", 12, minimum=1) * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Login throttling (django-axes): five failures for one user name from one address lock that
# pair out for 15 minutes. Locking by address alone would lock out a whole workplace behind one
# NAT; by user name alone would let anyone lock a colleague out from anywhere.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "organisation.http.client_address"

# Optional single sign-on with the municipality's OpenID Connect provider (mozilla-django-oidc).
# It is switched on by setting OIDC_RP_CLIENT_ID; the other OIDC_* settings are then required.
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out user before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with the signed-in user and their scope kept between requests
    # while the organisation does not change (organisation/principal.py).
    "organisation.principal.CachedModelBackend",
]
if OIDC_ENABLED:
    _oidc_required = {
        "OIDC_RP_CLIENT_SECRET": env_str("OIDC_RP_CLIENT_SECRET"),
        "OIDC_OP_AUTHORIZATION_ENDPOINT": env_url(
            "OIDC_OP_AUTHORIZATION_ENDPOINT", schemes={"https", "http"}
        ),
        "OIDC_OP_TOKEN_ENDPOINT": env_url("OIDC_OP_TOKEN_ENDPOINT", schemes={"https", "http"}),
        "OIDC_OP_USER_ENDPOINT": env_url("OIDC_OP_USER_ENDPOINT", schemes={"https", "http"}),
        "OIDC_OP_JWKS_ENDPOINT": env_url("OIDC_OP_JWKS_ENDPOINT", schemes={"https", "http"}),
    }
    for _name, _value in _oidc_required.items():
        if not _value:
            raise ImproperlyConfigured(f"{_name} must be set when OIDC_RP_CLIENT_ID is set.")
    OIDC_RP_CLIENT_SECRET = _oidc_required["OIDC_RP_CLIENT_SECRET"]
    OIDC_OP_AUTHORIZATION_ENDPOINT = _oidc_required["OIDC_OP_AUTHORIZATION_ENDPOINT"]
    OIDC_OP_TOKEN_ENDPOINT = _oidc_required["OIDC_OP_TOKEN_ENDPOINT"]
    OIDC_OP_USER_ENDPOINT = _oidc_required["OIDC_OP_USER_ENDPOINT"]
    OIDC_OP_JWKS_ENDPOINT = _oidc_required["OIDC_OP_JWKS_ENDPOINT"]
    OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
    # Create an account on first sign-in only if the municipality wants that; otherwise only
    # people already imported from the organisation can sign in.
    OIDC_CREATE_USER = env_bool("OIDC_CREATE_USER", False)
    LOGIN_REDIRECT_URL_FAILURE = "login"
    AUTHENTICATION_BACKENDS.append("organisation.oidc.MunicipalityOIDCBackend")

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on.")
EMAIL_TIMEOUT = 10
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "kerneopgaver@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security headers -----------------------------------------------------------------------
# Behind a TLS-terminating proxy (docker-compose, a load balancer) that sets X-Forwarded-Proto.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many trusted proxies append to X-Forwarded-For in front of the app; rate limits and login
# throttling key on the client address they report (organisation/http.py).
FORWARDED_PROXY_HOPS = env_int("FORWARDED_PROXY_HOPS", 1 if BEHIND_TLS_PROXY else 0, minimum=0)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Health probes come over plain HTTP from inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): only the site's own scripts and styles, no inline code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL; got {LOG_LEVEL!r}."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Survey tokens and access codes must never reach a log (DESIGN.md, anonymity).
    "filters": {"redact_survey_secrets": {"()": "socialkapital.log_filters.RedactSurveySecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_survey_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "axes": {"level": "WARNING"},
        # httpx (the OS2mo client) logs every request at INFO.
        "httpx": {"level": "WARNING"},
        # The development server logs each request line; route it through the redacting handler.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
