"""Password reset and change, forced change, device management, home tiles, bad input, headers."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from academie import sms
from academie.models import ServiceTile, SMSDevice
from annuaire.models import Assignment, Establishment, Function

from .conftest import post_code, post_password, sign_in, totp_code

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Nouveau-Mot-De-Passe-2026!"


def _text(response) -> str:  # noqa: ANN001
    return html.unescape(response.content.decode())


# --- reset --------------------------------------------------------------------------------------
def test_reset_by_email_link_does_not_bypass_the_second_factor(client, user, password, totp_device):
    response = client.post("/connexion/mot-de-passe/", {"username": " JDupont"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/connexion/mot-de-passe/\S+/\S+/)", mail.outbox[0].body).group(1)
    response = client.get(link)
    assert response.status_code == 302  # Django hides the token behind .../set-password/
    form_url = response["Location"]
    response = client.post(form_url, {"new_password1": "court", "new_password2": "court"})
    assert response.status_code == 200 and "12" in _text(response)
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/connexion/"
    assert client.get("/").status_code == 302  # not signed in by the reset
    assert post_password(client, "jdupont", password).status_code == 200  # old password gone
    assert post_password(client, "jdupont", NEW_PASSWORD)["Location"] == "/connexion/code/"  # code still asked
    assert client.get(link).context["validlink"] is False  # single use


def test_reset_link_in_the_helpdesk_shape(client, user, password):
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    response = client.get(f"/connexion/mot-de-passe/{uidb64}/{token}/")
    assert response.status_code == 302
    assert client.get(response["Location"]).context["validlink"] is True


def test_reset_says_the_same_for_unknown_identifiers(client, user):
    known = client.post("/connexion/mot-de-passe/", {"username": "jdupont"}, follow=True)
    unknown = client.post("/connexion/mot-de-passe/", {"username": "personne"}, follow=True)
    assert len(mail.outbox) == 1
    known_msgs = [str(m) for m in known.context["messages"]]
    unknown_msgs = [str(m) for m in unknown.context["messages"]]
    assert known_msgs == unknown_msgs and known_msgs


def test_reset_bad_link_is_a_clear_page(client, user):
    response = client.get("/connexion/mot-de-passe/zzz/not-a-token/")
    assert response.status_code == 200 and response.context["validlink"] is False


def test_reset_closes_existing_sessions(client, user, password, totp_device):
    sign_in(client, user, password, totp_device)
    other = client.__class__()
    user.refresh_from_db()
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    form_url = other.get(f"/connexion/mot-de-passe/{uidb64}/{token}/")["Location"]
    other.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert client.get("/").status_code == 302


# --- change ------------------------------------------------------------------------------------
def test_change_password_rules_and_effect(client, user, password, totp_device):
    sign_in(client, user, password, totp_device)
    response = client.post(
        "/securite/mot-de-passe/",
        {"old_password": password, "new_password1": "1qaz2wsx3edc", "new_password2": "1qaz2wsx3edc"},
    )
    assert response.status_code == 200 and "trop courant" in _text(response)
    response = client.post(
        "/securite/mot-de-passe/", {"old_password": password, "new_password1": "Court-1", "new_password2": "Court-1"}
    )
    assert response.status_code == 200
    response = client.post(
        "/securite/mot-de-passe/",
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2") and user.check_password(NEW_PASSWORD)
    assert client.get("/").status_code == 200  # this session stays open


def test_must_change_password_is_enforced_after_full_sign_in(client, user, password, totp_device):
    user.must_change_password = True
    user.save()
    response = sign_in(client, user, password, totp_device)
    assert response["Location"] == "/securite/mot-de-passe/"
    assert client.get("/")["Location"] == "/securite/mot-de-passe/"
    assert client.get("/annuaire/")["Location"] == "/securite/mot-de-passe/"
    client.post(
        "/securite/mot-de-passe/",
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    user.refresh_from_db()
    assert user.must_change_password is False
    assert client.get("/").status_code == 200


# --- devices ----------------------------------------------------------------------------------
def test_device_management_needs_the_password_again(client, user, password, totp_device):
    sign_in(client, user, password, totp_device)
    page = client.get("/securite/appareils/")
    assert "Confirmer votre mot de passe" in _text(page)
    assert client.post("/securite/appareils/", {"action": "backup"}).status_code == 200
    assert not StaticDevice.objects.filter(user=user).exists()  # the action was not run without the password
    assert "Mot de passe incorrect." in _text(client.post("/securite/appareils/", {"password": "faux"}))
    client.post("/securite/appareils/", {"password": password})
    response = client.post("/securite/appareils/", {"action": "backup"})
    codes = response.context["codes"]
    assert len(codes) == 10
    again = client.post("/securite/appareils/", {"action": "backup"}).context["codes"]
    assert set(codes).isdisjoint(again)
    # The last app cannot be removed; once a second one is added, it can.
    client.post("/securite/appareils/", {"action": "remove", "device": totp_device.persistent_id})
    assert TOTPDevice.objects.filter(pk=totp_device.pk).exists()
    client.get("/securite/appareils/application/")
    pending = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post("/securite/appareils/application/", {"otp_token": totp_code(pending)}).status_code == 302
    client.post("/securite/appareils/", {"action": "remove", "device": totp_device.persistent_id})
    assert not TOTPDevice.objects.filter(pk=totp_device.pk).exists()


def test_add_sms_device(client, user, password, totp_device):
    sign_in(client, user, password, totp_device)
    client.post("/securite/appareils/", {"password": password})
    client.post("/securite/appareils/sms/", {"number": "06 11 22 33 44"})
    device = SMSDevice.objects.get(user=user)
    assert sms.outbox and device.token in sms.outbox[-1]["text"]
    assert client.post("/securite/appareils/sms/", {"otp_token": device.token}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed


def test_cannot_remove_someone_elses_device(client, user, password, totp_device, make_user):
    other = make_user("mmartin2")
    theirs = TOTPDevice.objects.create(user=other, name="x", confirmed=True)
    TOTPDevice.objects.create(user=other, name="y", confirmed=True)
    sign_in(client, user, password, totp_device)
    client.post("/securite/appareils/", {"password": password})
    client.post("/securite/appareils/", {"action": "remove", "device": theirs.persistent_id})
    assert TOTPDevice.objects.filter(pk=theirs.pk).exists()


# --- home -------------------------------------------------------------------------------------
def test_home_tiles_respect_function_restriction(client, user, password, totp_device):
    teacher = Function.objects.create(code="ens-2d", name="Enseignant")
    head = Function.objects.create(code="chef", name="Chef d'établissement")
    school = Establishment.objects.create(uai="0540038Y", name="Lycée", kind="lycee", department="54")
    Assignment.objects.create(user=user, function=teacher, establishment=school, principal=True)
    ServiceTile.objects.create(name="M@gistère", url="https://magistere.education.fr/")
    ServiceTile.objects.create(name="Colibris", url="https://colibris.example/").functions.add(teacher)
    ServiceTile.objects.create(name="Sconet", url="https://sconet.example/").functions.add(head)
    ServiceTile.objects.create(name="Ancien", url="https://old.example/", active=False)
    sign_in(client, user, password, totp_device)
    body = client.get("/").content.decode()
    assert "M@gistère" in body and "Colibris" in body
    assert "Sconet" not in body and "Ancien" not in body
    assert 'id="home-unread-mail"' in body and 'id="home-agenda-today"' in body


# --- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "data",
    [
        {},
        {"username": "jdupont"},
        {"password": "x"},
        {"username": "", "password": ""},
        {"username": "   ", "password": "x"},
        {"username": "j" * 10_000, "password": "x"},
        {"username": "jdupont", "password": "p" * 100_000},
        {"username": "jdu\x00pont", "password": "x"},
    ],
)
def test_login_bad_input_is_a_form_error(client, user, data):
    response = client.post("/connexion/", data)
    assert response.status_code == 200
    assert response.context["form"].errors


def test_non_utf8_bodies_are_form_errors(client, user):
    for content_type in ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=nope"):
        response = client.generic("POST", "/connexion/", b"username=\xff\xfe%FF&password=\xc3\x28", content_type)
        assert response.status_code == 200
    response = client.generic("POST", "/connexion/", b"\x80\x81\x82", "multipart/form-data; boundary=x")
    assert response.status_code in (200, 400)


def test_code_step_bad_input(client, user, password, totp_device):
    post_password(client, "jdupont", password)
    for data in (
        {},
        {"otp_token": "1" * 5000},
        {"device": "x" * 5000, "otp_token": "123456"},
        {"device": "otp_totp.totpdevice/999999", "otp_token": "1"},
    ):
        response = client.post("/connexion/code/", data)
        assert response.status_code == 200 and response.context["form"].errors
    response = client.generic("POST", "/connexion/code/", b"otp_token=\xff\xfe", "application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert post_code(client, totp_device, totp_code(totp_device)).status_code == 302


def test_reset_bad_input(client):
    for data in ({}, {"username": "x" * 10_000}):
        assert client.post("/connexion/mot-de-passe/", data).status_code == 200


# --- headers ------------------------------------------------------------------------------------
def test_security_headers_on_sign_in(client):
    response = client.get("/connexion/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    body = response.content.decode()
    assert all("nonce=" in tag for tag in re.findall(r"<script[^>]*>", body))
    assert "style=" not in body
