"""Fixtures and HTTP helpers for the sign-in tests."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from academie import sms

UNTRUSTED_IP = "198.51.100.7"
TRUSTED_IP = "10.54.1.20"


def totp_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def post_password(client, username: str, password: str, **extra):  # noqa: ANN001, ANN003, ANN201
    return client.post("/connexion/", {"username": username, "password": password}, **extra)


def post_code(client, device, token: str, **extra):  # noqa: ANN001, ANN003, ANN201
    data = {"device": device.persistent_id, "otp_token": token}
    data.update(extra.pop("data", {}))
    return client.post("/connexion/code/", data, **extra)


def sign_in(client, user, password: str, device: TOTPDevice, **extra):  # noqa: ANN001, ANN003, ANN201
    """Both steps through HTTP; returns the response of the code step."""
    response = post_password(client, user.username, password, **extra)
    assert response.status_code == 302 and response["Location"] == "/connexion/code/", response
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # allow the same time step twice in one test
    return post_code(client, device, totp_code(device), **extra)


@pytest.fixture(autouse=True)
def _academie_settings(settings):
    settings.ACADEMIE_TRUSTED_NETWORKS = settings.ACADEMIE_TRUSTED_NETWORKS + [
        __import__("ipaddress").ip_network("10.0.0.0/8")
    ]
    settings.SMS_GATEWAY = "locmem"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def no_otp_throttle(settings):
    """django-otp's exponential back-off off, to reach five wrong codes quickly."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    settings.OTP_SMS_THROTTLE_FACTOR = 0
