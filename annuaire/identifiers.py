"""Normalisation of academic identifiers (``jdupont``, ``mmartin2``).

One function used everywhere: the login form, lockout accounting (django-axes), the admin and
imports, so that ``JDupont ``, ``jdupont`` and ``ＪＤＵＰＯＮＴ`` are one account.
"""

from __future__ import annotations

import unicodedata

MAX_IDENTIFIER_LENGTH = 150


def normalize_identifier(value: object) -> str:
    """Unicode NFKC, trimmed, lower case. ``None`` and non-strings become ``""``."""
    if not isinstance(value, str):
        return ""
    return unicodedata.normalize("NFKC", value).strip().lower()


def axes_username(request, credentials: dict | None) -> str:  # noqa: ANN001
    """``AXES_USERNAME_CALLABLE``: the normalised identifier from credentials or the POST."""
    raw = None
    if credentials:
        raw = credentials.get("username")
    if raw is None and request is not None and hasattr(request, "POST"):
        raw = request.POST.get("username")
    return normalize_identifier(raw)[:MAX_IDENTIFIER_LENGTH]
