"""The two-step sign-in through HTTP: password, then a code from the device the user chose."""

from __future__ import annotations

import html

import pytest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from academie import sms
from academie.models import LoginEvent, SMSDevice, UserSession

from .conftest import post_code, post_password, sign_in, totp_code

pytestmark = pytest.mark.django_db


def test_password_then_totp_reaches_home_with_new_session_key(client, user, password, totp_device):
    response = post_password(client, "jdupont", password)
    assert response.status_code == 302 and response["Location"] == "/connexion/code/"
    assert client.get("/").status_code == 302  # password alone does not open the portal
    key_after_password = client.session.session_key

    response = post_code(client, totp_device, totp_code(totp_device))
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session.session_key != key_after_password
    home = client.get("/")
    assert home.status_code == 200 and "Bonjour Jeanne Dupont" in home.content.decode()
    assert UserSession.objects.filter(user=user, session_key=client.session.session_key).exists()
    results = list(LoginEvent.objects.filter(user=user).order_by("id").values_list("result", flat=True))
    assert results == ["password_ok", "success"]


def test_next_parameter_is_kept_and_must_be_local(client, user, password, totp_device):
    client.get("/connexion/?next=/securite/historique/")
    sign_in(client, user, password, totp_device)
    response = client.get("/connexion/")
    assert response["Location"] in ("/", "/securite/historique/")
    client2 = client.__class__()
    client2.get("/connexion/?next=https://evil.example/")
    response = sign_in(client2, user, password, totp_device)
    assert response["Location"] == "/"


@pytest.mark.parametrize("typed", ["JDupont ", "jdupont", "ＪＤＵＰＯＮＴ", "  jDUPONT\t"])
def test_identifier_is_normalised_for_sign_in(client, user, password, totp_device, typed):
    response = post_password(client, typed, password)
    assert response.status_code == 302 and response["Location"] == "/connexion/code/"


def test_unknown_identifier_and_wrong_password_get_the_same_message(client, user, password):
    unknown = post_password(client, "personne", password)
    wrong = post_password(client, "jdupont", "pas-le-bon-mot-de-passe")
    assert unknown.status_code == wrong.status_code == 200
    message = "Identifiant ou mot de passe incorrect."
    assert message in unknown.content.decode() and message in wrong.content.decode()
    assert unknown.context["form"].errors == wrong.context["form"].errors


def test_inactive_account_gets_the_same_message(client, make_user, password):
    make_user("retraite", is_active=False)
    response = post_password(client, "retraite", password)
    assert "Identifiant ou mot de passe incorrect." in response.content.decode()


def test_code_is_checked_only_against_the_chosen_device(client, user, password, totp_device):
    backup = StaticDevice.objects.create(user=user, name="Codes de secours", confirmed=True)
    StaticToken.objects.create(device=backup, token="abcd2345")
    post_password(client, "jdupont", password)
    # The TOTP code typed while "backup codes" is chosen is refused...
    response = post_code(client, backup, totp_code(totp_device))
    assert response.status_code == 200 and "Code incorrect ou expiré." in response.content.decode()
    totp_device.refresh_from_db()
    assert totp_device.throttling_failure_count == 0  # ...and the TOTP device is not throttled by it
    response = post_code(client, totp_device, totp_code(totp_device))
    assert response.status_code == 302


def test_backup_code_works_once(client, user, password, totp_device):
    backup = StaticDevice.objects.create(user=user, name="Codes de secours", confirmed=True)
    StaticToken.objects.create(device=backup, token="abcd2345")
    post_password(client, "jdupont", password)
    assert post_code(client, backup, "abcd2345").status_code == 302
    client.post("/deconnexion/")
    post_password(client, "jdupont", password)
    response = post_code(client, backup, "abcd2345")
    assert response.status_code == 200 and "Code incorrect ou expiré." in response.content.decode()


def test_someone_elses_device_is_refused(client, user, password, totp_device, make_user):
    other = make_user("mmartin2")
    other_device = TOTPDevice.objects.create(user=other, name="x", confirmed=True)
    post_password(client, "jdupont", password)
    response = post_code(client, other_device, totp_code(other_device))
    assert response.status_code == 200
    assert not client.get("/").status_code == 200


def test_sms_code_sent_through_the_adapter(client, user, password, totp_device):
    device = SMSDevice.objects.create(user=user, name="SMS", number="06 12 34 56 78", confirmed=True)
    post_password(client, "jdupont", password)
    page = client.get("/connexion/code/").content.decode()
    assert "Recevoir un code par SMS" in page
    response = client.post("/connexion/code/", {"device": device.persistent_id, "send_sms": "1"})
    assert response.status_code == 302
    assert len(sms.outbox) == 1 and sms.outbox[0]["to"] == "06 12 34 56 78"
    device.refresh_from_db()
    assert device.token in sms.outbox[0]["text"]
    response = post_code(client, device, device.token)
    assert response.status_code == 302 and response["Location"] == "/"


