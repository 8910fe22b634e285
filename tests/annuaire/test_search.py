"""Search and autocomplete: folding, ranking, typos, namesakes, inactive people, index upkeep."""

from __future__ import annotations

from annuaire import search
from annuaire.folding import fold
from annuaire.models import Establishment, User
from tests.conftest import verify_client


def ids(result, kind="person"):
    return [h.object_id for h in result.hits if h.kind == kind]


def test_fold():
    assert fold("  Hélène LEFÈBVRE ") == "helene lefebvre"
    assert fold("Saint-Dié-des-Vosges") == "saint die des vosges"
    assert fold("Vandœuvre-lès-Nancy") == "vandoeuvre les nancy"
    assert fold("<b>\u202eÉmilie</b>") == "b emilie b"


def test_accents_and_case_are_ignored(directory):
    for query in ("helene", "HÉLÈNE", "Helene", "lefebvre", "LEFEBVRE hel"):
        assert ids(search.search_entries(query)) == [directory.helene.pk], query


def test_st_finds_saint(directory):
    hits = search.search_entries("st die").hits
    assert (hits[0].kind, hits[0].object_id) == ("establishment", directory.ferry.pk)


def test_uai_and_identifier(directory):
    assert ids(search.search_entries("0570054z"), "establishment") == [directory.fabert.pk]
    assert ids(search.search_entries("mmartin2")) == [directory.martin_metz.pk]


def test_exact_surname_ranks_before_prefix_matches(directory):
    order = ids(search.search_entries("martin", kinds=("person",)))
    # both Martins (exact word) before Martine Faure (prefix of her first name)
    assert set(order[:2]) == {directory.martin_metz.pk, directory.martin_nancy.pk}
    assert order[2] == directory.martine.pk


def test_namesakes_in_my_establishment_come_first(directory):
    viewer = directory.viewer  # Poincaré, Nancy
    order = ids(search.search_entries("martin", kinds=("person",), viewer=viewer))
    assert order[0] == directory.martin_nancy.pk
    metz_viewer = directory.martin_metz
    assert ids(search.search_entries("martin", kinds=("person",), viewer=metz_viewer))[0] == directory.martin_metz.pk


def test_all_words_must_match(directory):
    assert ids(search.search_entries("martin marc")) == [directory.martin_metz.pk]
    assert ids(search.search_entries("marc martin")) == [directory.martin_metz.pk]
    assert ids(search.search_entries("martin zzz")) == []


def test_typo_falls_back_to_trigram_similarity(directory):
    result = search.search_entries("lefevre")
    assert ids(result) == [directory.helene.pk]
    assert result.corrected_query == "lefebvre"


def test_inactive_people_are_not_suggested(directory):
    directory.martine.is_active = False
    directory.martine.save()
    assert directory.martine.pk not in ids(search.search_entries("mar"))


def test_index_follows_renames_and_deletions(directory):
    helene = directory.helene
    helene.last_name = "Dubois"
    helene.save()
    assert ids(search.search_entries("dubois")) == [helene.pk]
    assert ids(search.search_entries("lefebvre")) == []
    Establishment.objects.filter(pk=directory.fabert.pk).update(name="Lycée Fabert")  # bulk: no signal
    helene.delete()
    assert ids(search.search_entries("dubois")) == []


def test_filters(directory):
    result = search.search_entries("martin", kinds=("person",), filters={"department": "57"})
    assert ids(result) == [directory.martin_metz.pk]
    browse = search.search_entries("", kinds=("establishment",), filters={"department": "88"})
    assert ids(browse, "establishment") == [directory.ferry.pk]
    by_function = search.search_entries("", kinds=("person",), filters={"function_id": directory.chef.pk})
    assert ids(by_function) == [directory.helene.pk]


def test_rebuild_index_command(directory):
    from django.core.management import call_command

    from annuaire.models import SearchEntry

    SearchEntry.objects.all().delete()
    assert search.search_entries("helene").hits == []
    call_command("reindex_annuaire")
    assert ids(search.search_entries("helene")) == [directory.helene.pk]


def test_autocomplete_json_tells_namesakes_apart(client, directory, group_factory):
    group_factory("martin-fans", "Amis de Saint-Martin")
    verify_client(client, directory.viewer)
    data = client.get("/annuaire/autocomplete/", {"q": "martin"}).json()
    people = [r for r in data["results"] if r["type"] == "person"]
    assert people[0]["id"] == "jmartin"  # same establishment as the viewer
    assert (
        people[0]["establishment"] == "Lycée Henri Poincaré" and people[0]["function"] == "Enseignant du second degré"
    )
    assert people[1]["establishment"] == "Lycée Fabert" and people[1]["commune"] == "Metz"
    groups = [r for r in data["results"] if r["type"] == "group"]
    assert groups and groups[0]["email"] == "martin-fans@ac-nancy-metz.fr"
    assert all(r["type"] in {"person", "group"} for r in data["results"])


def test_autocomplete_prefix_as_you_type(client, directory):
    verify_client(client, directory.viewer)
    for prefix in ("h", "he", "hel", "hele", "helen"):
        labels = [r["label"] for r in client.get("/annuaire/autocomplete/", {"q": prefix}).json()["results"]]
        assert "Hélène Lefèbvre" in labels, prefix
    assert client.get("/annuaire/autocomplete/", {"q": ""}).json()["results"] == []
    assert client.get("/annuaire/autocomplete/", {"q": "%_\\'"}).json()["results"] == []
    long = client.get("/annuaire/autocomplete/", {"q": "a" * 5000, "limit": "abc"})
    assert long.status_code == 200


def test_autocomplete_types_and_limit(client, directory):
    verify_client(client, directory.viewer)
    data = client.get("/annuaire/autocomplete/", {"q": "lycee", "types": "establishment", "limit": "2"}).json()
    assert len(data["results"]) == 2 and {r["type"] for r in data["results"]} == {"establishment"}


def test_autocomplete_needs_a_verified_session(client, directory):
    assert client.get("/annuaire/autocomplete/", {"q": "martin"}).status_code == 302
    client.force_login(directory.viewer, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/annuaire/autocomplete/", {"q": "martin"})
    assert response.status_code == 302 and "/connexion/code/" in response["Location"]


def test_autocomplete_query_count_is_flat(client, directory):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.annuaire.conftest import person

    verify_client(client, directory.viewer)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            n = len(client.get("/annuaire/autocomplete/", {"q": "martin"}).json()["results"])
        return n, len(ctx)

    count()  # warm-up: the first request of a session registers it (academie.UserSession)
    few, queries_few = count()
    for i in range(15):
        person(f"martin{i}", "Paul", "Martin", function=directory.ens, establishment=directory.fabert)
    many, queries_many = count()
    assert (few, many) == (3, 10)
    assert queries_many == queries_few  # no N+1
    # session, user, second-factor device, ranking (the viewer's places included), people: nothing
    # else per keystroke (the tracked session is refreshed once a minute, not on every request)
    assert queries_few <= 5, queries_few


def test_user_created_through_create_user_is_searchable(db):
    User.objects.create_user(username="Zoe.Kieffer", first_name="Zoé", last_name="Kieffer", password="x" * 12)
    assert [h.kind for h in search.search_entries("zoe").hits] == ["person"]
