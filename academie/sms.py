"""SMS gateway adapter: the only module that talks to an SMS provider.

``settings.SMS_GATEWAY`` picks the gateway:

- ``console``: prints the message on the server's standard output (development: the code
  appears in the ``runserver`` console);
- ``locmem``: appends to :data:`outbox` (tests);
- ``http``: ``POST`` JSON ``{"to": ..., "text": ...}`` to ``SMS_HTTP_URL`` with
  ``Authorization: Bearer SMS_HTTP_TOKEN`` (production).

Protocol failures become :class:`SMSUnavailable`.
"""

from __future__ import annotations

import json
import logging
import sys
import urllib.error
import urllib.request

from django.conf import settings

logger = logging.getLogger(__name__)

outbox: list[dict[str, str]] = []


class SMSError(Exception):
    """Base class of the adapter's errors."""


class SMSUnavailable(SMSError):
    """The gateway could not be reached or refused the message."""


def _console(to: str, text: str) -> None:
    sys.stdout.write(f"\n[SMS → {to}] {text}\n")
    sys.stdout.flush()


def _locmem(to: str, text: str) -> None:
    outbox.append({"to": to, "text": text})


def _http(to: str, text: str) -> None:
    url = settings.SMS_HTTP_URL
    if not url:
        raise SMSUnavailable("SMS_HTTP_URL is not set")
    body = json.dumps({"to": to, "text": text}).encode()
    request = urllib.request.Request(  # noqa: S310 - URL comes from settings
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=getattr(settings, "SMS_HTTP_TIMEOUT", 5)) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise SMSUnavailable(f"HTTP {response.status}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise SMSUnavailable(str(exc)) from exc


GATEWAYS = {"console": _console, "locmem": _locmem, "http": _http}


def send_sms(*, to: str, text: str) -> None:
    """Send ``text`` to the mobile number ``to``; raises :class:`SMSUnavailable` on failure."""
    try:
        gateway = GATEWAYS[settings.SMS_GATEWAY]
    except KeyError as exc:
        raise SMSUnavailable(f"unknown SMS_GATEWAY {settings.SMS_GATEWAY!r}") from exc
    gateway(to, text)
    logger.info("SMS sent to %s via %s", to[-4:], settings.SMS_GATEWAY)
