"""Health check of the IMAP server for ``/sante/``."""

from __future__ import annotations

from django.conf import settings

from mail import imap


def check_imap() -> tuple[bool, str]:
    where = f"{settings.IMAP_HOST}:{settings.IMAP_PORT}"
    try:
        greeting = imap.probe()
    except imap.ServerUnavailable as exc:
        return False, f"IMAP {where} injoignable ({type(exc.__cause__ or exc).__name__})"
    if "OK" not in greeting.upper():
        return False, f"IMAP {where} : accueil inattendu"
    return True, f"IMAP {where} joignable"
