"""Trusted networks, remembered browsers, new-network alerts, session timeouts and revocation."""

from __future__ import annotations

import time

import pytest
from django.core import mail

from academie.middleware import SESSION_LAST_SEEN_KEY, SESSION_STARTED_KEY
from academie.models import RememberedBrowser, UserSession

from .conftest import TRUSTED_IP, UNTRUSTED_IP, post_code, post_password, sign_in, totp_code

pytestmark = pytest.mark.django_db
COOKIE = "academie_navigateur"


def _sign_in_remember(client, user, password, device, ip):  # noqa: ANN001, ANN202
    post_password(client, user.username, password, REMOTE_ADDR=ip)
    return post_code(client, device, totp_code(device), data={"remember": "on"}, REMOTE_ADDR=ip)


def test_trusted_network_offers_and_honours_remember_this_browser(client, user, password, totp_device):
    post_password(client, "jdupont", password, REMOTE_ADDR=TRUSTED_IP)
    assert (
        "Se souvenir de ce navigateur pendant 30 jours"
        in client.get("/connexion/code/", REMOTE_ADDR=TRUSTED_IP).content.decode()
    )
    response = post_code(client, totp_device, totp_code(totp_device), data={"remember": "on"}, REMOTE_ADDR=TRUSTED_IP)
    assert response["Location"] == "/" and response.cookies[COOKIE]["max-age"] == 30 * 86400
    assert response.cookies[COOKIE]["httponly"]
    client.post("/deconnexion/", REMOTE_ADDR=TRUSTED_IP)
    # Next time, inside the trusted network, no code is asked.
    response = post_password(client, "jdupont", password, REMOTE_ADDR=TRUSTED_IP)
    assert response["Location"] == "/"
    assert client.get("/", REMOTE_ADDR=TRUSTED_IP).status_code == 200


def test_remembered_browser_is_not_honoured_outside_trusted_networks(client, user, password, totp_device):
    _sign_in_remember(client, user, password, totp_device, TRUSTED_IP)
    client.post("/deconnexion/")
    assert post_password(client, "jdupont", password, REMOTE_ADDR=UNTRUSTED_IP)["Location"] == "/connexion/code/"


def test_untrusted_network_never_remembers(client, user, password, totp_device):
    post_password(client, "jdupont", password, REMOTE_ADDR=UNTRUSTED_IP)
    page = client.get("/connexion/code/", REMOTE_ADDR=UNTRUSTED_IP).content.decode()
    assert "Se souvenir" not in page
    response = post_code(client, totp_device, totp_code(totp_device), data={"remember": "on"}, REMOTE_ADDR=UNTRUSTED_IP)
    assert response["Location"] == "/" and COOKIE not in response.cookies
    assert not RememberedBrowser.objects.exists()


def test_remembered_browser_is_revocable_and_bound_to_the_user(client, user, password, totp_device, make_user):
    _sign_in_remember(client, user, password, totp_device, TRUSTED_IP)
    stolen = client.cookies[COOKIE].value
    client.post("/deconnexion/")
    # Another user's sign-in does not use jdupont's cookie.
    other = make_user("mmartin2")
    other.totpdevice_set.create(name="x", confirmed=True)
    client.cookies[COOKIE] = stolen
    assert post_password(client, "mmartin2", password, REMOTE_ADDR=TRUSTED_IP)["Location"] == "/connexion/code/"
    client.post("/deconnexion/")
    # A forged cookie is ignored.
    client.cookies[COOKIE] = stolen[:-3] + "abc"
    assert post_password(client, "jdupont", password, REMOTE_ADDR=TRUSTED_IP)["Location"] == "/connexion/code/"
    client.post("/deconnexion/")
    # Revoked on the server: the cookie no longer works.
    client.cookies[COOKIE] = stolen
    RememberedBrowser.objects.all().delete()
    assert post_password(client, "jdupont", password, REMOTE_ADDR=TRUSTED_IP)["Location"] == "/connexion/code/"


def test_new_untrusted_network_sends_an_alert_once(client, user, password, totp_device):
    sign_in(client, user, password, totp_device, REMOTE_ADDR=UNTRUSTED_IP)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["jdupont@ac-nancy-metz.fr"] and UNTRUSTED_IP in mail.outbox[0].body
    client.post("/deconnexion/")
    sign_in(client, user, password, totp_device, REMOTE_ADDR="198.51.100.99")  # same /24
    assert len(mail.outbox) == 1
    client.post("/deconnexion/")
    sign_in(client, user, password, totp_device, REMOTE_ADDR="2001:db8:1:2::5")
    assert len(mail.outbox) == 2


def test_trusted_network_sends_no_alert(client, user, password, totp_device):
    sign_in(client, user, password, totp_device, REMOTE_ADDR=TRUSTED_IP)
    assert mail.outbox == []


def _age_session(client, **keys):  # noqa: ANN001, ANN003, ANN202
    session = client.session
    for key, seconds_ago in keys.items():
        session[key] = time.time() - seconds_ago
    session.save()