def test_sms_gateway_down_is_a_message_not_a_500(client, user, password, totp_device, settings):
    settings.SMS_GATEWAY = "http"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/sms"  # discard port: connection refused
    device = SMSDevice.objects.create(user=user, name="SMS", number="0612345678", confirmed=True)
    post_password(client, "jdupont", password)
    response = client.post("/connexion/code/", {"device": device.persistent_id, "send_sms": "1"}, follow=True)
    assert response.status_code == 200
    assert "Le SMS n'a pas pu être envoyé" in html.unescape(response.content.decode())


def test_first_sign_in_forces_enrolment_with_qr_and_backup_codes(client, user, password):
    response = post_password(client, "jdupont", password)
    assert response["Location"] == "/connexion/enrolement/"
    assert client.get("/connexion/code/")["Location"] == "/connexion/enrolement/"
    page = client.get("/connexion/enrolement/")
    body = page.content.decode()
    assert "<svg" in body and "<script" not in body.split("<main", 1)[1].split("</main>")[0]
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/connexion/enrolement/", {"otp_token": totp_code(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    codes = response.context["codes"]
    assert len(codes) == 10 and all(code in response.content.decode() for code in codes)
    assert client.get("/").status_code == 200
    # Shown once: the page of the second-step is no longer reachable and the codes are not displayed again.
    assert client.get("/connexion/enrolement/").status_code == 302


def test_enrolment_wrong_code_is_a_form_error(client, user, password):
    post_password(client, "jdupont", password)
    response = client.post("/connexion/enrolement/", {"otp_token": "000000"})
    assert response.status_code == 200 and "Code incorrect" in response.content.decode()


def test_sign_out_is_post_only_and_closes_the_session(client, user, password, totp_device):
    sign_in(client, user, password, totp_device)
    assert client.get("/deconnexion/").status_code == 405
    response = client.post("/deconnexion/")
    assert response.status_code == 302 and response["Location"] == "/connexion/"
    assert client.get("/").status_code == 302
    assert not UserSession.objects.filter(user=user).exists()


def test_admin_needs_a_verified_session(client, make_user, password):
    admin = make_user("admin.dsi", is_staff=True, is_superuser=True)
    TOTPDevice.objects.create(user=admin, name="x", confirmed=True)
    assert client.get("/admin/")["Location"].startswith("/connexion/")
    post_password(client, "admin.dsi", password)
    assert client.get("/admin/")["Location"] == "/connexion/code/"


def test_enrolment_by_sms_uses_the_directory_number(client, make_user, password):
    user = make_user("cmoreau", mobile_phone="06 98 76 54 32")
    post_password(client, "cmoreau", password)
    assert "Ou par SMS" in client.get("/connexion/enrolement/").content.decode()
    client.post("/connexion/enrolement/", {"action": "sms_send", "number": "06 00 00 00 00"})
    assert [m["to"] for m in sms.outbox] == ["06 98 76 54 32"]
    device = SMSDevice.objects.get(user=user)
    response = client.post("/connexion/enrolement/", {"action": "sms", "sms-otp_token": device.token})
    assert response.status_code == 200 and len(response.context["codes"]) == 10
    device.refresh_from_db()
    assert device.confirmed and client.get("/").status_code == 200


def test_enrolment_without_mobile_offers_no_sms(client, user, password):
    post_password(client, "jdupont", password)
    assert "Ou par SMS" not in client.get("/connexion/enrolement/").content.decode()
    client.post("/connexion/enrolement/", {"action": "sms_send"})
    assert sms.outbox == [] and not SMSDevice.objects.exists()


def test_sms_resend_is_limited_to_one_a_minute(client, user, password, totp_device):
    device = SMSDevice.objects.create(user=user, name="SMS", number="0612345678", confirmed=True)
    post_password(client, "jdupont", password)
    for _i in range(3):
        client.post("/connexion/code/", {"device": device.persistent_id, "send_sms": "1"})
    assert len(sms.outbox) == 1


def test_helpdesk_second_factor_reset_forces_enrolment(client, user, password, totp_device):
    from academie import selectors, services

    sign_in(client, user, password, totp_device)
    post_password(client.__class__(), "jdupont", "faux")
    services.reset_second_factor(user=user)
    assert client.get("/").status_code == 302  # sessions closed
    assert post_password(client, "jdupont", password)["Location"] == "/connexion/enrolement/"
    results = [e.result for e in selectors.recent_sign_in_events(" JDupont")]
    assert "password_failed" in results and results[0] == "password_ok"


def test_enrolment_sms_resend_is_limited(client, make_user, password):
    make_user("cmoreau", mobile_phone="0698765432")
    post_password(client, "cmoreau", password)
    for _i in range(3):
        client.post("/connexion/enrolement/", {"action": "sms_send"})
    assert len(sms.outbox) == 1 and SMSDevice.objects.count() == 1
