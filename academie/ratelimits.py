"""Rate limits on unauthenticated POSTs (django-ratelimit on the shared Redis cache).

Each group has one rule per client IP (generous: a whole school is behind one NAT address)
and one per normalised identifier. Rates come from ``settings.ACADEMIE_RATELIMITS``.

Redis down: django-ratelimit lets django-redis' connection errors escape (it only catches
``socket.gaierror``). We decide to **fail open**: the request is not rate-limited and a warning
is logged, because sign-in must keep working while the cache is down and the per-identifier
lockout (django-axes, stored in PostgreSQL) still caps password guessing at three attempts.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

logger = logging.getLogger(__name__)


def is_limited(request: HttpRequest, *, group: str, identifier: str = "") -> bool:
    """Count this request in ``group`` and say whether it is over one of the group's limits."""
    rules = settings.ACADEMIE_RATELIMITS[group]
    checks = [("ip", rules["ip"])]
    if identifier and rules.get("identifier"):
        checks.append((lambda _group, _request: identifier, rules["identifier"]))
    limited = False
    for key, rate in checks:
        try:
            limited = (
                is_ratelimited(request, group=f"academie.{group}", key=key, rate=rate, method="POST", increment=True)
                or limited
            )
        except Exception:  # noqa: BLE001 - django-redis ConnectionInterrupted, redis errors: fail open
            logger.warning("Rate-limit cache unavailable; %s not rate-limited (fail open).", group, exc_info=True)
            return False
    return limited
