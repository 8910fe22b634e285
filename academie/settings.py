"""Settings of Messagerie académique.

Defaults are safe for a first run on a fresh machine (SQLite, local-memory cache, eager
Celery). Everything real comes from the environment. Production adds
``academie.settings_production`` on top of this module.

Each app has its own section below; keep app-specific settings inside its section.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_networks(name: str, default: str = "") -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(item, strict=False) for item in env_list(name, default)]


# ---------------------------------------------------------------------------
# Core
# ---------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
# A development key is only accepted when DEBUG is on or under tests; production must set one.
SECRET_KEY = env("SECRET_KEY") or "dev-insecure-key-only-for-local-runs-do-not-deploy-0123456789"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "widget_tweaks",
    "dsfr",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_celery_beat",
    "annuaire",
    "academie",
    "mail",
    "agenda",
    "helpdesk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "academie.middleware.ClientIPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "academie.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "academie.middleware.SessionTimeoutMiddleware",
    "academie.middleware.VerifiedSessionRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "academie.urls"
WSGI_APPLICATION = "academie.wsgi.application"
ASGI_APPLICATION = "academie.asgi.application"

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
                "csp.context_processors.nonce",
                "academie.context_processors.portal",
            ],
        },
    },
]

# ---------------------------------------------------------------------------
# Database: SQLite file by default, PostgreSQL through DATABASE_URL
# ---------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------------------
# Cache, rate limits, Celery broker: Redis through REDIS_URL, else local memory + eager
# ---------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "academie"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", REDIS_URL or "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = not bool(REDIS_URL) and not env("CELERY_BROKER_URL")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Europe/Paris"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# ---------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------
AUTH_USER_MODEL = "annuaire.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/connexion/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/connexion/"

# Networks whose users may remember a browser; outside them the code is asked every time.
ACADEMIE_TRUSTED_NETWORKS = env_networks("ACADEMIE_TRUSTED_NETWORKS", "127.0.0.0/8,::1/128")
# Reverse proxies whose X-Forwarded-For is believed (empty: REMOTE_ADDR is the client).
ACADEMIE_PROXY_NETWORKS = env_networks("ACADEMIE_PROXY_NETWORKS", "")

# django-axes: three failures lock the identifier (not the IP), no cool-off unless configured.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 3)
AXES_LOCKOUT_PARAMETERS = ["username"]
_cooloff_hours = env("AXES_COOLOFF_HOURS")
AXES_COOLOFF_TIME = float(_cooloff_hours) if _cooloff_hours else None
AXES_USERNAME_CALLABLE = "annuaire.identifiers.axes_username"
AXES_CLIENT_IP_CALLABLE = "academie.middleware.axes_client_ip"
AXES_LOCKOUT_URL = "/connexion/verrouille/"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_HTTP_RESPONSE_CODE = 403
# Deliberate: a whole school shares one NAT address, so lockout is by identifier only (DESIGN §3);
# per-IP floods are handled by django-ratelimit instead.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Sessions: idle and absolute timeouts (seconds)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_TIMEOUT", 10 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Rate limits: shared cache (Redis); see README "Rate limits" for the fail-open decision.
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "academie.middleware.ratelimit_ip"
RATELIMIT_FAIL_OPEN = env_bool("RATELIMIT_FAIL_OPEN", True)
RATELIMIT_VIEW = "academie.views.ratelimited"

# SMS gateway adapter: "console" in development, "http" in production.
SMS_GATEWAY = env("SMS_GATEWAY", "console")
SMS_HTTP_URL = env("SMS_HTTP_URL")
SMS_HTTP_TOKEN = env("SMS_HTTP_TOKEN")

# ---------------------------------------------------------------------------
# E-mail (notifications, alerts). SMTP_HOST set => real SMTP server; else console.
# ---------------------------------------------------------------------------
SMTP_HOST = env("SMTP_HOST")
SMTP_PORT = env_int("SMTP_PORT", 25)
if SMTP_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = SMTP_HOST
    EMAIL_PORT = SMTP_PORT
else:
    EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Messagerie académique <ne-pas-repondre@ac-nancy-metz.fr>")
ACADEMIE_MAIL_DOMAIN = env("ACADEMIE_MAIL_DOMAIN", "ac-nancy-metz.fr")

# ---------------------------------------------------------------------------
# Internationalisation: French first, English second
# ---------------------------------------------------------------------------
LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------------------
# Static files
# ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))

# ---------------------------------------------------------------------------
# Security headers
# ---------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}

# ===========================================================================
# App sections. Each app keeps its settings inside its own block.
# ===========================================================================

# --- academie (sign-in, security pages) ------------------------------------
ACADEMIE_REMEMBER_BROWSER_DAYS = env_int("ACADEMIE_REMEMBER_BROWSER_DAYS", 30)
ACADEMIE_OTP_FAILURE_LIMIT = env_int("ACADEMIE_OTP_FAILURE_LIMIT", 5)
ACADEMIE_HEALTH_CHECKS = ["academie.health.check_database", "academie.health.check_cache"]
ACADEMIE_REMEMBER_COOKIE_NAME = "academie_navigateur"
ACADEMIE_SMS_CODE_VALIDITY = env_int("ACADEMIE_SMS_CODE_VALIDITY", 300)  # seconds
ACADEMIE_REAUTH_SECONDS = 600  # device management needs the password re-entered within 10 minutes
# Rate limits on unauthenticated POSTs (django-ratelimit syntax), per client IP and per identifier.
ACADEMIE_RATELIMITS = {
    "login": {"ip": env("RATELIMIT_LOGIN_IP", "120/m"), "identifier": env("RATELIMIT_LOGIN_IDENTIFIER", "10/m")},
    "code": {"ip": env("RATELIMIT_CODE_IP", "120/m"), "identifier": env("RATELIMIT_CODE_IDENTIFIER", "10/m")},
    "reset": {"ip": env("RATELIMIT_RESET_IP", "30/h"), "identifier": env("RATELIMIT_RESET_IDENTIFIER", "5/h")},
}
AXES_LOCKOUT_CALLABLE = "academie.signin_views.lockout_response"
OTP_TOTP_ISSUER = "Académie de Nancy-Metz"
OTP_SMS_THROTTLE_FACTOR = 1
# end academie


# --- annuaire (directory) ----------------------------------------------------
# Search: candidate rows read from the prefix index for a single short word before ranking
# (DESIGN §4b); larger = better recall for one- or two-letter queries, slower autocomplete.
ANNUAIRE_SEARCH_CANDIDATES = env_int("ANNUAIRE_SEARCH_CANDIDATES", 600)
# CSV import: rows validated and written per batch (memory stays flat in the file size).
ANNUAIRE_IMPORT_BATCH_SIZE = env_int("ANNUAIRE_IMPORT_BATCH_SIZE", 2000)
# end annuaire


# --- mail (IMAP/SMTP proxy) --------------------------------------------------
IMAP_HOST = env("IMAP_HOST", "127.0.0.1")
IMAP_PORT = env_int("IMAP_PORT", 10143)
IMAP_SECURITY = env("IMAP_SECURITY", "none")  # none, starttls, ssl
IMAP_MASTER_USER = env("IMAP_MASTER_USER", "webmail")
IMAP_MASTER_PASSWORD = env("IMAP_MASTER_PASSWORD", "")
IMAP_TIMEOUT = float(env("IMAP_TIMEOUT", "10"))
SUBMISSION_HOST = env("SUBMISSION_HOST", "127.0.0.1")
SUBMISSION_PORT = env_int("SUBMISSION_PORT", 10025)
SPAMD_HOST = env("SPAMD_HOST", "127.0.0.1")
SPAMD_PORT = env_int("SPAMD_PORT", 10783)
ACADEMIE_HEALTH_CHECKS += ["mail.health.check_imap"]
# end mail


# --- agenda ------------------------------------------------------------------
# end agenda


# --- helpdesk ----------------------------------------------------------------
# Public form (/assistance/nouveau/) and status-link replies: django-ratelimit on the shared cache,
# per client IP (a whole school may share one address) and per normalised identifier.
HELPDESK_RATE_PUBLIC_IP = env("HELPDESK_RATE_PUBLIC_IP", "20/h")
HELPDESK_RATE_PUBLIC_IDENTIFIER = env("HELPDESK_RATE_PUBLIC_IDENTIFIER", "5/h")
HELPDESK_RATE_REPLY_IP = env("HELPDESK_RATE_REPLY_IP", "30/h")
# Longest description or reply accepted (characters); longer text is refused with a clear message.
HELPDESK_MAX_TEXT_LENGTH = env_int("HELPDESK_MAX_TEXT_LENGTH", 20000)
# Attachments: stored under MEDIA_ROOT/helpdesk/ with random names, served only through the app.
HELPDESK_ATTACHMENT_MAX_BYTES = env_int("HELPDESK_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)
HELPDESK_ATTACHMENTS_PER_MESSAGE = env_int("HELPDESK_ATTACHMENTS_PER_MESSAGE", 3)
# Absolute address used in e-mails (status links); empty: taken from the request.
HELPDESK_SITE_URL = env("HELPDESK_SITE_URL", "")
# Recent failed sign-in attempts shown in the account panel.
HELPDESK_RECENT_FAILURES = env_int("HELPDESK_RECENT_FAILURES", 10)
# end helpdesk