def test_idle_timeout(client, user, password, totp_device, settings):
    sign_in(client, user, password, totp_device)
    assert client.get("/").status_code == 200
    _age_session(client, **{SESSION_LAST_SEEN_KEY: settings.SESSION_IDLE_TIMEOUT - 60})
    assert client.get("/").status_code == 200
    _age_session(client, **{SESSION_LAST_SEEN_KEY: settings.SESSION_IDLE_TIMEOUT + 60})
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/connexion/?expiree=1"
    assert "Votre session a expiré" in client.get(response["Location"]).content.decode()
    assert client.get("/")["Location"].startswith("/connexion/?next=")


def test_absolute_timeout_even_when_active(client, user, password, totp_device, settings):
    sign_in(client, user, password, totp_device)
    _age_session(client, **{SESSION_STARTED_KEY: settings.SESSION_ABSOLUTE_TIMEOUT + 60, SESSION_LAST_SEEN_KEY: 5})
    assert client.get("/")["Location"] == "/connexion/?expiree=1"


def test_my_sessions_lists_and_revokes_one(client, user, password, totp_device):
    other = client.__class__()
    sign_in(
        client,
        user,
        password,
        totp_device,
        REMOTE_ADDR=TRUSTED_IP,
        HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0",
    )
    sign_in(
        other,
        user,
        password,
        totp_device,
        REMOTE_ADDR=UNTRUSTED_IP,
        HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/150.0 Mobile Safari/537.36",
    )
    page = client.get("/securite/sessions/").content.decode()
    assert "Firefox · Windows" in page and "Chrome · Android" in page and UNTRUSTED_IP in page
    target = UserSession.objects.get(session_key=other.session.session_key)
    assert client.post("/securite/sessions/", {"session": target.pk}).status_code == 302
    assert other.get("/").status_code == 302
    assert client.get("/").status_code == 200


def test_revoke_all_other_sessions_and_not_someone_elses(client, user, password, totp_device, make_user):
    others = [client.__class__() for _i in range(2)]
    sign_in(client, user, password, totp_device)
    for other in others:
        sign_in(other, user, password, totp_device)
    stranger = make_user("mmartin2")
    stranger_client = client.__class__()
    from tests.conftest import verify_client

    verify_client(stranger_client, stranger)
    stranger_client.get("/")
    stranger_row = UserSession.objects.get(user=stranger)
    client.post("/securite/sessions/", {"session": stranger_row.pk})
    assert stranger_client.get("/").status_code == 200
    client.post("/securite/sessions/", {"revoke_others": "1"})
    assert all(other.get("/").status_code == 302 for other in others)
    assert client.get("/").status_code == 200


def test_history_shows_the_last_50(client, user, password, totp_device, settings):
    settings.ACADEMIE_RATELIMITS = {g: {"ip": "1000/m", "identifier": "1000/m"} for g in ("login", "code", "reset")}
    for _i in range(30):
        post_password(client.__class__(), "jdupont", "mauvais", REMOTE_ADDR=UNTRUSTED_IP)
        from axes.handlers.proxy import AxesProxyHandler

        AxesProxyHandler.reset_attempts(username="jdupont")
    for _i in range(25):
        post_password(client.__class__(), "jdupont", "mauvais", REMOTE_ADDR=TRUSTED_IP)
        AxesProxyHandler.reset_attempts(username="jdupont")
    sign_in(client, user, password, totp_device)
    response = client.get("/securite/historique/")
    events = list(response.context["events"])
    assert len(events) == 50 and events[0].result == "success"
    body = response.content.decode()
    assert "mot de passe refusé" in body and "extérieur" in body and "de confiance" in body


def test_tracked_session_is_refreshed_once_a_minute_not_on_every_request(client, user, password, totp_device):
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from academie.services import TRACKED_SESSION_KEY

    sign_in(client, user, password, totp_device)
    assert client.get("/").status_code == 200
    row = UserSession.objects.get(session_key=client.session.session_key)
    long_ago = timezone.now() - timedelta(minutes=5)
    UserSession.objects.filter(pk=row.pk).update(last_activity=long_ago)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    assert not [q for q in ctx.captured_queries if "academie_usersession" in q["sql"]]
    row.refresh_from_db()
    assert row.last_activity == long_ago
    # a minute later, the row is looked at again and refreshed
    session = client.session
    session[TRACKED_SESSION_KEY] = {**session[TRACKED_SESSION_KEY], "at": time.time() - 61}
    session.save()
    assert client.get("/").status_code == 200
    row.refresh_from_db()
    assert row.last_activity > long_ago + timedelta(minutes=4)


def test_a_session_row_removed_behind_its_back_is_tracked_again(client, user, password, totp_device):
    from academie.services import TRACKED_SESSION_KEY

    sign_in(client, user, password, totp_device)
    client.get("/")
    key = client.session.session_key
    UserSession.objects.filter(session_key=key).delete()
    session = client.session
    session[TRACKED_SESSION_KEY] = {**session[TRACKED_SESSION_KEY], "at": time.time() - 61}
    session.save()
    assert client.get("/").status_code == 200
    assert UserSession.objects.filter(session_key=key, user=user).exists()
