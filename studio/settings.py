"""Settings for Song Studio. Every value comes from the environment (see .env.example)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from studio.cache import caches_for
from studio.env import envbool, envfloat, envint, envlist, envstr, secret_file, secret_key_problem

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite cannot create its folder

DEBUG = envbool("DEBUG", True)
SECRET_KEY = envstr("SECRET_KEY", "dev-only-insecure-secret-key-change-me-in-production-0123456789")
if not DEBUG and (_key_problem := secret_key_problem(SECRET_KEY)):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(_key_problem)  # a public or short key signs sessions, media links, tokens
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
# Behind a TLS-terminating reverse proxy (nginx, Caddy): trust its X-Forwarded-Proto and -For headers.
# Only with a proxy that sets them itself (deploy/nginx/song-studio.conf): a client could send its own.
BEHIND_PROXY = envbool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- HTTPS (production: deploy/production.env.example turns all of these on) ---
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
# The studio reaches the built-in engine, and the engine the studio's upload links, over plain HTTP on
# the loopback address: those calls are never redirected to https.
SECURE_REDIRECT_EXEMPT = [r"^suno/", r"^sunoapi/", r"^u/"]
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", False)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
PORT = envint("PORT", 8000)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",  # naturaltime: "3 minutes ago" in the reader's language
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_q",
    "axes",
    "csp",
    "songs",
    "engine",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The page's language: the language cookie (set by the switcher, and at log-in from the person's
    # choice), else the browser's Accept-Language, else LANGUAGE_CODE. URLs carry no language prefix.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A logged-in person's own language choice (songs.models.UserLanguage) wins over the browser's.
    "songs.middleware.UserLanguageMiddleware",
    # Before any view (or the CSRF check) reads the body: refuses one that is too large, with 413.
    "studio.limits.RequestSizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "studio.urls"
WSGI_APPLICATION = "studio.wsgi.application"

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
                "songs.context_processors.gateway",
                "songs.context_processors.csp_nonce",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, poller) write at once: WAL, immediate
    # transactions and a long busy timeout keep "database is locked" away.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": envint("PASSWORD_MIN_LENGTH", 12)},  # ASVS 2.1.1
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out login before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login lockout (the studio's login page and the admin's; studio/lockout.py): wrong passwords are counted
# for one user name from one client network (an IPv4 address or an IPv6 /64), for the name from anywhere
# and for the network whatever the names; each count has its limit, and reaching any one refuses logins
# for LOGIN_LOCKOUT_MINUTES (the name's count refuses the name for everyone, so it is set higher).
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
LOGIN_USERNAME_FAILURE_LIMIT = envint("LOGIN_USERNAME_FAILURE_LIMIT", 20)
LOGIN_NETWORK_FAILURE_LIMIT = envint("LOGIN_NETWORK_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_HANDLER = "studio.lockout.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "songs.views.accounts.locked_out"
AXES_CLIENT_IP_CALLABLE = "studio.lockout.axes_client_network"
AXES_VERBOSE = False
# Sign-up: at most SIGNUP_RATE_LIMIT new accounts per client address per SIGNUP_RATE_WINDOW_MINUTES.
SIGNUP_RATE_LIMIT = envint("SIGNUP_RATE_LIMIT", 5)
SIGNUP_RATE_WINDOW_MINUTES = envint("SIGNUP_RATE_WINDOW_MINUTES", 60)
# Mail (password resets): with no EMAIL_HOST nothing is sent and "forgot your password" is not offered.
EMAIL_HOST = envstr("EMAIL_HOST", "")
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Song Studio <studio@localhost>")
PASSWORD_RESET_ENABLED = bool(EMAIL_HOST)
# Password reset requests per client network and per e-mail address, an hour.
PASSWORD_RESET_RATE_LIMIT = envint("PASSWORD_RESET_RATE_LIMIT", 5)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "songs:project_list"
LOGOUT_REDIRECT_URL = "login"

# --- Languages (docs/i18n.md): English and Simplified Chinese; catalogs in locale/, compiled by make ---
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["studio.formats"]  # the studio's English date format (studio/formats/en)
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # the switcher's choice outlives the session
# The language cookie is sent as the session cookie is: only over https in production, never to scripts.
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Media go through the storage API only (songs/media.py). With MEDIA_S3_BUCKET they live in an
# S3-compatible bucket (django-storages; credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the
# machine's role) shared by every machine, and are served by redirects to signed links valid
# MEDIA_URL_EXPIRY seconds. On the file system, MEDIA_ACCEL_REDIRECT (e.g. "/protected-media/") hands the
# bytes to a proxy in front (nginx X-Accel-Redirect, deploy/nginx.conf) once the view has checked access.
MEDIA_S3_BUCKET = envstr("MEDIA_S3_BUCKET", "")
MEDIA_URL_EXPIRY = envint("MEDIA_URL_EXPIRY", 300)
MEDIA_ACCEL_REDIRECT = envstr("MEDIA_ACCEL_REDIRECT", "")
# Where files are made before they are stored (downloads, WAVs, upload checks): local, never served.
MEDIA_WORK_DIR = Path(envstr("MEDIA_WORK_DIR", str(VAR_DIR / "media-work")))
if MEDIA_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "location": envstr("MEDIA_S3_PREFIX", ""),
            "endpoint_url": envstr("AWS_S3_ENDPOINT_URL", "") or None,
            "region_name": envstr("AWS_S3_REGION_NAME", "") or None,
            "querystring_auth": True,
            "querystring_expire": MEDIA_URL_EXPIRY,
            "file_overwrite": True,
            "default_acl": None,
            "signature_version": "s3v4",
        },
    }
# Uploaded audio can be large; anything above this goes to a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- The Suno gateway -------------------------------------------------------
SUNO_BASE_URL = envstr("SUNO_BASE_URL", "").rstrip("/")
SUNO_API_KEY = envstr("SUNO_API_KEY", "")
# The built-in engine speaks both formats; v2 is the one that carries stems, covers, personas and
# Replace section, so it is the default there. A remote gateway defaults to the task format that every
# relay (stock new-api included) carries.
SUNO_API_FORMAT = envstr("SUNO_API_FORMAT", "") or ("task" if SUNO_BASE_URL else "v2")
# Checked against the families the studio speaks (songs/gateway/families.py) when the app starts.
# The built-in engine's key: SUNO_API_KEY when the engine is the gateway and one is given, otherwise a
# random secret kept beside the database (ENGINE_KEY_FILE, made 0600 on first use), so a real gateway's
# key is never the engine's. Never derived from SECRET_KEY: the development one is public.
ENGINE_KEY_FILE = Path(envstr("ENGINE_KEY_FILE", str(VAR_DIR / "engine.key")))
ENGINE_API_KEY = (SUNO_API_KEY if not SUNO_BASE_URL else "") or secret_file(ENGINE_KEY_FILE)
# `make run` (runstudio) gives the engine a web server of its own on ENGINE_PORT (engine/wsgi.py: the
# gateway's endpoints and media only), whether or not a real gateway is configured. With ENGINE_PORT unset
# (a single gunicorn, the test server) the studio's own server answers the engine's paths, and only when
# the engine is the gateway (studio/urls.py).
ENGINE_PORT = envint("ENGINE_PORT", 0)
# Where the studio reaches its built-in engine, and where the engine reaches the studio's own web
# server (the upload links it fetches), both on this machine.
ENGINE_URL = f"http://127.0.0.1:{ENGINE_PORT or PORT}"
STUDIO_URL = f"http://127.0.0.1:{PORT}"
# What the studio actually talks to: the configured gateway, or the built-in engine over real HTTP.
SUNO_GATEWAY_URL = SUNO_BASE_URL or ENGINE_URL
SUNO_GATEWAY_KEY = SUNO_API_KEY or ENGINE_API_KEY
# Sketches: with a real gateway, the built-in engine (its own web server beside it, started by `make run`)
# sings the Create form's lyrics at 0 credits, so people hear them before spending any. Each destination has
# its own client (songs.gateway.get_gateway(sketch=True)); a sketch never reaches the real gateway.
SKETCH_ENABLED = envbool("SKETCH_ENABLED", True)
SKETCH_GATEWAY_URL = f"http://127.0.0.1:{ENGINE_PORT or PORT + 1}" if SUNO_BASE_URL else ""
SKETCH_GATEWAY_KEY = ENGINE_API_KEY if SUNO_BASE_URL else ""
SUNO_CONNECT_TIMEOUT = envfloat("SUNO_CONNECT_TIMEOUT", 5.0)
SUNO_READ_TIMEOUT = envfloat("SUNO_READ_TIMEOUT", 30.0)
# Which models this deployment offers, oldest first (empty: every model in songs/catalog.py), and the
# default (empty or not offered: the newest offered one). A model the table lacks gets the newest limits.
SUNO_MODELS = envlist("SUNO_MODELS", "")
SUNO_DEFAULT_MODEL = envstr("SUNO_DEFAULT_MODEL", "")
# Features the gateway offers (concat, upload, infill, negative_tags, video); empty: the format's own
# list. Whatever the gateway answers that it lacks is learnt and hidden until staff re-check it.
SUNO_FEATURES = envlist("SUNO_FEATURES", "")
# Origins besides the gateway's own that its media links may point at on a private network (e.g. a
# relay's upstream in the same data centre); anything else must be on the public internet.
SUNO_MEDIA_ORIGINS = envlist("SUNO_MEDIA_ORIGINS", "")

# --- Credits ---
# Daily credits of a team made by a user (personal teams get the model's 1000). 0: staff must raise
# it first, so making teams does not multiply anyone's allowance.
NEW_TEAM_DAILY_CREDITS = envint("NEW_TEAM_DAILY_CREDITS", 0)
# Boost costs no credits but each is an upstream call: at most this many per person and per team in
# the window (songs/services/boost.py); past it, the Boost button says to try again later.
BOOST_RATE_LIMIT = envint("BOOST_RATE_LIMIT", 30)
BOOST_TEAM_RATE_LIMIT = envint("BOOST_TEAM_RATE_LIMIT", 100)
BOOST_RATE_WINDOW_MINUTES = envint("BOOST_RATE_WINDOW_MINUTES", 60)
# What each action costs (songs.catalog.COSTS reads these). A song, a cover and each stems request are
# one generation; a whole song (and stitching a replaced section back) is free, as at Suno; a persona
# costs what the reseller charges "to prevent abuse"; a style boost is never charged.
CREDIT_COSTS = {
    "MUSIC": envint("CREDIT_COST_SONG", 10),
    "LYRICS": envint("CREDIT_COST_LYRICS", 1),
    "CONCAT": envint("CREDIT_COST_WHOLE_SONG", 0),
    "UPLOAD": envint("CREDIT_COST_UPLOAD", 10),
    "PERSONA": envint("CREDIT_COST_PERSONA", 100),
    # The gateway's own WAV or a music video of a clip (sunoapi's wav/generate and mp4/generate).
    "RENDER": envint("CREDIT_COST_RENDER", 1),
}

# --- Background work --------------------------------------------------------
# A task the gateway makes no progress on for this long fails (credits back); one still in the gateway's
# queue waits up to TASK_QUEUED_TIMEOUT_MINUTES; a timed-out task is still asked about for TASK_LATE_HOURS
# and a result that arrives then is taken (and counts again).
TASK_TIMEOUT_MINUTES = envint("TASK_TIMEOUT_MINUTES", 15)
TASK_QUEUED_TIMEOUT_MINUTES = envint("TASK_QUEUED_TIMEOUT_MINUTES", 240)
TASK_LATE_HOURS = envint("TASK_LATE_HOURS", 24)
# Tasks claimed per poll batch; each format then fetches them in as few requests as its gateway accepts
# (songs/gateway: 500 ids a batch fetch, ~7 KB of feed query, one sunoapi record-info a task).
POLL_BATCH_SIZE = envint("POLL_BATCH_SIZE", 200)
# A poll cycle stops claiming new batches after this many seconds (the rest wait for the next cycle).
POLL_CYCLE_SECONDS = envfloat("POLL_CYCLE_SECONDS", 10.0)
SUBMIT_MAX_ATTEMPTS = envint("SUBMIT_MAX_ATTEMPTS", 5)
MEDIA_MAX_ATTEMPTS = envint("MEDIA_MAX_ATTEMPTS", 5)
# A download claimed this long ago whose job is neither waiting in the queue nor done is queued again (a
# worker died with it: Redis does not hand a lost job out again). Longer than a download takes.
MEDIA_LEASE_SECONDS = envint("MEDIA_LEASE_SECONDS", 120)
MEDIA_MAX_BYTES = envint("MEDIA_MAX_BYTES", 200 * 1024 * 1024)

Q_CLUSTER = {
    "name": "studio",
    "workers": envint("Q_WORKERS", 2),
    # A job still running after Q_TIMEOUT seconds is stopped; one whose worker died is handed out again
    # after Q_RETRY seconds (more than the timeout). The crash drill shortens both.
    "timeout": envint("Q_TIMEOUT", 60),
    "retry": envint("Q_RETRY", 90),
    "max_attempts": 3,
    "ack_failures": True,
    "catch_up": False,
    # How long the worker rests when the database broker's queue is empty (Redis wakes it at once): a
    # woken task's fetch and then its copies each wait up to this for a worker. The price is a read of the
    # queue table each time (on SQLite a new connection too): idle, 2% of a core at 0.2 s, 3.5% at 0.1 s,
    # 6% at 0.05 s.
    "poll": envfloat("Q_POLL", 0.1),
    "orm": "default",
}
REDIS_URL = envstr("REDIS_URL", "")
if REDIS_URL:
    Q_CLUSTER.pop("orm")
    # A Redis that is down or unreachable must not hold a web request: connecting gives up after 2 s and
    # a command after 5 s (the worker's blocking read waits 1 s), then the request is saved and the poll
    # cycle queues its job once Redis is back. Timeouts already in REDIS_URL are kept.
    _redis_defaults = {"socket_connect_timeout": "2", "socket_timeout": "5"}
    _redis_extra = "&".join(f"{k}={v}" for k, v in _redis_defaults.items() if f"{k}=" not in REDIS_URL)
    _redis_join = "&" if "?" in REDIS_URL else "?"
    Q_CLUSTER["redis"] = REDIS_URL + (_redis_join + _redis_extra if _redis_extra else "")
# A render holds its task this long (engine/jobs/leases.py): longer than Q_TIMEOUT, which stops a live
# render, and shorter than Q_RETRY, after which a job whose worker died is handed out again and must
# find the lease run out. Lost jobs the broker never hands out again are queued again when read.
ENGINE_RENDER_LEASE = envint("ENGINE_RENDER_LEASE", (Q_CLUSTER["timeout"] + Q_CLUSTER["retry"]) // 2)
# The built-in engine's renders and videos run on a queue of their own (its worker: Q_CLUSTER_NAME=engine
# manage.py qcluster, started by runstudio), so the studio's jobs never wait behind them.
ENGINE_QUEUE = "engine"
# (A stand-in for a remote gateway: nobody waits on its queue by the 50 ms, so it reads it less often.)
Q_CLUSTER["ALT_CLUSTERS"] = {ENGINE_QUEUE: {"workers": envint("ENGINE_WORKERS", 1), "poll": 0.2}}

# --- Operations: /health/ and /metrics (songs/health.py, songs/metrics.py, songs/views/ops.py) ---------
INSTALLED_APPS += ["health_check"]  # its page template
# Web, worker and poller are separate processes; prometheus-client adds up what each recorded through
# files in this folder. The library reads the variable when it is first imported (django-q2 imports it
# while apps load), so it is set here, before anything else runs. Empty: one process's own numbers.
METRICS_DIR = envstr("PROMETHEUS_MULTIPROC_DIR", str(VAR_DIR / "metrics"))
if METRICS_DIR:
    import os

    Path(METRICS_DIR).mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = METRICS_DIR
# /metrics answers these client addresses or networks (never one that came through a proxy), staff, and
# "Authorization: Bearer <METRICS_TOKEN>" when a token is set.
METRICS_ALLOWED_IPS = envlist("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
METRICS_TOKEN = envstr("METRICS_TOKEN", "")
# /health/ is unhealthy when the poller loop's last cycle is older than this (0: not checked), when the
# gateway does not answer within HEALTH_GATEWAY_TIMEOUT seconds, or (when set) the queue is longer.
HEALTH_POLLER_MAX_AGE = envint("HEALTH_POLLER_MAX_AGE", 60)
HEALTH_GATEWAY_TIMEOUT = envfloat("HEALTH_GATEWAY_TIMEOUT", 3.0)
# The gateway probe's verdict is kept this long (every process shares it): callers of /health/, anyone,
# cannot make the studio probe the gateway more often than this. 0: a probe for every call.
HEALTH_GATEWAY_CACHE_SECONDS = envint("HEALTH_GATEWAY_CACHE_SECONDS", 15)
HEALTH_QUEUE_MAX = envint("HEALTH_QUEUE_MAX", 0)
# `make run`'s supervisor writes which of its processes run here; /health/ and /metrics read it. A file
# older than SUPERVISOR_STATUS_MAX_AGE seconds means the supervisor itself stopped (a stopped studio
# removes it; with systemd there is none and the check passes).
SUPERVISOR_STATUS_FILE = envstr("SUPERVISOR_STATUS_FILE", str(VAR_DIR / "supervisor.json"))
SUPERVISOR_STATUS_MAX_AGE = envint("SUPERVISOR_STATUS_MAX_AGE", 15)
# What every process shares (the poller's heartbeat, WAV job keys, the gateway probe's verdict, Boost
# counts) is in the "ops" cache: Redis when REDIS_URL is set (several machines), files beside the database
# otherwise, and those files too while Redis does not answer (studio/cache.py). "default" stays Django's own.
CACHES = caches_for(REDIS_URL, VAR_DIR)
# Sessions live in the database only (one indexed read per request): a log-out ends the session in every
# process at once, and no page depends on Redis (issue 19 item 1, issue 20 item 1).
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Built-in engine ---------------------------------------------------------
ENGINE_PACE = envfloat("ENGINE_PACE", 1.0)  # seconds per lifecycle stage
ENGINE_MAX_SECONDS = envfloat("ENGINE_MAX_SECONDS", 480.0)  # longest clip it renders (each model: less)
# How long the media links the engine hands out stay valid (seconds), like a CDN's signed links. They are
# bearer links a viewer's browser holds while a clip streams, so short: the studio copies a clip's media
# within seconds of its completion (rounded up to the hour: valid 1-2 h).
ENGINE_MEDIA_TTL = envint("ENGINE_MEDIA_TTL", 3600)
# The engine's folder inside MEDIA_ROOT (<clip id>.<kind>); the studio reads it only to delete a
# deleted project's clips there, as it cannot import the engine.
ENGINE_MEDIA_SUBDIR = "engine"
ENGINE_FAIL_RATE = envfloat("ENGINE_FAIL_RATE", 0.0)  # share of tasks that fail (reliability drills)
# Private addresses the engine may fetch audio from and call back (besides the studio's own upload links):
# it reaches any public address, as a real gateway does, and refuses private ones unless listed here.
# Entries: an address or network, with an optional port: "10.1.2.3", "10.0.0.0/8", "127.0.0.1:8123".
ENGINE_FETCH_ALLOW = envlist("ENGINE_FETCH_ALLOW", "")
# More reliability drills (engine/api/drills.py and engine/jobs/lifecycle.py): API errors, malformed
# answers, latency, tasks that never finish.
ENGINE_ERROR_RATE = envfloat("ENGINE_ERROR_RATE", 0.0)
ENGINE_MALFORMED_RATE = envfloat("ENGINE_MALFORMED_RATE", 0.0)
ENGINE_LATENCY = envfloat("ENGINE_LATENCY", 0.0)
ENGINE_STUCK_RATE = envfloat("ENGINE_STUCK_RATE", 0.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Signed links and tokens in paths or query strings are cut out of every line (studio/logredact.py).
    "filters": {"redact": {"()": "studio.logredact.RedactFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # Only the studio's console handler (Django's own one, in DEBUG, would print lines unredacted).
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # one line per login otherwise
    },
}

# --- Uploads -----------------------------------------------------------------
# The address a remote gateway can reach this studio at (for uploaded audio); the built-in
# engine needs none. Example: https://studio.example.com
PUBLIC_BASE_URL = envstr("PUBLIC_BASE_URL", "").rstrip("/")
# Callbacks: with PUBLIC_BASE_URL set, each request to a gateway that calls back (sunoapi/kie callBackUrl,
# the task format's notify_hook, ...) carries an unguessable address under it; a call there only wakes the
# task for an immediate fetch (docs/protocol.md, "Callbacks"). SUNO_CALLBACKS=0 turns them off.
SUNO_CALLBACKS = envbool("SUNO_CALLBACKS", True)
# kie.ai's webhookHmacKey (its settings page): when set, a callback without a valid X-Webhook-Signature
# is refused.
SUNO_WEBHOOK_HMAC_KEY = envstr("SUNO_WEBHOOK_HMAC_KEY", "")
# How long a signed callback's X-Webhook-Timestamp stays acceptable (seconds, either way).
SUNO_WEBHOOK_MAX_SKEW = envint("SUNO_WEBHOOK_MAX_SKEW", 600)
UPLOAD_MAX_BYTES = envint("UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
UPLOAD_MAX_SECONDS = envint("UPLOAD_MAX_SECONDS", 8 * 60)
# How long the link offered to the gateway for fetching an upload stays valid.
UPLOAD_LINK_MAX_AGE = envint("UPLOAD_LINK_MAX_AGE", 2 * 24 * 3600)
# Request bodies: a logged-in person's may hold an upload (and the form around it); anyone else's is a
# form at most. Larger ones are refused (413) before they are read, so never written to a temp file.
REQUEST_MAX_BYTES = envint("REQUEST_MAX_BYTES", UPLOAD_MAX_BYTES + 1024 * 1024)
ANONYMOUS_REQUEST_MAX_BYTES = envint("ANONYMOUS_REQUEST_MAX_BYTES", 1024 * 1024)
# Where those links live (songs/urls.py). The built-in engine reads it too: of the private addresses it
# fetches only links under this path on the studio's own addresses (STUDIO_URL, PUBLIC_BASE_URL).
UPLOAD_LINK_PATH = "/u/"

# --- Content-Security-Policy (django-csp 4) ------------------------------------------------------------
# Scripts only from this site (htmx's tag carries the page's nonce); no inline scripts, handlers or style
# attributes anywhere (static/js/studio.js does the little there is). Players and covers also load the
# gateway's stream and cover links until the studio has its own copy: its origin, and CSP_MEDIA_SOURCES
# (default https:, as a gateway's CDN host is not known in advance).
_GATEWAY_ORIGIN = "/".join(SUNO_GATEWAY_URL.split("/", 3)[:3])
# The built-in engine's streams too (ENGINE_URL), which may serve beside a real gateway.
_MEDIA_SOURCES = [SELF, _GATEWAY_ORIGIN, ENGINE_URL, *envlist("CSP_MEDIA_SOURCES", "https:")]
_MEDIA_SOURCES = list(dict.fromkeys(_MEDIA_SOURCES))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [*_MEDIA_SOURCES, "data:"],
        "media-src": _MEDIA_SOURCES,
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
