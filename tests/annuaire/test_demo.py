import io

from annuaire import demo, search
from annuaire.models import DirectoryGroup, User
from annuaire.selectors import expand_group_addresses


def test_demo_seed_is_idempotent_and_searchable(db):
    demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    assert (
        User.objects.filter(username__in=["jdupont", "mmartin2", "hlefebvre", "agent.assistance", "admin.dsi"]).count()
        == 5
    )
    assert User.objects.get(username="jdupont").check_password(demo.DEMO_PASSWORD)
    top = DirectoryGroup.objects.get(address="chefs-academie@ac-nancy-metz.fr")
    assert {"helene.lefebvre@ac-nancy-metz.fr", "sophie.fontaine@ac-nancy-metz.fr"} <= set(expand_group_addresses(top))
    hits = search.search_entries("helene").hits
    assert hits and hits[0].object_id == User.objects.get(username="hlefebvre").pk
