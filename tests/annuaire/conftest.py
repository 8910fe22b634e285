"""Fixtures of the annuaire tests: a small académie without password hashing (fast)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from annuaire.models import Assignment, DirectoryGroup, Establishment, Function, Service, User


def person(username: str, first: str, last: str, *, function: Function, establishment=None, service=None, **fields):
    fields.setdefault("email", f"{username}@ac-nancy-metz.fr")
    user = User.objects.create(username=username, first_name=first, last_name=last, password="!", **fields)
    Assignment.objects.create(
        user=user, function=function, establishment=establishment, service=service, principal=True
    )
    return user


@pytest.fixture
def directory(db):
    """Three establishments, a service, functions and a few namesakes."""
    d = SimpleNamespace()
    d.poincare = Establishment.objects.create(
        uai="0540038Y", name="Lycée Henri Poincaré", kind="lycee", commune="Nancy"
    )
    d.fabert = Establishment.objects.create(uai="0570054Z", name="Lycée Fabert", kind="lycee", commune="Metz")
    d.ferry = Establishment.objects.create(
        uai="0880020U", name="Lycée Jules Ferry", kind="lycee", commune="Saint-Dié-des-Vosges"
    )
    d.rectorat = Establishment.objects.create(uai="0542222X", name="Rectorat", kind="rectorat", commune="Nancy")
    d.dsi = Service.objects.create(code="dsi", name="Direction des systèmes d'information", establishment=d.rectorat)
    d.ens = Function.objects.create(code="ens-2d", name="Enseignant du second degré")
    d.chef = Function.objects.create(code="chef", name="Chef d'établissement")
    d.adm = Function.objects.create(code="adm", name="Personnel administratif")
    d.helene = person(
        "hlefebvre",
        "Hélène",
        "Lefèbvre",
        function=d.chef,
        establishment=d.poincare,
        office_phone="03 83 00 00 01",
        mobile_phone="06 00 00 00 01",
    )
    d.martin_metz = person("mmartin2", "Marc", "Martin", function=d.ens, establishment=d.fabert)
    d.martin_nancy = person("jmartin", "Julie", "Martin", function=d.ens, establishment=d.poincare)
    d.martine = person("mfaure", "Martine", "Faure", function=d.ens, establishment=d.ferry)
    d.marchal = person("amarchal", "Alain", "Marchal", function=d.adm, service=d.dsi)
    d.viewer = person("jdupont", "Jeanne", "Dupont", function=d.ens, establishment=d.poincare)
    return d


@pytest.fixture
def group_factory(db):
    def make(local: str, name: str | None = None, **fields) -> DirectoryGroup:
        return DirectoryGroup.objects.create(address=f"{local}@ac-nancy-metz.fr", name=name or local, **fields)

    return make
