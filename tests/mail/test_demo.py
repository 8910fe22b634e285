"""The demo seed fills mailboxes over IMAP, is idempotent and skips cleanly without IMAP."""

from __future__ import annotations

import io
import uuid

import pytest

pytestmark = pytest.mark.imap


def test_demo_seed_is_idempotent_and_readable(make_user, monkeypatch):
    from mail import demo, imap

    identifier = f"d{uuid.uuid4().hex[:10]}"
    make_user(identifier)
    monkeypatch.setattr(demo, "USERS", [identifier])
    monkeypatch.setitem(demo.INBOX_SIZE, identifier, 30)
    out = io.StringIO()
    demo.seed(stdout=out)
    assert "messages de démonstration déposés" in out.getvalue()
    with imap.open_mailbox(identifier) as box:
        count = box.status("INBOX").messages
        assert count == 30 + 7
        box.select("INBOX")
        assert box.search_uids(["HEADER", "Content-Type", "ISO-8859-1"])
    demo.seed(stdout=out)
    assert "déjà présent" in out.getvalue()
    with imap.open_mailbox(identifier) as box:
        assert box.status("INBOX").messages == count


def test_demo_seed_skips_when_imap_is_down(settings):
    from mail import demo

    settings.IMAP_PORT = 9
    out = io.StringIO()
    demo.seed(stdout=out)
    assert "injoignable" in out.getvalue()
