"""Who sees which field of a person's card: one selector, checked per viewer, over HTTP too."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from annuaire.models import Visibility
from annuaire.selectors import visible_person_fields
from tests.conftest import verify_client


@pytest.fixture
def agent(directory):
    from tests.annuaire.conftest import person

    user = person("agent.assistance", "Aurélie", "Thiriet", function=directory.adm, service=directory.dsi)
    user.user_permissions.add(Permission.objects.get(codename="view_private_fields"))
    return user


def test_mobile_phone_is_private_by_default(directory):
    helene = directory.helene
    assert helene.mobile_phone_visibility == Visibility.AGENTS
    colleague = directory.viewer  # same establishment
    assert visible_person_fields(viewer=colleague, person=helene) == {
        "email": "hlefebvre@ac-nancy-metz.fr",
        "office_phone": "03 83 00 00 01",
    }


def test_each_viewer_sees_what_the_rules_allow(directory, agent):
    helene = directory.helene
    helene.email_visibility = Visibility.EVERYONE
    helene.office_phone_visibility = Visibility.ESTABLISHMENT
    helene.mobile_phone_visibility = Visibility.AGENTS
    helene.save()
    same_place = directory.viewer  # Poincaré
    elsewhere = directory.martin_metz  # Fabert
    assert set(visible_person_fields(viewer=same_place, person=helene)) == {"email", "office_phone"}
    assert set(visible_person_fields(viewer=elsewhere, person=helene)) == {"email"}
    assert set(visible_person_fields(viewer=agent, person=helene)) == {"email", "office_phone", "mobile_phone"}
    assert set(visible_person_fields(viewer=helene, person=helene)) == {"email", "office_phone", "mobile_phone"}


def test_service_colleagues_share_a_place(directory, agent):
    marchal = directory.marchal
    marchal.office_phone = "03 83 86 20 21"
    marchal.office_phone_visibility = Visibility.ESTABLISHMENT
    marchal.save()
    from tests.annuaire.conftest import person

    dsi_colleague = person("bcolin", "Bruno", "Colin", function=directory.adm, service=directory.dsi)
    assert "office_phone" in visible_person_fields(viewer=dsi_colleague, person=marchal)
    assert "office_phone" not in visible_person_fields(viewer=directory.viewer, person=marchal)


def test_card_and_vcard_follow_the_rules(client, directory):
    verify_client(client, directory.martin_metz)
    card = client.get("/annuaire/personne/hlefebvre/").content.decode()
    assert "03 83 00 00 01" in card
    assert "06 00 00 00 01" not in card
    vcf = client.get("/annuaire/personne/hlefebvre/vcard/").content.decode()
    assert "TEL;VALUE=text;TYPE=work,voice:03 83 00 00 01" in vcf
    assert "06 00 00 00 01" not in vcf


def test_agent_sees_the_mobile_on_the_card(client, directory, agent):
    verify_client(client, agent)
    assert "06 00 00 00 01" in client.get("/annuaire/personne/hlefebvre/").content.decode()


def test_person_sets_own_visibility(client, directory):
    verify_client(client, directory.helene)
    response = client.post(
        "/annuaire/ma-fiche/visibilite/",
        {"email_visibility": "etablissement", "office_phone_visibility": "agents", "mobile_phone_visibility": "tous"},
    )
    assert response.status_code == 302
    directory.helene.refresh_from_db()
    assert directory.helene.mobile_phone_visibility == "tous"
    assert visible_person_fields(viewer=directory.martin_metz, person=directory.helene) == {
        "mobile_phone": "06 00 00 00 01"
    }
    bad = client.post(
        "/annuaire/ma-fiche/visibilite/",
        {"email_visibility": "monde", "office_phone_visibility": "agents", "mobile_phone_visibility": "tous"},
        follow=True,
    )
    assert "Choix de visibilité inconnu" in bad.content.decode()


def test_autocomplete_hides_a_restricted_email(client, directory):
    directory.helene.email_visibility = Visibility.ESTABLISHMENT
    directory.helene.save()
    verify_client(client, directory.martin_metz)
    result = client.get("/annuaire/autocomplete/", {"q": "helene"}).json()["results"][0]
    assert (result["id"], result["email"]) == ("hlefebvre", "")
