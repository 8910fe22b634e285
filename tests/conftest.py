"""Shared fixtures. App-specific fixtures live in ``tests/<app>/conftest.py``."""

from __future__ import annotations

import itertools

import pytest
from django.core.cache import cache
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "Correct-Horse-Battery-42"
_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the shared Redis cache: start each test clean (our prefix only)."""
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")  # django-redis: only this project's key prefix, not FLUSHDB
    else:
        cache.clear()
    yield


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def make_user(db):
    """Factory: ``make_user(username="jdupont", **fields)`` with the shared test password."""
    from annuaire.models import User

    def _make(username: str | None = None, *, password: str = PASSWORD, **fields):
        username = username or f"agent{next(_counter)}"
        fields.setdefault("email", f"{username}@ac-nancy-metz.fr")
        fields.setdefault("first_name", "Camille")
        fields.setdefault("last_name", "Test")
        return User.objects.create_user(username=username, password=password, **fields)

    return _make


@pytest.fixture
def user(make_user):
    return make_user("jdupont", first_name="Jeanne", last_name="Dupont")


@pytest.fixture
def totp_device(user):
    return TOTPDevice.objects.create(user=user, name="Application", confirmed=True)


def verify_client(client, user, device=None):
    """Sign ``user`` in on ``client`` with a session verified by a second factor."""
    if device is None:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="Application", confirmed=True
        )
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def verified_client(client, user):
    """A test client signed in as ``user`` (jdupont) with a verified second factor."""
    return verify_client(client, user)
