"""The home page shows the INBOX unread count from the real Dovecot, and degrades when it is down."""

from django.test import override_settings

from tests.mail.conftest import make_message


def test_home_shows_unread_count(mail_client, append):
    append(make_message("Convocation"))
    append(make_message("Note de service"))
    append(make_message("Déjà lue"), flags=[b"\\Seen"])
    body = mail_client.get("/").content.decode()
    assert "2 messages non lus" in body


def test_home_without_mail_server_still_renders(mail_client):
    with override_settings(IMAP_PORT=1):
        response = mail_client.get("/")
    assert response.status_code == 200
    assert "Le serveur de messagerie ne répond pas" in response.content.decode()
