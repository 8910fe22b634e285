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


def test_autocomplete_email_follows_the_single_rule(client, directory, agent):
    """The suggestions read people in one lean query: the e-mail they show is still exactly what
    ``visible_person_fields`` allows, non-principal assignments included, for every kind of viewer."""
    from annuaire.models import Assignment
    from tests.annuaire.conftest import person

    helene = directory.helene  # principal assignment at Poincaré (Nancy)
    helene.email_visibility = Visibility.ESTABLISHMENT
    helene.save()
    Assignment.objects.create(user=helene, function=directory.ens, establishment=directory.ferry, principal=False)
    part_timer = person("ppoincare", "Paul", "Petit", function=directory.ens, establishment=directory.fabert)
    Assignment.objects.create(
        user=part_timer, function=directory.ens, establishment=directory.poincare, principal=False
    )
    at_ferry = directory.martine  # shares Helene's second establishment
    viewers = {
        directory.viewer: True,  # same principal establishment
        directory.martin_metz: False,  # elsewhere
        part_timer: True,  # shares it through a non-principal assignment
        at_ferry: True,  # shares Hélène's non-principal establishment
        agent: True,
        helene: True,  # herself
    }
    for viewer, sees in viewers.items():
        client.logout()
        verify_client(client, viewer)
        results = client.get("/annuaire/autocomplete/", {"q": "hlefebvre"}).json()["results"]
        assert [r["id"] for r in results] == ["hlefebvre"], viewer.username
        expected = visible_person_fields(viewer=viewer, person=helene).get("email", "")
        assert results[0]["email"] == expected == ("hlefebvre@ac-nancy-metz.fr" if sees else ""), viewer.username
    helene.email_visibility = Visibility.AGENTS
    helene.save()
    for viewer, sees in ((directory.viewer, False), (agent, True)):
        client.logout()
        verify_client(client, viewer)
        results = client.get("/annuaire/autocomplete/", {"q": "hlefebvre"}).json()["results"]
        assert results[0]["email"] == ("hlefebvre@ac-nancy-metz.fr" if sees else ""), viewer.username
