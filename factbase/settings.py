"""factbase settings, read from the environment.

Development needs nothing set: SQLite in the project folder and a throwaway
secret key while DEBUG is on. Production (DEBUG off) refuses to start without
SECRET_KEY and is strict enough that `manage.py check --deploy` stays quiet.
"""

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_HASHES
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: expected a boolean (1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected a whole number") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment for production, "
            "or set DEBUG=1 for a development server with a throwaway key."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "sources",
    "claims",
    "api",
    "jobs",  # before django_tasks_db: its db_worker command (niced) replaces theirs
    "django_tasks",  # Django 6: remove (the task API is django.tasks)
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it turns a refused login into the lockout page
]

ROOT_URLCONF = "factbase.urls"

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

WSGI_APPLICATION = "factbase.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Every transaction takes SQLite's write lock when it begins, so a save checks the row's version and writes
    # with no other writer in between (PostgreSQL gets the same from SELECT … FOR UPDATE).
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")  # uploads awaiting import confirmation
MEDIA_URL = "media/"
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Production hardening: strict by default, each switch overridable for a
# deployment that terminates TLS elsewhere (see docker-compose.yml).
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Login throttling (django-axes). LOGIN_FAILURE_LIMIT wrong passwords for one username, or from one
# address, refuse every login for that username or from that address — the right password included —
# for LOGIN_COOLOFF_MINUTES, with a page that says so (HTTP 429). A successful login resets the count.
# Attempts live in the database, so every app server behind it sees them.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME.total_seconds() < 60:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_COOLOFF_MINUTES must be at least 1")
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "login_locked.html"
AXES_CLIENT_IP_CALLABLE = "factbase.throttling.client_ip"
AXES_USERNAME_CALLABLE = "factbase.throttling.username"  # bounded: see there
# Downloads (`?format=csv|json|xlsx|ods` on /figures/, /claims/, /sources/): each client address may take
# EXPORT_RATE_LIMIT of them in EXPORT_RATE_WINDOW seconds, then gets a 429 with Retry-After. 0 turns it off.
# A download reads every matching row, so this keeps one reader from holding the workers; a researcher
# rarely needs more than a few a minute.
EXPORT_RATE_LIMIT = env_int("EXPORT_RATE_LIMIT", 30)
EXPORT_RATE_WINDOW = env_int("EXPORT_RATE_WINDOW", 300)
if EXPORT_RATE_WINDOW < 1:
    raise ImproperlyConfigured("EXPORT_RATE_WINDOW must be at least 1 (seconds)")

# Django's cache holds the download counts. The default, memory in each process, works with nothing else
# running but gives each gunicorn worker its own count (a client then gets up to workers × the limit):
# with several workers set CACHE_URL=db (a table in the database; run `manage.py createcachetable`) or
# CACHE_URL=redis://host:6379/0 (needs the `redis` package), which every worker shares.
# The readers' pages (below) live in a second cache, "public", of at most PUBLIC_CACHE_ENTRIES entries: anyone can
# fill it (every search is a new URL), and a full cache evicts — the download counts must not be what goes.
CACHE_URL = os.environ.get("CACHE_URL", "")
PUBLIC_CACHE_ENTRIES = env_int("PUBLIC_CACHE_ENTRIES", 1000)
if not CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
              "public": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "public",
                         "OPTIONS": {"MAX_ENTRIES": PUBLIC_CACHE_ENTRIES}}}
elif CACHE_URL == "db":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "factbase_cache"},
              "public": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "factbase_public_cache",
                         "OPTIONS": {"MAX_ENTRIES": PUBLIC_CACHE_ENTRIES}}}
elif CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    # Redis keeps both in one memory and evicts only at its maxmemory: leave room for a minute of pages (README).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL},
              "public": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL,
                         "KEY_PREFIX": "public"}}
else:
    raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r}: expected nothing, db or a redis:// address")
# Anonymous readers' pages and the lists' facet counts are kept in that cache for PUBLIC_CACHE_SECONDS, keyed by
# the public data's generation, which every write replaces (factbase.public_cache): a change shows at once. Each
# process would keep its own generation in process memory, so with several gunicorn workers (gunicorn.conf.py
# says how many) and no CACHE_URL the pages are not cached at all. 0 turns the cache off.
SERVER_PROCESSES = env_int("FACTBASE_SERVER_PROCESSES", 1)
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", 60 if CACHE_URL or SERVER_PROCESSES <= 1 else 0)

