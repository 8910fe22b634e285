"""Mail fixtures: the real dev-stack Dovecot, a fresh mailbox per test, messages APPENDed."""

from __future__ import annotations

import uuid
from email.message import EmailMessage

import pytest

from tests.conftest import verify_client
from tests.mail.devstack import configure_settings


@pytest.fixture(scope="session", autouse=True)
def _dovecot():
    from django.conf import settings

    configure_settings(settings)
    yield


@pytest.fixture
def mail_user(make_user):
    """A user whose identifier is unique to this test, so its mailbox starts empty."""
    return make_user(f"t{uuid.uuid4().hex[:12]}")


@pytest.fixture
def mail_client(client, mail_user):
    return verify_client(client, mail_user)


@pytest.fixture
def mailbox(mail_user):
    from mail import imap

    box = imap.connect(mail_user.username)
    yield box
    box.close()


def make_message(
    subject: str = "Note de service",
    body: str = "Bonjour,\n\nVeuillez trouver la note.\n",
    *,
    sender: str = "Marie Martin <marie.martin@ac-nancy-metz.fr>",
    to: str = "Jeanne Dupont <jeanne.dupont@ac-nancy-metz.fr>",
    html: str | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
    date: str = "Tue, 10 Nov 2026 09:30:00 +0100",
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = date
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@ac-nancy-metz.fr>"
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


@pytest.fixture
def append(mailbox):
    """``append(raw_bytes, folder="INBOX", flags=())`` -> (uid, uidvalidity)."""

    def _append(raw: bytes, folder: str = "INBOX", flags=()) -> tuple[int, int]:
        uid = mailbox.append(folder, raw, flags=flags)
        status = mailbox.status(folder)
        return uid, status.uidvalidity

    return _append
