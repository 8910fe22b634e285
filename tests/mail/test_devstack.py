"""The dev stack itself: master-user login, special-use folders, SMTP → LMTP delivery."""

from __future__ import annotations

import smtplib
import time
from email.message import EmailMessage

import pytest

pytestmark = pytest.mark.imap


def test_master_user_opens_any_identifier_with_special_folders(mail_user):
    from mail import imap

    with imap.open_mailbox(mail_user.username) as box:
        specials = {f.special_use: f.name for f in box.folders() if f.special_use}
    assert specials == {
        "\\Inbox": "INBOX",
        "\\Drafts": "Drafts",
        "\\Sent": "Sent",
        "\\Trash": "Trash",
        "\\Junk": "Junk",
        "\\Archive": "Archive",
    }


def test_master_user_with_wrong_secret_is_refused(mail_user, settings):
    from mail import imap

    settings.IMAP_MASTER_PASSWORD = "pas-le-bon"
    with pytest.raises(imap.AuthenticationRefused):
        imap.connect(mail_user.username)


def test_smtp_delivers_local_domain_to_dovecot_and_refuses_others(mail_user, settings):
    from mail import imap

    message = EmailMessage()
    message["From"] = "secretariat@ac-nancy-metz.fr"
    message["To"] = f"{mail_user.username}@ac-nancy-metz.fr"
    message["Subject"] = "Livraison par Postfix"
    message.set_content("Bonjour")
    with smtplib.SMTP(settings.SUBMISSION_HOST, settings.SUBMISSION_PORT, timeout=10) as smtp:
        smtp.send_message(message)
        outside = EmailMessage()
        outside["From"] = "secretariat@ac-nancy-metz.fr"
        outside["To"] = "quelquun@example.com"
        outside["Subject"] = "Dehors"
        outside.set_content("x")
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.send_message(outside)
    found = []
    for _ in range(100):  # delivery is asynchronous (queue manager): wait for it, up to 10 s
        with imap.open_mailbox(mail_user.username) as box:
            box.select("INBOX")
            found = box.search_uids(["SUBJECT", "Livraison par Postfix"])
        if found:
            break
        time.sleep(0.1)
    assert len(found) == 1
