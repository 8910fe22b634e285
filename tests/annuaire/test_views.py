"""Staff pages, vCard, hostile strings, admin (search, filters, bulk actions, history)."""

from __future__ import annotations

import re

import pytest

from annuaire.models import Assignment, ChangeRecord, DirectoryGroup, GroupMembership, User
from annuaire.vcard import escape, fold_line
from tests.conftest import verify_client


@pytest.fixture
def viewer_client(client, directory):
    return verify_client(client, directory.viewer)


def test_anonymous_is_sent_to_sign_in(client, directory):
    response = client.get("/annuaire/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def test_search_page_without_js(viewer_client, directory):
    page = viewer_client.get("/annuaire/", {"q": "helene"}).content.decode()
    assert 'href="/annuaire/personne/hlefebvre/"' in page
    assert "Chef d&#x27;établissement" in page
    assert 'src="/static/annuaire/search.js"' in page
    # strict CSP: no inline script, no style attribute
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "style=" not in page


def test_search_results_tell_people_apart_by_principal_assignment(viewer_client, directory):
    from annuaire import selectors

    # a second, non-principal assignment does not replace the principal one in the list
    Assignment.objects.create(user=directory.marchal, function=directory.ens, establishment=directory.ferry)
    User.objects.create(username="mnouveau", first_name="Marc", last_name="Nouveau", password="!")
    page = viewer_client.get("/annuaire/", {"q": "ma", "quoi": "personnes", "fragment": "1"}).content.decode()
    marchal = re.search(r"<li><a href=\"/annuaire/personne/amarchal/\">.*?</li>", page, re.S).group(0)
    assert "Personnel administratif</bdi>, <bdi>Direction des systèmes d&#x27;information</bdi>" in marchal
    newcomer = re.search(r"<li><a href=\"/annuaire/personne/mnouveau/\">.*?</li>", page, re.S).group(0)
    assert "annuaire-detail" not in newcomer  # no assignment yet: name only
    # the lean cards of the page and the full records of the vCard export say the same
    lean = selectors.directory_search(viewer=directory.viewer, query="ma", lean=True)
    full = selectors.directory_search(viewer=directory.viewer, query="ma")
    assert [c.person.pk for c in lean.cards] == [p.pk for p in full.people] and len(lean.cards) >= 4
    assert [(c.assigned, c.detail, c.places) for c in lean.cards] == [
        (c.assigned, c.detail, c.places) for c in full.cards
    ]


def test_search_fragment_and_filters(viewer_client, directory):
    fragment = viewer_client.get("/annuaire/", {"q": "lycee", "fragment": "1", "departement": "57"}).content.decode()
    assert "<html" not in fragment
    assert "Lycée Fabert" in fragment and "Poincaré" not in fragment
    kinds = viewer_client.get("/annuaire/", {"q": "", "quoi": "etablissements", "type_etablissement": "rectorat"})
    assert "Rectorat" in kinds.content.decode()
    nothing = viewer_client.get("/annuaire/", {"q": "xyzzy"}).content.decode()
    assert "Aucun résultat" in nothing


def test_establishment_card_lists_staff_by_function(viewer_client, directory):
    page = viewer_client.get("/annuaire/etablissement/0540038y/").content.decode()
    assert "Lycée Henri Poincaré" in page
    chef = page.index("Chef d&#x27;établissement")
    ens = page.index("Enseignant du second degré")
    assert chef < page.index("Hélène Lefèbvre") < ens < page.index("Julie Martin")
    assert viewer_client.get("/annuaire/etablissement/0000000A/").status_code == 404


def test_services_tree_and_service_page(viewer_client, directory):
    from annuaire.models import Service

    Service.objects.create(code="dsi-infra", name="Infrastructures", parent=directory.dsi)
    tree = viewer_client.get("/annuaire/services/").content.decode()
    assert tree.index("Direction des systèmes") < tree.index("Infrastructures")
    page = viewer_client.get("/annuaire/service/dsi/").content.decode()
    assert "Alain Marchal" in page and "Infrastructures" in page


def test_inactive_person_card_is_hidden(viewer_client, directory):
    directory.martine.is_active = False
    directory.martine.save()
    assert viewer_client.get("/annuaire/personne/mfaure/").status_code == 404
    assert viewer_client.get("/annuaire/personne/nobody/").status_code == 404


def test_hostile_strings_are_stored_and_shown_escaped(viewer_client, directory, group_factory):
    hostile = '<script>alert("x")</script>\u202e<img src=x onerror=alert(1)>'
    directory.helene.first_name = hostile
    directory.helene.last_name = "L" * 150
    directory.helene.save()
    directory.helene.refresh_from_db()
    assert directory.helene.first_name == hostile
    group_factory("g", hostile)
    for url in (
        "/annuaire/personne/hlefebvre/",
        "/annuaire/?q=" + "l" * 20,
        "/annuaire/groupes/",
        "/annuaire/etablissement/0540038Y/",
    ):
        page = viewer_client.get(url).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page, url
    card = viewer_client.get("/annuaire/personne/hlefebvre/").content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in card
    assert "<bdi>" in card  # RTL override cannot spill over the rest of the line
    data = viewer_client.get("/annuaire/autocomplete/", {"q": "lll"}).json()
    assert data["results"][0]["label"].startswith(hostile)  # JSON carries the raw text; the client escapes


def test_vcard_of_a_person(viewer_client, directory):
    response = viewer_client.get("/annuaire/personne/hlefebvre/vcard/")
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="hlefebvre.vcf"'
    body = response.content.decode()
    assert body.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Hélène Lefèbvre\r\nN:Lefèbvre;Hélène;;;\r\n")
    assert "ORG:Lycée Henri Poincaré\r\n" in body and "TITLE:Chef d'établissement\r\n" in body
    assert body.endswith("END:VCARD\r\n")


def test_vcard_of_a_search_result(viewer_client, directory):
    body = viewer_client.get("/annuaire/vcard/", {"q": "martin"}).content.decode()
    assert body.count("BEGIN:VCARD") == 3  # two Martin, one Martine
    assert body.count("BEGIN:VCARD") == body.count("END:VCARD")
    assert "EMAIL;TYPE=work:jmartin@ac-nancy-metz.fr" in body


def test_vcard_escaping_and_folding():
    assert escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    folded = fold_line("FN:" + "é" * 60)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "FN:" + "é" * 60


def test_groups_pages(viewer_client, directory, group_factory):
    group = group_factory("chefs", "Chefs d'établissement")
    GroupMembership.objects.create(group=group, user=directory.helene)
    assert "Chefs d&#x27;établissement" in viewer_client.get("/annuaire/groupes/").content.decode()
    page = viewer_client.get(f"/annuaire/groupe/{group.pk}/").content.decode()
    assert "Hélène Lefèbvre" in page
    group.active = False
    group.save()
    assert viewer_client.get(f"/annuaire/groupe/{group.pk}/").status_code == 404


# --- admin -----------------------------------------------------------------------
@pytest.fixture
def admin_client(client, make_user, directory):
    admin = make_user("admin.dsi", is_staff=True, is_superuser=True, first_name="Bruno", last_name="Colin")
    return verify_client(client, admin)


def test_admin_search_by_uai_identifier_and_name(admin_client, directory):
    by_uai = admin_client.get("/admin/annuaire/user/", {"q": "0570054Z"}).content.decode()
    assert "mmartin2" in by_uai and "hlefebvre" not in by_uai
    assert "hlefebvre" in admin_client.get("/admin/annuaire/user/", {"q": "Lefèbvre"}).content.decode()
    assert "jmartin" in admin_client.get("/admin/annuaire/user/", {"q": "jmartin"}).content.decode()


def test_admin_filters(admin_client, directory):
    page = admin_client.get("/admin/annuaire/user/", {"departement": "88"}).content.decode()
    assert "mfaure" in page and "mmartin2" not in page
    page = admin_client.get("/admin/annuaire/user/", {"fonction": str(directory.chef.pk)}).content.decode()
    assert "hlefebvre" in page and "jmartin" not in page
    page = admin_client.get("/admin/annuaire/user/", {"type_etablissement": "lycee", "is_active__exact": "1"})
    assert page.status_code == 200
    est = admin_client.get("/admin/annuaire/establishment/", {"department": "57"}).content.decode()
    assert "0570054Z" in est and "0540038Y" not in est


def test_admin_bulk_deactivate(admin_client, directory):
    response = admin_client.post(
        "/admin/annuaire/user/",
        {"action": "deactivate", "_selected_action": [directory.martine.pk, directory.marchal.pk]},
    )
    assert response.status_code == 302
    assert set(User.objects.filter(is_active=False).values_list("username", flat=True)) == {"mfaure", "amarchal"}
    assert User.objects.filter(username="mfaure").exists()  # never deleted
    assert ChangeRecord.objects.filter(action="deactivate", source="admin").count() == 2


def test_admin_bulk_move_to_establishment(admin_client, directory):
    ask = admin_client.post(
        "/admin/annuaire/user/", {"action": "move_to_establishment", "_selected_action": [directory.martine.pk]}
    )
    assert ask.status_code == 200 and "nouvel établissement principal" in ask.content.decode()
    admin_client.post(
        "/admin/annuaire/user/",
        {
            "action": "move_to_establishment",
            "_selected_action": [directory.martine.pk],
            "apply": "1",
            "establishment": directory.fabert.pk,
        },
    )
    assert Assignment.objects.get(user=directory.martine, principal=True).establishment == directory.fabert
    from annuaire import search

    assert search.search_entries("faure", filters={"department": "57"}).hits


def test_admin_bulk_add_to_group(admin_client, directory, group_factory):
    group = group_factory("chefs")
    admin_client.post(
        "/admin/annuaire/user/",
        {
            "action": "add_to_group",
            "_selected_action": [directory.helene.pk, directory.viewer.pk],
            "apply": "1",
            "group": group.pk,
        },
    )
    assert set(group.memberships.values_list("user__username", flat=True)) == {"hlefebvre", "jdupont"}


def test_admin_history_is_read_only(admin_client, directory):
    page = admin_client.get(f"/admin/annuaire/user/{directory.helene.pk}/change/")
    assert page.status_code == 200
    admin_client.post("/admin/annuaire/user/", {"action": "deactivate", "_selected_action": [directory.helene.pk]})
    page = admin_client.get(f"/admin/annuaire/user/{directory.helene.pk}/change/").content.decode()
    assert "historique des modifications" in page.lower() and "deactivate" in page
    record = ChangeRecord.objects.first()
    assert admin_client.get("/admin/annuaire/changerecord/").status_code == 200
    assert admin_client.get("/admin/annuaire/changerecord/add/").status_code == 403
    assert admin_client.post(f"/admin/annuaire/changerecord/{record.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ChangeRecord.objects.filter(pk=record.pk).exists()


def test_admin_group_change_page(admin_client, directory, group_factory):
    group = group_factory("g", "Groupe")
    assert admin_client.get(f"/admin/annuaire/directorygroup/{group.pk}/change/").status_code == 200
    assert DirectoryGroup.objects.count() == 1


def test_admin_establishment_and_service_pages(admin_client, directory):
    assert admin_client.get(f"/admin/annuaire/establishment/{directory.fabert.pk}/change/").status_code == 200
    assert admin_client.get("/admin/annuaire/establishment/", {"q": "Saint-Dié"}).status_code == 200
    assert admin_client.get(f"/admin/annuaire/service/{directory.dsi.pk}/change/").status_code == 200
    response = admin_client.post(
        f"/admin/annuaire/establishment/{directory.fabert.pk}/change/",
        {
            "uai": "0570054Z",
            "name": "Lycée Fabert (Metz)",
            "kind": "lycee",
            "public": "on",
            "commune": "Metz",
            "address": "",
            "phone": "",
            "email": "",
            "active": "on",
        },
    )
    assert response.status_code == 302
    record = ChangeRecord.objects.get(object_type="establishment", source="admin")
    assert record.changes == {"name": "Lycée Fabert (Metz)"}
    bad = admin_client.post(
        f"/admin/annuaire/establishment/{directory.fabert.pk}/change/",
        {"uai": "0570054A", "name": "X", "kind": "lycee", "commune": "Metz", "active": "on"},
    )
    assert bad.status_code == 200 and "lettre de contrôle" in bad.content.decode()
