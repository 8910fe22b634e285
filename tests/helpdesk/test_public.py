"""The public form and the private status link, without any session (the locked-out case)."""

from __future__ import annotations

import pytest
from django.core import mail, signing

from helpdesk import selectors
from helpdesk.models import AuditEntry, Message, Ticket
from tests.helpdesk.conftest import open_public_ticket

pytestmark = pytest.mark.django_db


def test_form_is_public_and_prefills_category_from_slug(client):
    response = client.get("/assistance/nouveau/?categorie=compte-bloque")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="compte-bloque" selected>' in html
    assert 'name="identifier"' in html and 'name="website"' in html  # public form with honeypot
    # unknown slug: no pre-selection, no error
    html = client.get("/assistance/nouveau/?categorie=%3Cscript%3E").content.decode()
    assert '<option value="" selected>' in html and "&lt;script&gt;" not in html


def test_landing_page_links_to_the_form_without_signing_in(client):
    response = client.get("/assistance/")
    assert response.status_code == 200
    assert "/assistance/nouveau/?categorie=compte-bloque" in response.content.decode()


def test_public_ticket_without_session_gives_number_and_status_link(client, teacher):
    response, ticket, location = open_public_ticket(client)
    assert response.status_code == 302
    assert ticket is not None and location == selectors.status_path(ticket)
    assert ticket.number.startswith("AS-") and ticket.source == Ticket.Source.PUBLIC
    assert ticket.identifier == "jdupont" and ticket.account == teacher  # normalised, linked to the account
    assert ticket.requester is None and ticket.department == "54"
    assert ticket.priority == "haute" and ticket.status == "nouveau"
    # SLA of the category (4 h for a locked account)
    assert (ticket.due_at - ticket.created_at).total_seconds() == 4 * 3600
    page = client.get(location)
    assert page.status_code == 200
    html = page.content.decode()
    assert ticket.number in html and "Conservez ce lien" in html
    assert f"https://messagerie.example.test{location}" not in html  # shown from the request's host
    assert page["Referrer-Policy"] == "no-referrer" and page["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]
    # confirmation e-mail with the private link
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["jeanne.dupont@ac-nancy-metz.fr"]
    assert ticket.number in mail.outbox[0].subject
    assert f"https://messagerie.example.test{location}" in mail.outbox[0].body


def test_status_link_from_another_browser_works_without_session(client, teacher):
    _, ticket, location = open_public_ticket(client)
    from django.test import Client

    other = Client()
    assert other.get(location).status_code == 200


def test_unknown_identifier_gets_the_same_answer(client):
    response, ticket, location = open_public_ticket(client, identifier="personne.inconnue")
    assert response.status_code == 302 and location.startswith("/assistance/suivi/")
    assert ticket.account is None and ticket.identifier == "personne.inconnue"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token, t: token[:-1] + ("A" if token[-1] != "A" else "B"),  # bad signature
        lambda token, t: signing.Signer(salt="helpdesk.suivi").sign(f"{t.pk}.{'0' * 32}"),  # signed, wrong key
        lambda token, t: signing.Signer(salt="autre").sign(f"{t.pk}.{t.access_key}"),  # other salt
        lambda token, t: signing.Signer(salt="helpdesk.suivi").sign(f"{t.pk + 1000}.{t.access_key}"),  # other ticket
        lambda token, t: t.number,  # the ticket number alone
        lambda token, t: "x" * 300,
    ],
)
def test_guessed_or_tampered_links_give_404(client, teacher, mangle):
    _, ticket, location = open_public_ticket(client)
    token = location.split("/")[3]
    bad = mangle(token, ticket)
    assert client.get(f"/assistance/suivi/{bad}/").status_code == 404
    assert client.post(f"/assistance/suivi/{bad}/", {"action": "reply", "body": "x"}).status_code == 404


def test_a_link_shows_only_its_own_ticket(client, teacher):
    _, first, first_loc = open_public_ticket(client, subject="Premier sujet")
    _, second, second_loc = open_public_ticket(client, subject="Second sujet")
    html = client.get(first_loc).content.decode()
    assert "Premier sujet" in html and "Second sujet" not in html
    # the other ticket's key with this ticket's id does not open it
    forged = signing.Signer(salt="helpdesk.suivi").sign(f"{first.pk}.{second.access_key}")
    assert client.get(f"/assistance/suivi/{forged}/").status_code == 404


def test_requester_replies_through_the_link_and_never_sees_internal_notes(client, teacher, agent):
    from helpdesk import services

    _, ticket, location = open_public_ticket(client)
    services.add_agent_message(agent=agent, ticket=ticket, body="NOTE-SECRETE rappel prévu", internal=True)
    services.add_agent_message(agent=agent, ticket=ticket, body="Nous vous rappelons au collège.", internal=False)
    services.change_status(agent=agent, ticket=ticket, status=Ticket.Status.EN_ATTENTE)
    html = client.get(location).content.decode()
    assert "Nous vous rappelons au collège." in html
    assert "NOTE-SECRETE" not in html and "Note interne" not in html
    response = client.post(location, {"action": "reply", "body": "Je suis disponible à 14 h."})
    assert response.status_code == 302 and response["Location"] == location
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.EN_COURS  # a reply reopens a waiting ticket
    assert ticket.messages.filter(kind=Message.Kind.REQUEST, body="Je suis disponible à 14 h.").exists()
    change = AuditEntry.objects.filter(ticket=ticket, action="status_change").first()
    assert change.actor is None and change.detail == "en_attente -> en_cours"


