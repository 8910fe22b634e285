"""SMS HTTP gateway against a real local HTTP server, demo data, demo_code, admin pages."""

from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from academie import sms
from academie.models import LoginEvent, ServiceTile, SMSDevice
from tests.conftest import verify_client


@pytest.fixture
def sms_server():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"auth": self.headers["Authorization"], "json": json.loads(body)})
            self.send_response(202 if received[-1]["json"]["to"] != "refuse" else 500)
            self.end_headers()

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/send", received
    server.shutdown()


def test_http_gateway_posts_json_with_the_token(settings, sms_server):
    url, received = sms_server
    settings.SMS_GATEWAY = "http"
    settings.SMS_HTTP_URL = url
    settings.SMS_HTTP_TOKEN = "jeton-secret"
    sms.send_sms(to="+33600000001", text="Code 123456")
    assert received == [{"auth": "Bearer jeton-secret", "json": {"to": "+33600000001", "text": "Code 123456"}}]
    with pytest.raises(sms.SMSUnavailable):
        sms.send_sms(to="refuse", text="x")


def test_console_gateway_prints_the_code(settings, capsys, user):
    settings.SMS_GATEWAY = "console"
    device = SMSDevice.objects.create(user=user, name="SMS", number="0600000001", confirmed=True)
    device.generate_challenge()
    assert device.token in capsys.readouterr().out


@pytest.mark.django_db
def test_demo_data_is_idempotent_and_explains_sign_in(settings):
    out = io.StringIO()
    call_command("demo_data", "--skip", "mail.demo", "--skip", "agenda.demo", "--skip", "helpdesk.demo", stdout=out)
    devices = TOTPDevice.objects.count()
    call_command("demo_data", "--skip", "mail.demo", "--skip", "agenda.demo", "--skip", "helpdesk.demo", stdout=out)
    assert TOTPDevice.objects.count() == devices > 10
    assert ServiceTile.objects.filter(name="M@gistère").count() == 1
    text = out.getvalue()
    assert "demo_code" in text and "ckieffer" in text
    assert not TOTPDevice.objects.filter(user__username="ckieffer").exists()

    settings.DEBUG = True
    code_out = io.StringIO()
    call_command("demo_code", "JDupont", stdout=code_out)
    device = TOTPDevice.objects.get(user__username="jdupont")
    assert (
        code_out.getvalue().strip()
        == f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    )
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_code", "jdupont", stdout=io.StringIO())


@pytest.mark.django_db
def test_admin_pages_for_dsi(client, make_user):
    admin = make_user("admin.dsi", is_staff=True, is_superuser=True)
    LoginEvent.objects.create(identifier="jdupont", ip="10.0.0.1", result="password_failed")
    verify_client(client, admin)
    for url in (
        "/admin/academie/servicetile/",
        "/admin/academie/servicetile/add/",
        "/admin/academie/loginevent/",
        "/admin/academie/usersession/",
        "/admin/academie/rememberedbrowser/",
        "/admin/academie/knownnetwork/",
        "/admin/academie/smsdevice/",
        "/admin/axes/accessattempt/",
        "/admin/axes/accessfailurelog/",
    ):
        assert client.get(url).status_code == 200, url


def test_system_check_refuses_a_lockout_that_would_not_work(settings):
    from academie.checks import check_sign_in_protection

    assert check_sign_in_protection(None) == []
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    settings.AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
    assert {e.id for e in check_sign_in_protection(None)} == {"academie.E002", "academie.E003"}
