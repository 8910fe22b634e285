"""Production settings: the defaults of ``academie.settings`` plus what a real deployment needs.

Use with ``DJANGO_SETTINGS_MODULE=academie.settings_production``. SECRET_KEY, ALLOWED_HOSTS,
DATABASE_URL and REDIS_URL must come from the environment.
"""

from academie.settings import *  # noqa: F403
from academie.settings import env, env_int

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set in production.")

SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
SMS_GATEWAY = env("SMS_GATEWAY", "http")
