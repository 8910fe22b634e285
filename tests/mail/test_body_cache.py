"""The body frame is served from what the reading page sanitised, for that user and folder state only."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.cache import cache
from django.test import Client

from mail import imap
from tests.conftest import verify_client
from tests.mail.conftest import make_message

pytestmark = pytest.mark.imap

SECRET_HTML = '<p>Rapport <b>confidentiel</b> nº 4812</p><img src="https://tracker.invalid/p.gif" alt="p">'


def url(uid: int, v: int, suffix: str = "", folder: str = "INBOX") -> str:
    return f"/messagerie/lire/{uid}/{suffix}?f={folder}&v={v}"


def test_frame_is_served_from_the_pages_cache_entry(mail_client, mailbox, append):
    uid, v = append(make_message("Rapport", "Version texte", html=SECRET_HTML))
    assert mail_client.get(url(uid, v)).status_code == 200
    # The message disappears from the server after the page was rendered: the frame the page
    # asked for still shows it, which proves it did not go back to IMAP for it.
    mailbox.select("INBOX")
    mailbox.expunge([uid])
    frame = mail_client.get(url(uid, v, "corps/"))
    assert frame.status_code == 200
    body = frame.content.decode()
    assert "confidentiel" in body and "tracker.invalid" not in body
    csp = frame["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "img-src data:" in csp and "sandbox" in csp
    assert "allow-scripts" not in csp and "script-src" not in csp
    assert frame["X-Frame-Options"] == "SAMEORIGIN"
    assert frame["X-Content-Type-Options"] == "nosniff"
    assert "no-cache" in frame["Cache-Control"] or "max-age=0" in frame["Cache-Control"]
    # Another images choice, another UIDVALIDITY or another folder is not that entry: the frame
    # asks the server, where the message no longer exists.
    assert mail_client.get(url(uid, v, "corps/") + "&images=1").status_code == 404
    assert mail_client.get(url(uid, v + 1, "corps/")).status_code == 404
    mailbox.create_folder("Autre")
    assert mail_client.get(url(uid, v, "corps/", folder="Autre")).status_code == 404
    # Without the cache the frame goes to the server too.
    cache.delete_pattern("*mail:body:*")
    assert mail_client.get(url(uid, v, "corps/")).status_code == 404


def test_images_choice_has_its_own_entry(mail_client, append):
    uid, v = append(make_message("Rapport", "Version texte", html=SECRET_HTML))
    assert mail_client.get(url(uid, v) + "&images=1").status_code == 200
    frame = mail_client.get(url(uid, v, "corps/") + "&images=1")
    assert "https://tracker.invalid/p.gif" in frame.content.decode()
    assert "img-src 'self' data: https: http:" in frame["Content-Security-Policy"]
    blocked = mail_client.get(url(uid, v, "corps/"))
    assert "tracker.invalid" not in blocked.content.decode()


def test_another_user_never_gets_the_cached_body(mail_client, mail_user, make_user, append):
    uid, v = append(make_message("Rapport", "Version texte", html=SECRET_HTML))
    assert mail_client.get(url(uid, v)).status_code == 200
    assert "confidentiel" in mail_client.get(url(uid, v, "corps/")).content.decode()  # entry exists

    # Same URL (uid, folder, UIDVALIDITY) from another signed-in user: their own empty mailbox.
    intruder = make_user(f"i{uuid.uuid4().hex[:12]}")
    other = verify_client(Client(), intruder)
    response = other.get(url(uid, v, "corps/"))
    assert response.status_code == 404
    assert b"confidentiel" not in response.content

    # Even when the other user has a message at the same UID, they get their own content.
    with imap.open_mailbox(intruder.username) as box:
        own_uid = box.append("INBOX", make_message("Le mien", "texte", html="<p>mon propre message</p>"))
        own_v = box.status("INBOX").uidvalidity
    assert own_uid == uid
    assert other.get(url(own_uid, own_v)).status_code == 200
    response = other.get(url(own_uid, own_v, "corps/"))
    assert response.status_code == 200
    assert "mon propre message" in response.content.decode()
    assert b"confidentiel" not in response.content
    if own_v == v:  # same folder state by chance: the keys still differ by user
        assert b"confidentiel" not in other.get(url(uid, v, "corps/")).content
    # And the first user's entry is still theirs.
    assert "confidentiel" in mail_client.get(url(uid, v, "corps/")).content.decode()


def test_reading_page_badge_counts_the_message_just_read(mail_client, append):
    uid, v = append(make_message("Un"))
    append(make_message("Deux"))
    append(make_message("Trois"))

    def inbox_badge(html: str) -> str | None:
        match = re.search(r'data-folder="INBOX">.*?</li>', html, re.S)
        badge = re.search(r'mail-unseen"[^>]*>(\d+)<', match.group(0)) if match else None
        return badge.group(1) if badge else None

    assert inbox_badge(mail_client.get("/messagerie/").content.decode()) == "3"
    assert inbox_badge(mail_client.get(url(uid, v)).content.decode()) == "2"  # this one is now read
    assert inbox_badge(mail_client.get(url(uid, v)).content.decode()) == "2"  # read again: unchanged
    assert inbox_badge(mail_client.get("/messagerie/").content.decode()) == "2"
