"""django-axes lockout by normalised identifier; five wrong codes lock too; reset unlocks both."""

from __future__ import annotations

import html

import pytest
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib.admin.models import LogEntry
from django_otp.plugins.otp_totp.models import TOTPDevice

from academie.models import LoginEvent
from tests.conftest import verify_client

from .conftest import post_code, post_password, sign_in, totp_code

pytestmark = pytest.mark.django_db
LOCKED = "/connexion/verrouille/"


def _fail(client, username: str, n: int, **extra) -> list:  # noqa: ANN001, ANN003
    return [post_password(client, username, "mauvais-mot-de-passe", **extra) for _i in range(n)]


def test_three_failures_lock_and_the_right_password_is_then_refused(client, user, password, totp_device):
    first, second, third = _fail(client, "jdupont", 3)
    assert first.status_code == second.status_code == 200
    assert third.status_code == 302 and third["Location"] == LOCKED
    response = post_password(client, "jdupont", password)
    assert response.status_code == 302 and response["Location"] == LOCKED
    assert client.get("/").status_code == 302
    assert LoginEvent.objects.filter(user=user, result="locked").count() == 2


def test_lockout_page_explains_and_links_to_the_public_help_form(client, user):
    _fail(client, "jdupont", 3)
    page = client.get(LOCKED)
    text = html.unescape(page.content.decode())
    assert page.status_code == 403
    assert "Votre compte est verrouillé" in text
    assert 'href="/assistance/nouveau/?categorie=compte-bloque"' in text


@pytest.mark.parametrize(
    "spellings", [["JDupont ", "jdupont", "ＪＤＵＰＯＮＴ"], ["ＪＤＵＰＯＮＴ", " JDUPONT", "jDupont"]]
)
def test_spellings_of_one_identifier_share_one_lockout(client, user, password, spellings):
    for typed in spellings:
        post_password(client, typed, "mauvais-mot-de-passe")
    assert AccessAttempt.objects.filter(username="jdupont").exists()
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"jdupont"}
    response = post_password(client, "jdupont", password)
    assert response["Location"] == LOCKED


def test_lockout_is_by_identifier_not_by_ip(client, user, password, make_user, totp_device):
    school = {"REMOTE_ADDR": "10.54.7.1"}
    _fail(client, "jdupont", 3, **school)
    colleague = make_user("mmartin2")
    TOTPDevice.objects.create(user=colleague, name="x", confirmed=True)
    other = client.__class__()
    # Same school address: the colleague signs in.
    assert post_password(other, "mmartin2", password, **school)["Location"] == "/connexion/code/"
    # Another address: jdupont stays locked.
    assert post_password(client.__class__(), "jdupont", password, REMOTE_ADDR="203.0.113.9")["Location"] == LOCKED


def test_axes_reset_unlocks(client, user, password, totp_device):
    _fail(client, "jdupont", 3)
    AxesProxyHandler.reset_attempts(username="jdupont")
    assert post_password(client, "jdupont", password)["Location"] == "/connexion/code/"


def test_success_before_the_limit_resets_the_counter(client, user, password, totp_device):
    _fail(client, "jdupont", 2)
    sign_in(client, user, password, totp_device)
    client.post("/deconnexion/")
    _fail(client, "jdupont", 2)
    assert post_password(client, "jdupont", password)["Location"] == "/connexion/code/"


def test_wrong_codes_are_throttled_by_the_device(client, user, password, totp_device):
    post_password(client, "jdupont", password)
    assert "Code incorrect ou expiré." in post_code(client, totp_device, "000000").content.decode()
    # Right away, even the right code waits for django-otp's back-off: a message, not a failure.
    response = post_code(client, totp_device, totp_code(totp_device))
    assert "patientez quelques secondes" in html.unescape(response.content.decode())
    assert LoginEvent.objects.filter(user=user, result="code_failed").count() == 1


def test_five_wrong_codes_lock_the_identifier(client, user, password, totp_device, no_otp_throttle):
    post_password(client, "jdupont", password)
    for _i in range(4):
        assert post_code(client, totp_device, "000000").status_code == 200
    response = post_code(client, totp_device, "000000")
    assert response.status_code == 302 and response["Location"] == LOCKED
    assert client.get("/connexion/code/")["Location"] == "/connexion/"  # password-only session closed
    assert post_password(client, "jdupont", password)["Location"] == LOCKED
    assert AxesProxyHandler.is_locked(client.get("/sante/").wsgi_request, {"username": "jdupont"})
    # The helpdesk's unlock (axes reset) also lifts a code lockout, and the count starts again.
    AxesProxyHandler.reset_attempts(username="jdupont")
    assert post_password(client, "jdupont", password)["Location"] == "/connexion/code/"
    assert post_code(client, totp_device, "000000").status_code == 200
    assert post_code(client, totp_device, totp_code(totp_device))["Location"] == "/"


def test_wrong_codes_across_sessions_count_together(client, user, password, totp_device, no_otp_throttle):
    for _i in range(5):
        fresh = client.__class__()
        post_password(fresh, "jdupont", password)
        last = post_code(fresh, totp_device, "000000")
    assert last["Location"] == LOCKED


def test_admin_lists_and_unlocks_lockouts_with_an_audit_entry(client, user, make_user):
    _fail(client.__class__(), "jdupont", 3)
    admin = make_user("admin.dsi", is_staff=True, is_superuser=True)
    verify_client(client, admin)
    listing = client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "jdupont" in listing.content.decode()
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = client.post(
        "/admin/axes/accessattempt/", {"action": "unlock", "_selected_action": [str(i) for i in ids]}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="jdupont").exists()
    entry = LogEntry.objects.get(object_id=str(user.pk))
    assert entry.user_id == admin.pk and "jdupont" in entry.change_message
    from helpdesk.models import AuditEntry

    audit = AuditEntry.objects.get(action="unlock", target=user)
    assert audit.actor == admin and audit.result == "succes"
