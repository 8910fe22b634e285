"""Settings for the test suite: real PostgreSQL and Redis (already running on CI machines)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/messagerie")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("CACHE_KEY_PREFIX", "academie-test")

from academie.settings import *  # noqa: E402, F403

# Unit tests that call .delay() run eagerly; tests that exercise jobs start a real worker.
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
