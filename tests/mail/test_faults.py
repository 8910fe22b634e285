"""Dovecot down or slow: a French page with a retry and HTTP 503, never a 500."""

from __future__ import annotations

import socket
import threading

import pytest

from tests.mail.conftest import make_message

pytestmark = pytest.mark.imap


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def silent_server():
    """Accepts connections and never says a word (a hung IMAP server)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []
    stop = threading.Event()

    def run():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                accepted.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


@pytest.mark.parametrize(
    "url", ["/messagerie/", "/messagerie/lire/1/?f=INBOX", "/messagerie/recherche/?objet=x", "/messagerie/dossiers/"]
)
def test_server_down_gives_503_with_retry(mail_client, settings, url):
    settings.IMAP_PORT = _closed_port()
    response = mail_client.get(url)
    assert response.status_code == 503
    html = response.content.decode()
    assert "Messagerie momentanément indisponible" in html
    assert "Réessayer" in html and f'href="{url.replace("&", "&amp;")}"' in html


def test_post_while_down_gives_503(mail_client, settings):
    settings.IMAP_PORT = _closed_port()
    response = mail_client.post("/messagerie/actions/", {"f": "INBOX", "uid": ["1"], "action": "read"})
    assert response.status_code == 503


def test_slow_server_times_out_then_recovers(mail_client, settings, silent_server, append):
    append(make_message("De retour"))
    real_port = settings.IMAP_PORT
    settings.IMAP_PORT = silent_server
    settings.IMAP_TIMEOUT = 0.5
    response = mail_client.get("/messagerie/")
    assert response.status_code == 503
    assert "ne répond pas" in response.content.decode()
    settings.IMAP_PORT = real_port  # the server comes back: the next click works
    response = mail_client.get("/messagerie/")
    assert response.status_code == 200
    assert "De retour" in response.content.decode()


def test_wrong_master_password_gives_503_not_500(mail_client, settings):
    settings.IMAP_MASTER_PASSWORD = "mauvais"
    response = mail_client.get("/messagerie/")
    assert response.status_code == 503
    assert "a refusé" in response.content.decode()


def test_health_reports_imap(client, settings):
    from mail.health import check_imap

    ok, detail = check_imap()
    assert ok and "joignable" in detail
    response = client.get("/sante/")
    assert response.json()["checks"]["imap"]["ok"] is True
    settings.IMAP_PORT = _closed_port()
    ok, detail = check_imap()
    assert not ok and "injoignable" in detail
    assert "mail.health.check_imap" in settings.ACADEMIE_HEALTH_CHECKS
