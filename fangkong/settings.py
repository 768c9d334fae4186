"""Settings, read from the environment.

SQLite under var/ by default; PostgreSQL when DATABASE_URL is set.
FANGKONG_PRODUCTION=1 turns on the production checks in fangkong.core.checks.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("FANGKONG_DATA_DIR", PROJECT_DIR / "var"))
PRODUCTION = env_bool("FANGKONG_PRODUCTION")
DEFAULT_SECRET_KEY = "fangkong-insecure-development-key-change-me"
SECRET_KEY = os.environ.get("FANGKONG_SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("FANGKONG_DEBUG", default=not PRODUCTION)
# The demo city (make demo): the residents' sign-in page also shows the one-time code, as there is no SMS gateway.
FANGKONG_DEMO = env_bool("FANGKONG_DEMO")
ALLOWED_HOSTS = env_list("FANGKONG_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("FANGKONG_CSRF_TRUSTED_ORIGINS")

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
    "axes",
    "django_tasks",
    "django_tasks_db",
    "fangkong.core",
    "fangkong.territory",
    "fangkong.accounts",
    "fangkong.audit",
    "fangkong.people",
    "fangkong.tasks",
    "fangkong.protocols",
    "fangkong.risk",
    "fangkong.workforce",
    "fangkong.arrivals",
    "fangkong.testing",
    "fangkong.tracing",
    "fangkong.isolation",
    "fangkong.supervision",
    "fangkong.supplies",
    "fangkong.notify",
    "fangkong.residents",
    "fangkong.exports",
    "fangkong.interop",
    "fangkong.vaccination",
    "fangkong.units",
    "fangkong.passes",
    "fangkong.notices",
    "fangkong.command",
    "fangkong.ops",
    "fangkong.demo",
]

MIDDLEWARE = [
    "fangkong.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "fangkong.core.middleware.HealthCheckMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fangkong.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "fangkong.core.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "fangkong.urls"
WSGI_APPLICATION = "fangkong.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

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
                "fangkong.core.context_processors.navigation",
            ],
        },
    }
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("FANGKONG_SQLITE_PATH", str(DATA_DIR / "fangkong.sqlite3")),
            "OPTIONS": {
                # IMMEDIATE avoids "database is locked" upgrades when web and worker write at once.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA cache_size=-64000; PRAGMA temp_store=MEMORY;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login lockout: five failures lock the username (from any address) for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("FANGKONG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# A command HQ sits behind one NAT address: locking by address would lock out the whole office.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("FANGKONG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("FANGKONG_STATIC_ROOT", PROJECT_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = DATA_DIR / "media"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Load balancers probe over plain HTTP, often by IP: fangkong.core.middleware.HealthCheckMiddleware answers these
# before the Host check, and they are never redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^ops/readyz$"]
# /readyz answers 503 for a silent worker only when asked (?worker=1) or when this is on (a single-server set-up
# whose monitoring watches the balancer): a dead worker must not take every web server out of the balancer.
OPS_READYZ_REQUIRES_WORKER = env_bool("FANGKONG_READYZ_REQUIRES_WORKER")
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("FANGKONG_HSTS_SECONDS", "31536000"))
    SECURE_SSL_REDIRECT = env_bool("FANGKONG_SSL_REDIRECT", True)

LOG_JSON = env_bool("FANGKONG_LOG_JSON")
# Every handler masks ID numbers and phones (fangkong.core.logging); Django's own loggers are routed through
# them instead of Django's default handlers, which do not.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request": {"()": "fangkong.core.logging.RequestContextFilter"},
        "mask": {"()": "fangkong.core.logging.MaskPersonalDataFilter"},
    },
    "formatters": {
        "json": {"()": "fangkong.core.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s u=%(user_id)s s=%(scope_unit)s] "
                            "%(message)s"},
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                          "style": "{"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask", "request"],
            "formatter": "json" if LOG_JSON else "plain",
        },
        # runserver's access lines: `GET /people/?q=…` would otherwise print the search.
        "django.server": {"class": "logging.StreamHandler", "filters": ["mask"], "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("FANGKONG_LOG_LEVEL", "INFO")},
    # WeasyPrint and fontTools log every rendering step at INFO: a report would fill the log.
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True},
                "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
                "django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"},
                "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"},
                # httpx logs every request at INFO: every text message sent would be a line.
                "httpx": {"level": "WARNING"}},
}

# Masked values shown in lists: keep this many leading and trailing characters.
MASK_ID_KEEP = (3, 4)
MASK_PHONE_KEEP = (3, 4)

# Background work (fangkong.ops)
OPS_DAILY_REPORT_AT = os.environ.get("FANGKONG_DAILY_REPORT_AT", "07:00")
OPS_WORKER_HEARTBEAT_MAX_AGE = int(os.environ.get("FANGKONG_WORKER_HEARTBEAT_MAX_AGE", "60"))
OPS_RETRY_BASE_SECONDS = 30
OPS_KEEP_SUCCEEDED_DAYS = int(os.environ.get("FANGKONG_KEEP_SUCCEEDED_DAYS", "7"))
# PIPL: days after release from every measure before `fangkong retention --apply` anonymises a person.
WORKFORCE_MAX_SHIFT_HOURS = int(os.environ.get("FANGKONG_MAX_SHIFT_HOURS", "12"))  # 劳逸结合
# 应检尽检: a running round this many hours old gives every building with people still unsampled a task.
TESTING_SWEEP_AFTER_HOURS = float(os.environ.get("FANGKONG_TESTING_SWEEP_AFTER_HOURS", "4"))
PEOPLE_RETENTION_DAYS = int(os.environ.get("FANGKONG_RETENTION_DAYS", "180"))

# Outgoing messages (fangkong.notify). With no backend named: the SMS gateway when its URL is set, else the console.
NOTIFY_BACKEND = os.environ.get("FANGKONG_NOTIFY_BACKEND", "")
NOTIFY_SMS_URL = os.environ.get("FANGKONG_NOTIFY_SMS_URL", "")
NOTIFY_SMS_SECRET = os.environ.get("FANGKONG_NOTIFY_SMS_SECRET", "")
NOTIFY_SMS_TIMEOUT = float(os.environ.get("FANGKONG_NOTIFY_SMS_TIMEOUT", "5"))
NOTIFY_FILE_DIR = DATA_DIR / "notify"
NOTIFY_QUIET_HOURS = os.environ.get("FANGKONG_NOTIFY_QUIET_HOURS", "22:00-07:00")
NOTIFY_RATE_PER_HOUR = int(os.environ.get("FANGKONG_NOTIFY_RATE_PER_HOUR", "5"))
