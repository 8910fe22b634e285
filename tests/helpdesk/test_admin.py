"""The helpdesk admin pages DSI staff live in render and keep tickets undeletable."""

from __future__ import annotations

import pytest

from helpdesk import services
from helpdesk.models import AgentScope, Category

pytestmark = pytest.mark.django_db


def test_admin_pages_render(dsi_client, teacher, agent):
    ticket = services.open_portal_ticket(
        user=teacher, category=Category.objects.get(slug="autre"), subject="x", description="y"
    )
    scope = AgentScope.objects.create(user=agent, departments="54")
    category = Category.objects.get(slug="compte-bloque")
    for url in (
        "/admin/helpdesk/ticket/",
        f"/admin/helpdesk/ticket/{ticket.pk}/change/",
        "/admin/helpdesk/category/",
        f"/admin/helpdesk/category/{category.pk}/change/",
        "/admin/helpdesk/agentscope/",
        f"/admin/helpdesk/agentscope/{scope.pk}/change/",
        "/admin/helpdesk/auditentry/",
    ):
        assert dsi_client.get(url).status_code == 200, url
    assert dsi_client.get(f"/admin/helpdesk/ticket/{ticket.pk}/delete/").status_code == 403


def test_categories_are_seeded_with_slugs_used_by_the_sign_in_pages():
    slugs = set(Category.objects.values_list("slug", flat=True))
    assert {
        "compte-bloque",
        "second-facteur-perdu",
        "mot-de-passe",
        "hameconnage",
        "messagerie",
        "agenda",
        "autre",
    } <= slugs
