"""Health checks for ``/sante/``. Each check returns ``(ok, detail)``; apps add theirs to
``settings.ACADEMIE_HEALTH_CHECKS``."""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import connection
from django.utils.module_loading import import_string


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, connection.vendor
    except Exception as exc:  # noqa: BLE001 - any failure is "down"
        return False, type(exc).__name__


def check_cache() -> tuple[bool, str]:
    key = f"health:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", 5)
        ok = cache.get(key) == "1"
        cache.delete(key)
        return ok, cache.__class__.__name__
    except Exception as exc:  # noqa: BLE001
        return False, type(exc).__name__


def run_checks(paths: list[str]) -> dict[str, dict]:
    results = {}
    for path in paths:
        name = path.rsplit(".", 1)[-1].removeprefix("check_")
        ok, detail = import_string(path)()
        results[name] = {"ok": ok, "detail": detail}
    return results
