"""Helpdesk fixtures: reference data, establishments, agents, verified clients, lockouts."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory

from annuaire.models import Assignment, Establishment, Function
from helpdesk.defaults import AGENT_GROUP
from helpdesk.demo import ensure_reference_data
from tests.conftest import verify_client


@pytest.fixture(autouse=True)
def _helpdesk_setup(db, settings, tmp_path):
    """Categories and the agents' group survive flushes of transactional tests; uploads go to a
    temporary MEDIA_ROOT."""
    ensure_reference_data()
    # Password hashing is not under test here; Argon2 on a shared 2-core machine is most of the time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HELPDESK_SITE_URL = "https://messagerie.example.test"


@pytest.fixture
def make_establishment(db):
    def _make(
        uai: str = "0540038Y", name: str = "Lycée Henri Poincaré", department: str = "54", phone: str = "03 83 36 75 42"
    ):
        est, _ = Establishment.objects.get_or_create(
            uai=uai, defaults={"name": name, "kind": "lycee", "department": department, "phone": phone}
        )
        return est

    return _make


@pytest.fixture
def assign(db):
    def _assign(user, establishment, principal: bool = True):
        function, _ = Function.objects.get_or_create(code="ens-2d", defaults={"name": "Enseignant"})
        return Assignment.objects.create(user=user, function=function, establishment=establishment, principal=principal)

    return _assign


@pytest.fixture
def teacher(make_user, make_establishment, assign):
    """jdupont, teacher at the lycée Henri Poincaré (54, 03 83 36 75 42)."""
    user = make_user("jdupont", first_name="Jeanne", last_name="Dupont")
    assign(user, make_establishment())
    return user


@pytest.fixture
def agent(make_user):
    user = make_user("agent.assistance", first_name="Aurélie", last_name="Thiriet")
    user.groups.add(Group.objects.get(name=AGENT_GROUP))
    return user


@pytest.fixture
def dsi(make_user):
    return make_user("admin.dsi", first_name="Bruno", last_name="Colin", is_staff=True, is_superuser=True)


def signed_in(user) -> Client:
    return verify_client(Client(), user)


@pytest.fixture
def agent_client(agent) -> Client:
    return signed_in(agent)


@pytest.fixture
def dsi_client(dsi) -> Client:
    return signed_in(dsi)


def lock_out(identifier: str, *, ip: str = "203.0.113.9", times: int = 3) -> None:
    """Real django-axes lockout: wrong passwords through ``authenticate(request=…)``."""
    factory = RequestFactory()
    for _ in range(times):
        request = factory.post("/connexion/", {"username": identifier, "password": "wrong"}, REMOTE_ADDR=ip)
        request.client_ip = ip
        authenticate(request=request, username=identifier, password="wrong-password")


PUBLIC_FORM = {
    "identifier": " JDupont ",
    "contact_name": "Jeanne Dupont",
    "contact_email": "jeanne.dupont@ac-nancy-metz.fr",
    "contact_phone": "",
    "category": "compte-bloque",
    "subject": "Compte bloqué",
    "description": "Je me suis trompée trois fois de mot de passe.",
    "website": "",
}


@pytest.fixture
def public_form() -> dict:
    return dict(PUBLIC_FORM)


def open_public_ticket(client: Client, *, meta: dict | None = None, **overrides):
    """Post the public form; returns (response, ticket, status path)."""
    from helpdesk.models import Ticket

    data = {**PUBLIC_FORM, **overrides}
    before = set(Ticket.objects.values_list("pk", flat=True))
    response = client.post("/assistance/nouveau/", data, **(meta or {}))
    created = Ticket.objects.exclude(pk__in=before).order_by("-pk").first()
    return response, created, response.get("Location", "")