# How many reverse proxies in front of the app append the address they were connected from to
# X-Forwarded-For. 0, the default: the client is REMOTE_ADDR and X-Forwarded-For is ignored, since any
# client can send one. Behind one nginx, set 1 — and let only the proxy reach the app's port.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Content-Security-Policy (django-csp) on every response: scripts and styles only from our own static
# files, no plugins, no framing, forms post only to us. Third-party admin templates carry a few inline
# attributes; each is allowed by the hash of its exact text ('unsafe-hashes'), nothing else inline is.
THIRD_PARTY_INLINE_STYLES = [
    "padding: 0;", "font-weight: bold;",  # django-import-export's export page
    "border-top: 0",  # django-simple-history's history list
]
THIRD_PARTY_INLINE_HANDLERS = ["onSelectToggleChange(event)"]  # import-export's "Select all" on its export page


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, UNSAFE_HASHES, *map(csp_hash, THIRD_PARTY_INLINE_HANDLERS)],
        "style-src": [SELF, UNSAFE_HASHES, *map(csp_hash, THIRD_PARTY_INLINE_STYLES)],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# For machines (the api app): a read-only JSON API under /api/ (Django REST framework), its OpenAPI schema
# (drf-spectacular), citations, ClaimReview JSON-LD and an Atom feed. Public records only, anonymous and read-only:
# no authentication, no parsers, JSON only; every list pages by cursor (api.pagination).
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.CursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.views.exception_handler",
    "URL_FORMAT_OVERRIDE": None,  # one format: `format` is no parameter of the API
}
SPECTACULAR_SETTINGS = {
    "TITLE": "factbase API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {"SourceKindEnum": "sources.models.Source.Kind",
                            "OutletKindEnum": "sources.models.Outlet.Kind",
                            "EntityKindEnum": "claims.models.Entity.Kind"},
    # The description (what is public, numbers, pages, errors) is written in api/schema.py.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.describe"],
}
# Who gives the verdicts, as schema.org ClaimReview and the Atom feed name it.
REVIEWING_ORGANISATION = os.environ.get("REVIEWING_ORGANISATION", "factbase")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Spreadsheet files are read as streams, and refused as soon as what has been read passes one of
# these limits (claims/spreadsheets documents each one; the defaults are Excel's where it has one).
SPREADSHEET_MAX_ROWS = env_int("SPREADSHEET_MAX_ROWS", 1_048_576)
SPREADSHEET_MAX_COLUMNS = env_int("SPREADSHEET_MAX_COLUMNS", 16_384)
SPREADSHEET_MAX_CELLS = env_int("SPREADSHEET_MAX_CELLS", 1_048_576 * 24)
SPREADSHEET_MAX_CELL_CHARS = env_int("SPREADSHEET_MAX_CELL_CHARS", 32_767)
SPREADSHEET_MAX_ROW_BYTES = env_int("SPREADSHEET_MAX_ROW_BYTES", 8 * 1024 * 1024)
SPREADSHEET_MAX_UNPACKED_BYTES = env_int("SPREADSHEET_MAX_UNPACKED_BYTES", 4 * 1024**3)
SPREADSHEET_MAX_COMPRESSION_RATIO = env_int("SPREADSHEET_MAX_COMPRESSION_RATIO", 200)
SPREADSHEET_MAX_SHARED_STRINGS_BYTES = env_int("SPREADSHEET_MAX_SHARED_STRINGS_BYTES", 128 * 1024 * 1024)

# Background jobs (the jobs app): imports and large exports run on Django's task API, by default with tasks
# queued in the database and run by `manage.py db_worker` (see README, "Background jobs"). Web and worker share
# the database and MEDIA_ROOT (uploads, progress, prepared exports).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    },
}
if TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":  # Redis, for production: see README
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": os.environ.get("REDIS_URL", "redis://localhost:6379/0"), "DEFAULT_TIMEOUT": 3600}}
# `manage.py db_worker` runs at this niceness (0-19; 0 leaves it as started): below the web server, which keeps the CPU
# for readers while a large export is written.
JOB_WORKER_NICENESS = env_int("JOB_WORKER_NICENESS", 10)
# A running job whose worker has not said it is alive for this long died (killed, crashed): it is shown failed.
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 120)
# Uploads never confirmed, prepared exports and finished jobs' files are deleted after this many hours.
JOB_FILES_KEEP_HOURS = env_int("JOB_FILES_KEEP_HOURS", 24)
# XLSX and ODS downloads of more rows than this are prepared in the background (CSV and JSON always stream).
EXPORT_SHEET_INLINE_MAX_ROWS = env_int("EXPORT_SHEET_INLINE_MAX_ROWS", 20_000)
# Background exports waiting or running at once: per client address, and in all.
EXPORT_JOBS_PER_CLIENT = env_int("EXPORT_JOBS_PER_CLIENT", 2)
EXPORT_JOBS_MAX_OUTSTANDING = env_int("EXPORT_JOBS_MAX_OUTSTANDING", 20)

# Uploads: spreadsheets bigger than this go through `manage.py import_figures`.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024

FORMS_URLFIELD_ASSUME_HTTPS = True

IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False  # we escape all formula triggers ourselves
