"""Rate limits on Redis, per client IP and per identifier; forged X-Forwarded-For; Redis down."""

from __future__ import annotations

import html
import ipaddress

import pytest
from django.core.cache import caches

from academie.models import LoginEvent

from .conftest import post_password

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_limits(settings):
    # Hour windows: django-ratelimit uses fixed windows, a minute boundary inside a test would reset counts.
    settings.ACADEMIE_RATELIMITS = {
        "login": {"ip": "6/h", "identifier": "4/h"},
        "code": {"ip": "6/h", "identifier": "4/h"},
        "reset": {"ip": "3/d", "identifier": "2/d"},
    }


def test_limits_are_counted_in_redis(tight_limits):
    assert caches["default"].__class__.__name__ == "RedisCache"


def test_per_identifier_limit_gives_the_french_429_page(client, tight_limits, make_user):
    make_user("cmoreau")
    responses = [
        post_password(client, "cmoreau", "x", REMOTE_ADDR=f"192.0.2.{i}") for i in range(1, 6)
    ]  # five addresses, one identifier
    assert [r.status_code for r in responses[:2]] == [200, 200]
    assert responses[-1].status_code == 429
    assert "Trop de tentatives" in html.unescape(responses[-1].content.decode())


def test_per_identifier_limit_uses_the_normalised_identifier(client, tight_limits):
    codes = [post_password(client, typed, "x").status_code for typed in ["Zz ", "zz", "ＺＺ", "ZZ", "zZ"]]
    assert codes[-1] == 429


def test_per_ip_limit(client, tight_limits):
    codes = [post_password(client, f"inconnu{i}", "x", REMOTE_ADDR="192.0.2.50").status_code for i in range(7)]
    assert codes[:6] == [200] * 6 and codes[6] == 429


def test_forged_x_forwarded_for_does_not_change_the_recorded_or_limited_ip(client, tight_limits):
    codes = [
        post_password(
            client, f"inconnu{i}", "x", REMOTE_ADDR="192.0.2.60", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}"
        ).status_code
        for i in range(7)
    ]
    assert codes[-1] == 429
    assert set(LoginEvent.objects.values_list("ip", flat=True)) == {"192.0.2.60"}


def test_x_forwarded_for_is_believed_from_a_configured_proxy(client, settings):
    settings.ACADEMIE_PROXY_NETWORKS = [ipaddress.ip_network("192.0.2.1/32")]
    post_password(client, "inconnu", "x", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    assert LoginEvent.objects.get().ip == "203.0.113.7"


def test_reset_requests_are_limited(client, tight_limits):
    codes = [client.post("/connexion/mot-de-passe/", {"username": "jdupont"}).status_code for _i in range(3)]
    assert codes == [302, 302, 429]


def test_code_step_is_limited(client, user, password, totp_device, tight_limits):
    post_password(client, "jdupont", password)
    codes = [
        client.post("/connexion/code/", {"device": totp_device.persistent_id, "otp_token": "x"}).status_code
        for _i in range(5)
    ]
    assert codes[-1] == 429


@pytest.fixture
def redis_down(settings):
    """The cache points at a closed port: Redis is "down" for this test."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
    # Django's setting_changed signal rebuilds the cache handler from the new CACHES.
    yield


def test_redis_down_sign_in_keeps_working_fail_open(client, user, password, totp_device, redis_down):
    from .conftest import post_code, totp_code

    response = post_password(client, "jdupont", password)
    assert response.status_code == 302 and response["Location"] == "/connexion/code/"
    assert post_code(client, totp_device, totp_code(totp_device))["Location"] == "/"
    assert client.get("/").status_code == 200
    health = client.get("/sante/")
    assert health.status_code == 503 and health.json()["checks"]["cache"]["ok"] is False


def test_redis_down_lockout_still_applies(client, user, password, redis_down):
    for _i in range(3):
        post_password(client, "jdupont", "mauvais")
    assert post_password(client, "jdupont", password)["Location"] == "/connexion/verrouille/"
    assert client.post("/connexion/mot-de-passe/", {"username": "jdupont"}).status_code == 302


def test_password_re_entry_is_limited(client, user, password, totp_device, tight_limits):
    from .conftest import sign_in

    sign_in(client, user, password, totp_device)
    codes = [client.post("/securite/appareils/", {"password": "devine"}).status_code for _i in range(5)]
    assert codes[:2] == [200, 200] and codes[-1] == 429
