"""Signed-in staff: their own tickets, replies, attachments, rating."""

from __future__ import annotations

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from helpdesk import services
from helpdesk.models import Attachment, Ticket
from tests.helpdesk.conftest import open_public_ticket, signed_in

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _portal_ticket(client: Client, **extra) -> Ticket:
    data = {"category": "messagerie", "subject": "Thunderbird", "description": "Il ne se connecte plus.", **extra}
    response = client.post("/assistance/nouveau/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    number = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    return Ticket.objects.get(number=number)


def test_signed_in_staff_gets_the_portal_form_and_sees_their_tickets(teacher):
    client = signed_in(teacher)
    html = client.get("/assistance/nouveau/").content.decode()
    assert 'name="identifier"' not in html and 'name="website"' not in html
    ticket = _portal_ticket(client)
    assert ticket.requester == teacher and ticket.account == teacher and ticket.source == "portail"
    assert ticket.identifier == "jdupont" and ticket.department == "54"
    listing = client.get("/assistance/").content.decode()
    assert ticket.number in listing and "Mes demandes" in listing
    page = client.get(f"/assistance/mes-demandes/{ticket.number}/")
    assert page.status_code == 200 and "Il ne se connecte plus." in page.content.decode()


def test_staff_see_only_their_own_tickets(teacher, make_user):
    mine = _portal_ticket(signed_in(teacher))
    other = make_user("mmartin2")
    other_client = signed_in(other)
    assert other_client.get(f"/assistance/mes-demandes/{mine.number}/").status_code == 404
    assert (
        other_client.post(f"/assistance/mes-demandes/{mine.number}/", {"action": "reply", "body": "x"}).status_code
        == 404
    )
    assert mine.number not in other_client.get("/assistance/").content.decode()
    # guessing numbers around it gives 404 as well
    year, seq = mine.number.split("-")[1:]
    for n in (int(seq) - 1, int(seq) + 1):
        assert other_client.get(f"/assistance/mes-demandes/AS-{year}-{n:05d}/").status_code == 404


def test_staff_pages_need_a_verified_session(teacher):
    ticket = _portal_ticket(signed_in(teacher))
    anonymous = Client()
    response = anonymous.get(f"/assistance/mes-demandes/{ticket.number}/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/?next=")
    half = Client()
    half.force_login(teacher, backend="django.contrib.auth.backends.ModelBackend")  # password only
    response = half.get(f"/assistance/mes-demandes/{ticket.number}/")
    assert response.status_code == 302 and response["Location"] == "/connexion/code/"
    # a password-only session on the form gets the public form, not the staff one
    assert 'name="identifier"' in half.get("/assistance/nouveau/").content.decode()


def test_attachments_are_stored_safely_and_downloaded_as_attachments(teacher, settings, agent_client):
    client = signed_in(teacher)
    upload = SimpleUploadedFile("../../etc/capture écran\u202egnp.png", PNG, content_type="text/html")
    ticket = _portal_ticket(client, attachments=[upload, SimpleUploadedFile("rapport.pdf", PDF)])
    files = list(ticket.attachments.order_by("pk"))
    assert [a.content_type for a in files] == ["image/png", "application/pdf"]
    stored = files[0]
    assert stored.filename == "capture écrangnp.png"  # no path, no bidi override
    assert stored.file.name.startswith("helpdesk/") and "." not in os.path.basename(stored.file.name)
    assert os.path.realpath(stored.file.path).startswith(os.path.realpath(settings.MEDIA_ROOT))
    response = client.get(f"/assistance/mes-demandes/{ticket.number}/pieces/{stored.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"  # ours, not the uploader's text/html
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''capture%20%C3%A9crangnp.png" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PNG
    # the agent can download it too; someone else cannot
    assert agent_client.get(f"/assistance/console/tickets/{ticket.number}/pieces/{stored.pk}/").status_code == 200
    stranger = signed_in(
        __import__("annuaire.models", fromlist=["User"]).User.objects.create_user("intrus", password="x" * 14)
    )
    assert stranger.get(f"/assistance/mes-demandes/{ticket.number}/pieces/{stored.pk}/").status_code == 404
    assert Client().get(f"/assistance/mes-demandes/{ticket.number}/pieces/{stored.pk}/").status_code == 302


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("facture.pdf.exe", b"MZ\x90\x00", "type de fichier refusé"),
        ("page.html", b"<html><script>alert(1)</script>", "type de fichier refusé"),
        ("image.svg", b"<svg onload=alert(1)>", "type de fichier refusé"),
        ("photo.png", b"<html><script>alert(1)</script>", "le contenu ne correspond pas"),
        ("notes.txt", b"\x00\x01\x02binary", "le contenu ne correspond pas"),
        ("sans-extension", b"hello", "type de fichier refusé"),
    ],
)
def test_hostile_attachments_are_refused_with_a_clear_message(teacher, name, content, message):
    client = signed_in(teacher)
    response = client.post(
        "/assistance/nouveau/",
        {
            "category": "autre",
            "subject": "Pièce",
            "description": "Texte gardé",
            "attachments": [SimpleUploadedFile(name, content)],
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "Texte gardé" in html
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


def test_attachment_size_and_count_limits(teacher, settings):
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 1000
    client = signed_in(teacher)
    response = client.post(
        "/assistance/nouveau/",
        {
            "category": "autre",
            "subject": "Gros",
            "description": "x",
            "attachments": [SimpleUploadedFile("gros.pdf", PDF + b"0" * 2000)],
        },
    )
    assert "trop volumineux" in response.content.decode()
    files = [SimpleUploadedFile(f"f{i}.png", PNG) for i in range(4)]
    response = client.post(
        "/assistance/nouveau/", {"category": "autre", "subject": "Nombreux", "description": "x", "attachments": files}
    )
    assert "3 fichiers au plus" in response.content.decode()
    assert not Ticket.objects.exists()


def test_public_requester_downloads_only_public_attachments(client, teacher, agent):
    _, ticket, location = open_public_ticket(client, attachments=[SimpleUploadedFile("capture.png", PNG)])
    public_file = ticket.attachments.get()
    note = services.add_agent_message(
        agent=agent,
        ticket=ticket,
        body="capture interne",
        internal=True,
        files=[
            __import__("helpdesk.files", fromlist=["check_upload"]).check_upload(SimpleUploadedFile("interne.pdf", PDF))
        ],
    )
    internal_file = note.attachments.get()
    assert client.get(f"{location}pieces/{public_file.pk}/").status_code == 200
    assert client.get(f"{location}pieces/{internal_file.pk}/").status_code == 404
    assert "interne.pdf" not in client.get(location).content.decode()


def test_rating_only_when_resolved(teacher, agent):
    client = signed_in(teacher)
    ticket = _portal_ticket(client)
    url = f"/assistance/mes-demandes/{ticket.number}/"
    assert "Évaluer la réponse" not in client.get(url).content.decode()
    response = client.post(url, {"action": "rate", "rating": "5", "comment": "Merci"})
    assert response.status_code == 400
    services.change_status(agent=agent, ticket=ticket, status=Ticket.Status.RESOLU)
    assert "Évaluer la réponse" in client.get(url).content.decode()
    assert client.post(url, {"action": "rate", "rating": "9"}).status_code == 400
    assert client.post(url, {"action": "rate", "rating": "4", "comment": "Rapide <b>merci</b>"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.rating == 4 and ticket.rating_comment == "Rapide <b>merci</b>"
    assert client.post(url, {"action": "rate", "rating": "1"}).status_code == 400  # only once
    ticket.refresh_from_db()
    assert ticket.rating == 4
