"""Hona Messaging settings: one file, read from the environment.

Defaults are safe for local use (SQLite, tasks in-process, SMS and email printed to the console).
Production sets DJANGO_DEBUG=false, DJANGO_SECRET_KEY, PUBLIC_BASE_URL=https://…, DATABASE_URL and
REDIS_URL; the TLS-only settings follow PUBLIC_BASE_URL so the same file also runs in tests.
"""

from __future__ import annotations

import ipaddress
import os
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

from hona import queues
from hona.env import Env, check_secret, file_storage, is_loopback_host

env = Env()
BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.string("HONA_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env.boolean("DJANGO_DEBUG", default=False)

# Unset on a developer's machine: with DEBUG on, `manage.py runserver` (and so `make run PORT=…`)
# then points it at the address it serves (hona/management/commands/runserver.py). Production
# sets it; there it is never derived from anything.
PUBLIC_BASE_URL_SET = env.optional("PUBLIC_BASE_URL") is not None
PUBLIC_BASE_URL = env.origin("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
_public = urlsplit(PUBLIC_BASE_URL)
PUBLIC_HOST = _public.hostname or "127.0.0.1"
HTTPS = _public.scheme == "https"

# A fixed key is acceptable only while the app can be reached on this machine alone. A key that
# is set must be generated: a placeholder copied from .env.example is refused at start-up, because
# anyone who read it could sign portal and download links for every firm.
_LOCAL_ONLY_KEY = "django-insecure-local-only-key-never-used-behind-a-public-url"
_secret_key = env.optional("DJANGO_SECRET_KEY")
if _secret_key is None:
    if not is_loopback_host(PUBLIC_HOST):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when PUBLIC_BASE_URL is not a loopback address. "
            'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    SECRET_KEY = _LOCAL_ONLY_KEY
else:
    SECRET_KEY = check_secret("DJANGO_SECRET_KEY", _secret_key)
# Rotation: the new key signs, the old ones (newest first) still verify links made before.
SECRET_KEY_FALLBACKS = [
    check_secret("DJANGO_SECRET_KEY_FALLBACKS", key)
    for key in env.strings("DJANGO_SECRET_KEY_FALLBACKS")
]

ALLOWED_HOSTS = env.strings("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
if PUBLIC_HOST not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(PUBLIC_HOST)
CSRF_TRUSTED_ORIGINS = [PUBLIC_BASE_URL]

INSTALLED_APPS = [
    "hona.apps.HonaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "hona",  # before WhiteNoise's and Django's runserver, which its own runserver wraps
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "projects",
    "messaging",
    "notifications",
    "cms_sync",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "hona.middleware.LeanWebhookMiddleware",  # Twilio's webhooks need none of the rest
    "csp.middleware.CSPMiddleware",  # outside the rest, so even their early answers carry it
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "hona.middleware.OrganizationTimezoneMiddleware",
    "hona.middleware.FirmWorkspaceMiddleware",
]

ROOT_URLCONF = "hona.urls"
WSGI_APPLICATION = "hona.wsgi.application"
ASGI_APPLICATION = "hona.asgi.application"

# Live updates (hona.live): server-sent events; pages poll only while their stream is down.
LIVE_POLL_SECONDS = env.integer("LIVE_POLL_SECONDS", default=30, minimum=5)
LIVE_HEARTBEAT_SECONDS = env.integer("LIVE_HEARTBEAT_SECONDS", default=25, minimum=1)

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
                "hona.context_processors.shell",
                "hona.context_processors.live",
                "notifications.context_processors.unread_badge",
            ],
            "builtins": ["hona.templatetags.icons"],  # {% icon "chat" 16 %} on every page
        },
    },
]

