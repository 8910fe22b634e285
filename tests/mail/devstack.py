"""Start (or reuse) the dev-stack Dovecot and point Django's settings at it."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV_FILE = ROOT / "var" / "devstack" / "env"


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def ensure_devstack() -> dict[str, str]:
    """Run ``deploy/devstack.sh start`` unless Dovecot already answers; return its variables."""
    port = int(os.environ.get("IMAP_PORT", "10143"))
    if not (ENV_FILE.exists() and _port_open("127.0.0.1", port)):
        subprocess.run(["bash", str(ROOT / "deploy" / "devstack.sh"), "start"], check=True, cwd=ROOT)
    values = {}
    for line in ENV_FILE.read_text().splitlines():
        line = line.strip()
        if line.startswith("export "):
            key, _, value = line[len("export ") :].partition("=")
            values[key] = value
    return values


def configure_settings(settings_obj) -> None:  # noqa: ANN001 - django.conf.settings
    values = ensure_devstack()
    settings_obj.IMAP_HOST = values.get("IMAP_HOST", "127.0.0.1")
    settings_obj.IMAP_PORT = int(values.get("IMAP_PORT", "10143"))
    settings_obj.IMAP_SECURITY = values.get("IMAP_SECURITY", "none")
    settings_obj.IMAP_MASTER_USER = values.get("IMAP_MASTER_USER", "webmail")
    settings_obj.IMAP_MASTER_PASSWORD = values.get("IMAP_MASTER_PASSWORD", "")
    if "SUBMISSION_PORT" in values:
        settings_obj.SUBMISSION_HOST = values.get("SUBMISSION_HOST", "127.0.0.1")
        settings_obj.SUBMISSION_PORT = int(values["SUBMISSION_PORT"])
