"""Groups: nesting without cycles, expansion to addresses, join requests, who may post."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from annuaire import services
from annuaire.models import GroupMembership, JoinRequest
from annuaire.selectors import can_post_to_group, expand_group_addresses
from tests.conftest import verify_client


def test_self_nesting_is_refused(group_factory):
    a = group_factory("a", "Groupe A")
    with pytest.raises(ValidationError, match="membre de lui-même"):
        services.add_subgroup(group=a, subgroup=a, actor=None)


def test_indirect_cycle_is_refused_with_a_clear_message(group_factory):
    a, b, c = group_factory("a", "Groupe A"), group_factory("b", "Groupe B"), group_factory("c", "Groupe C")
    services.add_subgroup(group=a, subgroup=b, actor=None)
    services.add_subgroup(group=b, subgroup=c, actor=None)
    with pytest.raises(ValidationError) as exc:
        services.add_subgroup(group=c, subgroup=a, actor=None)
    assert "boucle" in exc.value.messages[0] and "Groupe A" in exc.value.messages[0]
    assert not GroupMembership.objects.filter(group=c, subgroup=a).exists()


def test_model_validation_refuses_cycles_too(group_factory):
    a, b = group_factory("a"), group_factory("b")
    GroupMembership.objects.create(group=a, subgroup=b)
    with pytest.raises(ValidationError):
        GroupMembership(group=b, subgroup=a).full_clean()


def test_admin_inline_refuses_a_cycle(client, make_user, group_factory):
    a, b = group_factory("a", "Groupe A"), group_factory("b", "Groupe B")
    GroupMembership.objects.create(group=a, subgroup=b)
    admin = make_user("admin.dsi", is_staff=True, is_superuser=True)
    verify_client(client, admin)
    data = {
        "name": "Groupe B",
        "address": "b@ac-nancy-metz.fr",
        "kind": "liste",
        "post_policy": "membres",
        "active": "on",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-0-subgroup": str(a.pk),
        "memberships-0-group": str(b.pk),
        "join_requests-TOTAL_FORMS": "0",
        "join_requests-INITIAL_FORMS": "0",
    }
    response = client.post(f"/admin/annuaire/directorygroup/{b.pk}/change/", data)
    assert response.status_code == 200
    assert "boucle" in response.content.decode()
    assert not GroupMembership.objects.filter(group=b, subgroup=a).exists()


def test_expand_nested_group_to_addresses(directory, group_factory):
    top, chefs = group_factory("top"), group_factory("chefs")
    services.add_subgroup(group=top, subgroup=chefs, actor=None)
    services.add_person_to_group(group=chefs, person=directory.helene, actor=None)
    services.add_person_to_group(group=top, person=directory.martin_metz, actor=None)
    services.add_person_to_group(group=top, person=directory.helene, actor=None)  # duplicate via nesting
    services.add_external_address(group=top, email=" Parent.Eleve@Example.org ", name="Parent", actor=None)
    inactive = directory.martine
    inactive.is_active = False
    inactive.save()
    services.add_person_to_group(group=chefs, person=inactive, actor=None)
    assert expand_group_addresses(top) == [
        "hlefebvre@ac-nancy-metz.fr",
        "mmartin2@ac-nancy-metz.fr",
        "parent.eleve@example.org",
    ]


def test_who_may_post(directory, group_factory):
    members_only = group_factory("m", post_policy="membres")
    owners_only = group_factory("o", post_policy="proprietaires")
    academy = group_factory("t", post_policy="academie")
    nested = group_factory("n")
    services.add_subgroup(group=members_only, subgroup=nested, actor=None)
    services.add_person_to_group(group=nested, person=directory.helene, actor=None)
    owners_only.owners.add(directory.viewer)
    assert can_post_to_group(user=directory.helene, group=members_only)  # via the nested group
    assert not can_post_to_group(user=directory.martin_metz, group=members_only)
    assert can_post_to_group(user=directory.viewer, group=owners_only)
    assert not can_post_to_group(user=directory.helene, group=owners_only)
    assert can_post_to_group(user=directory.martin_metz, group=academy)


def test_join_request_flow_over_http(client, directory, group_factory):
    group = group_factory("numerique", "Numérique éducatif", kind="discussion")
    group.owners.add(directory.helene)
    verify_client(client, directory.martin_metz)
    assert client.post(f"/annuaire/groupe/{group.pk}/rejoindre/", {"message": "Bonjour"}).status_code == 302
    jr = JoinRequest.objects.get(group=group, user=directory.martin_metz)
    assert "en attente" in client.get(f"/annuaire/groupe/{group.pk}/").content.decode()
    # a non-owner cannot decide
    forbidden = client.post(f"/annuaire/groupe/{group.pk}/demandes/{jr.pk}/", {"decision": "accepter"})
    assert forbidden.status_code == 403
    client.logout()
    verify_client(client, directory.helene)
    page = client.get(f"/annuaire/groupe/{group.pk}/").content.decode()
    assert "Marc Martin" in page and "Bonjour" in page
    client.post(f"/annuaire/groupe/{group.pk}/demandes/{jr.pk}/", {"decision": "accepter"})
    jr.refresh_from_db()
    assert (jr.status, jr.decided_by) == ("acceptee", directory.helene)
    assert GroupMembership.objects.filter(group=group, user=directory.martin_metz).exists()
    again = client.post(f"/annuaire/groupe/{group.pk}/demandes/{jr.pk}/", {"decision": "refuser"}, follow=True)
    assert "déjà été traitée" in again.content.decode()


def test_distribution_lists_take_no_join_requests(client, directory, group_factory):
    group = group_factory("liste", kind="liste")
    verify_client(client, directory.viewer)
    client.post(f"/annuaire/groupe/{group.pk}/rejoindre/")
    assert not JoinRequest.objects.exists()


def test_external_addresses_are_shown_only_to_managers(client, directory, group_factory):
    group = group_factory("parents", "Parents 3e B")
    group.owners.add(directory.helene)
    services.add_external_address(group=group, email="parent@example.org", actor=None)
    verify_client(client, directory.viewer)
    assert "parent@example.org" not in client.get(f"/annuaire/groupe/{group.pk}/").content.decode()
    assert "parent@example.org" not in client.get(f"/annuaire/groupe/{group.pk}/vcard/").content.decode()
    client.logout()
    verify_client(client, directory.helene)
    assert "parent@example.org" in client.get(f"/annuaire/groupe/{group.pk}/").content.decode()
    vcf = client.get(f"/annuaire/groupe/{group.pk}/vcard/").content.decode()
    assert "KIND:group" in vcf and "MEMBER:mailto:parent@example.org" in vcf


def test_group_by_address_for_compose(directory, group_factory):
    from annuaire.selectors import group_by_address

    group = group_factory("chefs-54", "Chefs 54")
    services.add_person_to_group(group=group, person=directory.helene, actor=None)
    found = group_by_address(" Chefs-54@AC-Nancy-Metz.fr ")
    assert found == group
    assert expand_group_addresses(found) == ["hlefebvre@ac-nancy-metz.fr"]
    group.active = False
    group.save()
    assert group_by_address("chefs-54@ac-nancy-metz.fr") is None