# Database: SQLite file by default, PostgreSQL (psycopg 3) when DATABASE_URL says so.
DATABASE_URL = env.string("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL we understand: {exc}") from exc
if _db["ENGINE"] not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL or SQLite.")
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Persistent connections only help a server; SQLite opens a file, in a folder that must exist.
    Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    # Tests get a file too, not SQLite's shared in-memory database: there the browser tests' live
    # server threads and the page's own polling share one connection and collide ("database
    # table is locked"); with a file each thread has its own connection and waits its turn. One
    # file per test run, in the temporary folder, so two runs never share one.
    _db["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"hona-test-{os.getpid()}.sqlite3")}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: the Celery broker and the cache. Without it, tasks run in-process and the cache is local.
REDIS_URL = env.url("REDIS_URL", default=None, schemes=["redis", "rediss", "unix"])
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # `make test` runs two test workers
if (
    REDIS_URL
    and REDIS_URL.startswith("redis")
    and _XDIST_WORKER.startswith("gw")
    and os.environ.get("HONA_REDIS_OF_WORKER") != _XDIST_WORKER
):
    # Each has its own PostgreSQL test database (pytest-django) and, from here, its own Redis
    # database: queues, rate limits and live channels (named by the number) never meet. The
    # processes a test starts (workers, gunicorn) inherit both variables, so they land on the
    # same database and never move it again.
    _redis = urlsplit(REDIS_URL)
    # gw0 takes the next number up, gw1 the one after: the given database is left to the pass
    # of `worker` tests that follows (`make test`), with nothing the others left behind.
    _number = (int(_redis.path.strip("/") or 0) + 1 + int(_XDIST_WORKER[2:])) % 16
    REDIS_URL = _redis._replace(path=f"/{_number}").geturl()
    os.environ["REDIS_URL"] = REDIS_URL
    os.environ["HONA_REDIS_OF_WORKER"] = _XDIST_WORKER
# A Redis that stops answering without closing the connection (a hung process, a lost route)
# must not hold a request: every call gives up after a few seconds and the caller carries on
# (rate limits fail open, tasks are left to the sweepers), and a publish is tried twice at most.
_REDIS_TIMEOUTS = {"socket_timeout": 2, "socket_connect_timeout": 2}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hona",
            "OPTIONS": _REDIS_TIMEOUTS,
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
# In-process tasks retry like a worker would (Celery re-runs them at once); a task that fails for
# good is logged, as a worker would, instead of breaking the web request that enqueued it.
CELERY_TASK_EAGER_PROPAGATES = False
# One queue per kind of work (hona.queues): "sms", "email", "cms" and "default", each with its own
# workers, so no kind of work waits behind another. The prefix keeps deployments (and test runs)
# that share one Redis apart.
CELERY_QUEUE_PREFIX = env.string("CELERY_QUEUE_PREFIX", default="")
CELERY_TASK_ROUTES = ["hona.queues.route_task"]
CELERY_TASK_DEFAULT_QUEUE = f"{CELERY_QUEUE_PREFIX}default"
# A worker started without -Q (`make worker`) reads every queue. Each queue has its own exchange
# and routing key, as Celery makes them for a queue it creates, so a task lands in one queue only.
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name) for name in queues.all_queues(CELERY_QUEUE_PREFIX)
]
CELERY_BEAT_SCHEDULE = {
    # Messages stuck in queued or sending: re-sent, or their status asked of Twilio.
    "reconcile-messages": {"task": "messaging.tasks.reconcile_messages", "schedule": 60.0},
    # Scheduled messages that are due: sent within a minute of their time, each once.
    "send-due-messages": {"task": "messaging.tasks.send_due_messages", "schedule": 30.0},
    # Filings whose task was lost (a worker killed mid-task) go back to the queue.
    "requeue-stale-filings": {"task": "cms_sync.tasks.requeue_stale_entries", "schedule": 120.0},
    # Documents from the case whose fetch was lost: the message waits for them until then.
    "requeue-stale-documents": {
        "task": "cms_sync.tasks.requeue_stale_documents",
        "schedule": 300.0,
    },
    # Evidence exports whose task was lost: prepared after all.
    "requeue-stale-exports": {"task": "messaging.tasks.requeue_stale_exports", "schedule": 300.0},
    # Alert emails and notice emails whose task never ran (the broker was down at the time).
    "sweep-alerts": {"task": "notifications.tasks.sweep_alerts", "schedule": 120.0},
    # Daily and weekly digests, each at its owner's chosen time in the firm's time zone.
    "send-due-digests": {"task": "notifications.tasks.send_due_digests", "schedule": 300.0},
}
# Fairness (README "Queues and workers"): each worker process reserves one task at a time, so a
# task never waits behind a slow one held by a busy process while another is idle; a task is
# acknowledged after it ran, and one whose worker died goes back to its queue. (A task waiting for
# its countdown is held by the worker apart from this one: it takes no process.)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, **_REDIS_TIMEOUTS}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}

