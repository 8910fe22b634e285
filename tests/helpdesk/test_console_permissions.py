"""Every console URL and action answers 403 to a signed-in member of staff without the console
permission, and sends anonymous visitors to sign in. The list comes from helpdesk.urls, so a new
console URL is covered as soon as it exists."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from helpdesk.models import AuditEntry, Message, Ticket
from helpdesk.urls import console_urlpatterns
from tests.helpdesk.conftest import lock_out, open_public_ticket, signed_in

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
NAMES = [p.name for p in console_urlpatterns]


@pytest.fixture
def ticket(client, teacher):
    lock_out("jdupont")
    _, ticket, _ = open_public_ticket(client, attachments=[SimpleUploadedFile("c.png", PNG)])
    return ticket


def _url(name: str, ticket: Ticket) -> str:
    pattern = next(p for p in console_urlpatterns if p.name == name)
    kwargs = {}
    keys = pattern.pattern.converters.keys()
    if "number" in keys:
        kwargs["number"] = ticket.number
    if "action" in keys:
        kwargs["action"] = "deverrouiller"
    if "attachment_id" in keys:
        kwargs["attachment_id"] = ticket.attachments.get().pk
    return reverse(f"helpdesk:{name}", kwargs=kwargs)


POST_DATA = {
    "body": "x",
    "visibility": "public",
    "status": "clos",
    "priority": "basse",
    "moi": "1",
    "unlock-comment": "x",
    "unlock-identity_checked": "on",
}


def test_the_list_covers_the_console():
    assert len(NAMES) >= 10 and all(p.pattern.describe().startswith("'console/") for p in console_urlpatterns)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_without_permission_get_403(name, method, ticket, make_user):
    staff = signed_in(make_user("lbernard"))
    response = getattr(staff, method)(_url(name, ticket), POST_DATA)
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == "nouveau" and ticket.assignee is None
    assert not AuditEntry.objects.exists() and not Message.objects.exclude(kind="demande").exists()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_sign_in(name, method, ticket):
    response = getattr(Client(), method)(_url(name, ticket), POST_DATA)
    assert response.status_code == 302 and response["Location"].startswith("/connexion/?next=")
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("name", ["audit", "audit_csv"])
def test_audit_journal_needs_the_export_permission(name, ticket, agent_client, dsi_client):
    assert agent_client.get(_url(name, ticket)).status_code == 403
    assert dsi_client.get(_url(name, ticket)).status_code == 200


def test_agents_reach_every_console_page(ticket, agent_client):
    for name in ("console", "lockouts", "console_ticket", "console_attachment"):
        assert agent_client.get(_url(name, ticket)).status_code == 200, name