def test_closed_ticket_takes_no_reply(client, teacher, agent):
    from helpdesk import services

    _, ticket, location = open_public_ticket(client)
    services.change_status(agent=agent, ticket=ticket, status=Ticket.Status.CLOS)
    response = client.post(location, {"action": "reply", "body": "Encore moi"})
    assert response.status_code == 400
    assert "clos" in response.content.decode()
    assert not ticket.messages.filter(body="Encore moi").exists()


def test_html_in_fields_is_shown_escaped(client, teacher, agent_client):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    _, ticket, location = open_public_ticket(client, subject=evil, description=evil, contact_name=evil)
    for page in (client.get(location), agent_client.get(f"/assistance/console/tickets/{ticket.number}/")):
        html = page.content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_one_megabyte_description_is_refused_with_a_clear_message_and_kept(client, teacher):
    big = "A" * (1024 * 1024)
    response, ticket, _ = open_public_ticket(client, description=big)
    assert response.status_code == 200 and ticket is None
    html = response.content.decode()
    assert "limité à 20 000 caractères" in html and "1 048 576" in html
    assert big in html  # nothing typed is lost


def test_contact_is_required(client):
    response, ticket, _ = open_public_ticket(client, contact_email="", contact_phone="")
    assert ticket is None and "Indiquez un courriel ou un téléphone" in response.content.decode()


def test_honeypot_creates_nothing(client):
    response, ticket, _ = open_public_ticket(client, website="http://spam.example")
    assert response.status_code == 200 and ticket is None
    assert Ticket.objects.count() == 0 and not mail.outbox


def test_flood_from_one_ip_is_rate_limited(client, settings):
    settings.HELPDESK_RATE_PUBLIC_IP = "3/h"
    settings.HELPDESK_RATE_PUBLIC_IDENTIFIER = "100/h"
    for n in range(3):
        response, ticket, _ = open_public_ticket(client, identifier=f"user{n}")
        assert response.status_code == 302
    response, ticket, _ = open_public_ticket(client, identifier="user9", description="Mon texte à garder")
    assert response.status_code == 429 and ticket is None
    html = response.content.decode()
    assert "Trop de demandes" in html and "Mon texte à garder" in html
    # another address is not limited
    response, ticket, _ = open_public_ticket(client, identifier="user10", meta={"REMOTE_ADDR": "198.51.100.7"})
    assert ticket is not None


def test_flood_on_one_identifier_is_rate_limited_across_addresses(client, settings):
    settings.HELPDESK_RATE_PUBLIC_IP = "100/h"
    settings.HELPDESK_RATE_PUBLIC_IDENTIFIER = "2/h"
    from django.test import Client

    for n, spelling in enumerate(["jdupont", " JDUPONT"]):
        response = Client(REMOTE_ADDR=f"198.51.100.{n + 1}").post(
            "/assistance/nouveau/", {**_form(), "identifier": spelling}
        )
        assert response.status_code == 302
    response = Client(REMOTE_ADDR="198.51.100.50").post(
        "/assistance/nouveau/", {**_form(), "identifier": "ＪＤｕｐｏｎｔ"}
    )
    assert response.status_code == 429
    assert Ticket.objects.count() == 2


def test_replies_through_the_link_are_rate_limited(client, teacher, settings):
    settings.HELPDESK_RATE_REPLY_IP = "2/h"
    _, ticket, location = open_public_ticket(client)
    assert client.post(location, {"action": "reply", "body": "un"}).status_code == 302
    assert client.post(location, {"action": "reply", "body": "deux"}).status_code == 302
    response = client.post(location, {"action": "reply", "body": "trois"})
    assert response.status_code == 429
    assert not ticket.messages.filter(body="trois").exists()


def test_form_needs_csrf(teacher):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/assistance/nouveau/", _form()).status_code == 403


def _form() -> dict:
    from tests.helpdesk.conftest import PUBLIC_FORM

    return dict(PUBLIC_FORM)


def test_signed_in_staff_do_not_use_up_the_public_limit(client, teacher, settings):
    from tests.helpdesk.conftest import signed_in

    settings.HELPDESK_RATE_PUBLIC_IP = "2/h"
    staff = signed_in(teacher)
    for n in range(3):
        response = staff.post("/assistance/nouveau/", {"category": "autre", "subject": f"s{n}", "description": "d"})
        assert response.status_code == 302
    response, ticket, _ = open_public_ticket(client)
    assert response.status_code == 302 and ticket is not None


def test_oversized_upload_is_refused_before_parsing(client, settings):
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 1000
    settings.HELPDESK_ATTACHMENTS_PER_MESSAGE = 1
    body = b"x" * (4 * 1024 * 1024)
    response = client.post("/assistance/nouveau/", data=body, content_type="multipart/form-data; boundary=zzz")
    assert response.status_code == 413
    assert "trop volumineux" in response.content.decode()
    assert Ticket.objects.count() == 0