AUTH_USER_MODEL = "hona.User"
AUTHENTICATION_BACKENDS = ["hona.backends.OrganizationModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Sign-in security (issue #10): lockout after failed passwords (django-axes), throttled password
# resets, two-factor sign-in (django-otp). Everything for it is in this block.
INSTALLED_APPS += [
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
# django-otp tells, right after the user is loaded, whether this session passed a second factor;
# the policy middleware then sends those who must pass one (hona/two_factor.py) to do so.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.append("hona.two_factor.TwoFactorMiddleware")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last, as axes asks: it answers lockouts
# Axes first: it refuses a locked-out username + address before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", *AUTHENTICATION_BACKENDS]

SIGN_IN_FAILURE_LIMIT = env.integer("SIGN_IN_FAILURE_LIMIT", default=5, minimum=1)
SIGN_IN_LOCKOUT_MINUTES = env.integer("SIGN_IN_LOCKOUT_MINUTES", default=15, minimum=1)
AXES_FAILURE_LIMIT = SIGN_IN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=SIGN_IN_LOCKOUT_MINUTES)
# Locking the username alone would let anyone lock a colleague out; the address alone would
# lock a whole office behind one NAT. The pair stops guessing without either.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The same client address as every other rate limit in the app (hona.throttle.client_ip).
AXES_CLIENT_IP_CALLABLE = "hona.signin_views.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "hona.signin_views.locked_out"
AXES_RESET_ON_SUCCESS = True

# Password reset emails per address and per client address, each per hour.
PASSWORD_RESET_LIMIT_PER_EMAIL = env.integer("PASSWORD_RESET_LIMIT_PER_EMAIL", default=3, minimum=1)
PASSWORD_RESET_LIMIT_PER_IP = env.integer("PASSWORD_RESET_LIMIT_PER_IP", default=10, minimum=1)

# Firm admins and support pass a second factor before the admin site and the firm-admin pages.
# Always on in production; the `make run` demo (DJANGO_DEBUG=true) leaves it off unless asked.
TWO_FACTOR_REQUIRED_FOR_ADMINS = env.boolean("TWO_FACTOR_REQUIRED_FOR_ADMINS", default=not DEBUG)
if not DEBUG and not TWO_FACTOR_REQUIRED_FOR_ADMINS:
    raise ImproperlyConfigured(
        "TWO_FACTOR_REQUIRED_FOR_ADMINS can only be turned off with DJANGO_DEBUG=true."
    )
TWO_FACTOR_ADMIN_PATHS = ["/admin/", "/settings/integration/"]
OTP_TOTP_ISSUER = "Hona Messaging"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # support sees devices in the admin, never their secrets

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.timezone("DJANGO_TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.string("MEDIA_ROOT", str(VAR_DIR / "media")))
# Files (attachments, staff and portal uploads, CMS documents): on local disk under MEDIA_ROOT by
# default, or with STORAGE_BACKEND=s3 in a private S3-compatible bucket (hona/storage.py), so
# every web and worker host sees the same files. STORAGES["default"] is the one place that decides.
STORAGE_BACKEND = env.choice("STORAGE_BACKEND", ["local", "s3"], default="local")
STORAGES = {
    "default": file_storage(env),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Messages: at most 1600 characters (Twilio's limit for one message, SMS or MMS).
MESSAGE_MAX_LENGTH = 1600
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Files attached to a message, by staff and in the client portal alike (messaging/uploads.py):
# at most UPLOAD_MAX_FILES files, each at most UPLOAD_MAX_BYTES (PORTAL_UPLOAD_MAX_BYTES for
# clients), and at most UPLOAD_MAX_TOTAL_BYTES together: two files at the per-file limit, which
# bounds what one request can write to disk and file into the CMS. Files above
# FILE_UPLOAD_MAX_MEMORY_SIZE wait in FILE_UPLOAD_TEMP_DIR (the system's temporary directory
# unless set) instead of memory. UploadLimitHandler stops reading files as soon as a request is
# past these limits; past DATA_UPLOAD_MAX_NUMBER_FILES the request is refused outright (400).
UPLOAD_MAX_FILES = env.integer("UPLOAD_MAX_FILES", default=10, minimum=1)
UPLOAD_MAX_BYTES = env.integer("UPLOAD_MAX_BYTES", default=25 * 1024 * 1024, minimum=1024)
PORTAL_UPLOAD_MAX_BYTES = env.integer(
    "PORTAL_UPLOAD_MAX_BYTES", default=25 * 1024 * 1024, minimum=1024
)
UPLOAD_MAX_TOTAL_BYTES = env.integer(
    "UPLOAD_MAX_TOTAL_BYTES", default=50 * 1024 * 1024, minimum=1024
)
# Per contact, in the portal (twice as much per IP address, which several clients may share).
PORTAL_UPLOAD_FILES_PER_10_MINUTES = env.integer(
    "PORTAL_UPLOAD_FILES_PER_10_MINUTES", default=30, minimum=1
)
PORTAL_UPLOAD_BYTES_PER_HOUR = env.integer(
    "PORTAL_UPLOAD_BYTES_PER_HOUR", default=200 * 1024 * 1024, minimum=1024
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
FILE_UPLOAD_TEMP_DIR = env.optional("FILE_UPLOAD_TEMP_DIR")
DATA_UPLOAD_MAX_NUMBER_FILES = UPLOAD_MAX_FILES + 10
FILE_UPLOAD_HANDLERS = [
    "messaging.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# A text that Twilio could not hand to a switched-off phone (30003) is tried once more after this.
SMS_RETRY_DELAY_SECONDS = env.integer("SMS_RETRY_DELAY_SECONDS", default=300, minimum=0)

# Alerts to staff: messages a client sends within this many seconds share one email.
ALERT_COALESCE_SECONDS = env.integer("ALERT_COALESCE_SECONDS", default=120, minimum=0)

# Client portal: personal links expire after this many days (its uploads: see above).
PORTAL_LINK_MAX_AGE_DAYS = env.integer("PORTAL_LINK_MAX_AGE_DAYS", default=30, minimum=1)

# CMS filing: tokens and webhook secrets are encrypted at rest with these Fernet keys, newest
# first: the first encrypts, every one decrypts, so a new key can be put in front and
# `manage.py rotate_cms_keys` re-encrypts what is stored before the old one is dropped. They are
# independent of DJANGO_SECRET_KEY, so neither key's rotation touches the other's data.
CMS_ENCRYPTION_KEYS = env.fernet_keys("CMS_ENCRYPTION_KEYS")
if not CMS_ENCRYPTION_KEYS:
    if not is_loopback_host(PUBLIC_HOST):
        raise ImproperlyConfigured(
            "CMS_ENCRYPTION_KEYS must be set when PUBLIC_BASE_URL is not a loopback address. "
            'Generate a key with: python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"'
        )
    # This machine only, like the local secret key: never protects a real firm's tokens.
    CMS_ENCRYPTION_KEYS = ["bG9jYWwtb25seS1jbXMta2V5LW5vdC1mb3ItdXNlLSE="]
CLIO_BASE_URL = env.origin("CLIO_BASE_URL", default="https://app.clio.com")
CLIO_CLIENT_ID = env.string("CLIO_CLIENT_ID", default="")
CLIO_CLIENT_SECRET = env.string("CLIO_CLIENT_SECRET", default="")
CLIO_REQUESTS_PER_MINUTE = env.integer("CLIO_REQUESTS_PER_MINUTE", default=50, minimum=1)

# A firm's CMS webhook (issue #10, server-side request forgery): its URL must be https and resolve
# only to public internet addresses, checked when it is saved and again at each send. Plain http
# is accepted only with DEBUG on (a developer's machine), never from the environment.
# WEBHOOK_ALLOWED_PRIVATE_NETWORKS lists private networks deliberately allowed anyway, as CIDRs
# separated by commas (e.g. an on-premises CMS at 10.20.0.0/16); empty by default. Tests set it
# to 127.0.0.1/32 for their receiver on loopback.
WEBHOOK_ALLOW_PLAIN_HTTP = DEBUG
WEBHOOK_ALLOWED_PRIVATE_NETWORKS = env.strings("WEBHOOK_ALLOWED_PRIVATE_NETWORKS", default=[])
for _network in WEBHOOK_ALLOWED_PRIVATE_NETWORKS:
    try:
        _parsed = ipaddress.ip_network(_network)
    except ValueError:
        raise ImproperlyConfigured(
            "WEBHOOK_ALLOWED_PRIVATE_NETWORKS must list networks such as 10.20.0.0/16 "
            f"(host bits zero), not {_network!r}."
        ) from None
    if _parsed.prefixlen == 0:
        raise ImproperlyConfigured(
            f"WEBHOOK_ALLOWED_PRIVATE_NETWORKS cannot allow every address ({_network!r})."
        )

# SMS through Twilio, or printed to the console on a developer's machine.
SMS_BACKEND = env.choice("SMS_BACKEND", ["console", "twilio", "memory"], default="console")
TWILIO_ACCOUNT_SID = env.string("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.string("TWILIO_AUTH_TOKEN", default="")
TWILIO_API_BASE_URL = env.origin("TWILIO_API_BASE_URL", default="https://api.twilio.com")
# Lookup v2 (the line type before a number's first text) lives on a host of its own. Unset, it
# follows TWILIO_API_BASE_URL when that points elsewhere (a Twilio-compatible host serving both,
# like the tests' fake), and is Twilio's own otherwise.
TWILIO_LOOKUP_BASE_URL = env.origin(
    "TWILIO_LOOKUP_BASE_URL",
    default=(
        "https://lookups.twilio.com"
        if TWILIO_API_BASE_URL == "https://api.twilio.com"
        else TWILIO_API_BASE_URL
    ),
)
# Whether numbers are looked up before their first text (with SMS_BACKEND=twilio); a paid
# request (about $0.01), asked again when the number changes or the answer is this many days old.
TWILIO_LOOKUP = env.boolean("TWILIO_LOOKUP", default=True)
LINE_TYPE_MAX_AGE_DAYS = env.integer("LINE_TYPE_MAX_AGE_DAYS", default=365)
if DEBUG and not TWILIO_AUTH_TOKEN:
    # The phone simulator signs its webhooks like Twilio; on a developer's machine only.
    TWILIO_AUTH_TOKEN = "development-only-twilio-auth-token"  # noqa: S105 - not a secret
if SMS_BACKEND == "twilio" and not (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN):
    raise ImproperlyConfigured(
        "SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN to be set."
    )

# Email: Django's standard settings; by default each email is printed in short (hona/mail.py).
EMAIL_BACKEND = env.string("EMAIL_BACKEND", default="hona.mail.ConsoleEmailBackend")
EMAIL_HOST = env.string("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.integer("EMAIL_PORT", default=25, minimum=1)
EMAIL_HOST_USER = env.string("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.string("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.boolean("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.boolean("EMAIL_USE_SSL", default=False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true.")
EMAIL_TIMEOUT = env.integer("EMAIL_TIMEOUT", default=10, minimum=1)
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", default="Hona Messaging <messages@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: everything that only makes sense behind TLS follows PUBLIC_BASE_URL.
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if HTTPS and env.boolean("DJANGO_BEHIND_TLS_PROXY", default=True):
    # The proxy in front of gunicorn terminates TLS and says so in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies of ours stand in front of the app, each appending to X-Forwarded-For.
# Rate limits and sign-in lockouts key on the client's address, so the header is believed only
# that far: with the default 0 it is ignored, and a client cannot pick its own address.
TRUSTED_PROXY_COUNT = env.integer("TRUSTED_PROXY_COUNT", default=0, minimum=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): pages load and run only this origin's own files. No
# inline script or style and no eval (htmx's eval and injected styles are off in
# templates/includes/htmx.html), no plugins, no <base> tricks, forms post only here, and no page
# may be framed (frame-ancestors matches X_FRAME_OPTIONS). Views that need more say so themselves:
# the integration page lets its Connect Clio form go on to CLIO_BASE_URL, and the extension panel
# may be framed by Hona itself and HONA_EXTENSION_ORIGINS alone (cms_sync/views.py). A response
# that sets its own policy (a file: default-src 'none'; sandbox) keeps it; the middleware never
# overwrites one.
HONA_EXTENSION_ORIGINS = env.extension_origins("HONA_EXTENSION_ORIGINS")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_signed_links": {"()": "hona.logfilters.RedactSignedLinks"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_signed_links"],
        }
    },
    "root": {
        "handlers": ["console"],
        "level": env.choice("LOG_LEVEL", ["DEBUG", "INFO", "WARNING", "ERROR"], "INFO"),
    },
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        # Axes reports every sign-in at INFO; lockouts (WARNING) are what operators need.
        "axes": {"level": "WARNING"},
    },
}
