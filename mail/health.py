"""Health check of the IMAP server for ``/sante/``."""

from __future__ import annotations

from mail import imap


def check_imap() -> tuple[bool, str]:
    try:
        greeting = imap.probe()
    except imap.ServerUnavailable as exc:
        return False, f"IMAP injoignable ({type(exc.__cause__ or exc).__name__})"
    return True, "IMAP " + (greeting[:60] if greeting else "ok")
