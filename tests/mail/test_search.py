"""Server-side search (IMAP SEARCH): sender, recipient, subject, body, dates, folder or all."""

from __future__ import annotations

import re

import pytest

from tests.mail.conftest import make_message

pytestmark = pytest.mark.imap


def _subjects(html: str) -> list[str]:
    return re.findall(r'class="mail-open">([^<]*)</a>', html)


@pytest.fixture
def corpus(mailbox, append):
    mailbox.create_folder("Projets")
    append(
        make_message(
            "Conseil pédagogique",
            "ordre du jour : évaluations",
            sender="Paul Proviseur <proviseur@lycee.fr>",
            date="Mon, 05 Oct 2026 10:00:00 +0200",
        )
    )
    append(make_message("Réunion parents", "salle 12", to="parents@college.fr", date="Thu, 15 Oct 2026 10:00:00 +0200"))
    append(
        make_message("Budget 2027", "les évaluations de fin d'année", date="Fri, 06 Nov 2026 10:00:00 +0100"),
        folder="Projets",
    )


def test_search_subject_sender_recipient_body(mail_client, corpus):
    assert _subjects(mail_client.get("/messagerie/recherche/?f=INBOX&objet=conseil").content.decode()) == [
        "Conseil pédagogique"
    ]
    assert _subjects(mail_client.get("/messagerie/recherche/?f=INBOX&de=proviseur").content.decode()) == [
        "Conseil pédagogique"
    ]
    assert _subjects(mail_client.get("/messagerie/recherche/?f=INBOX&a=parents%40college.fr").content.decode()) == [
        "Réunion parents"
    ]
    assert _subjects(mail_client.get("/messagerie/recherche/?f=INBOX&texte=salle").content.decode()) == [
        "Réunion parents"
    ]


def test_search_in_all_folders_and_accents(mail_client, corpus):
    html = mail_client.get("/messagerie/recherche/?f=INBOX&texte=%C3%A9valuations&portee=tout").content.decode()
    assert _subjects(html) == ["Budget 2027", "Conseil pédagogique"]  # newest first
    assert "2 résultats" in html
    assert ">Projets</span>" in html  # folder shown
    only_inbox = mail_client.get("/messagerie/recherche/?f=INBOX&texte=%C3%A9valuations").content.decode()
    assert _subjects(only_inbox) == ["Conseil pédagogique"]


def test_search_date_range(mail_client, corpus):
    # On the message's own date (the one shown in the list), bounds included.
    html = mail_client.get("/messagerie/recherche/?f=INBOX&depuis=2026-10-10&jusqua=2026-10-15").content.decode()
    assert _subjects(html) == ["Réunion parents"]
    html = mail_client.get("/messagerie/recherche/?f=INBOX&depuis=2026-10-05&portee=tout").content.decode()
    assert _subjects(html) == ["Budget 2027", "Réunion parents", "Conseil pédagogique"]
    html = mail_client.get("/messagerie/recherche/?f=INBOX&jusqua=2020-01-01").content.decode()
    assert _subjects(html) == [] and "Aucun message ne correspond." in html


def test_search_form_without_criteria_and_bad_input(mail_client, corpus):
    response = mail_client.get("/messagerie/recherche/?f=INBOX")
    assert response.status_code == 200 and "Rechercher des messages" in response.content.decode()
    response = mail_client.get('/messagerie/recherche/?f=INBOX&objet="%5C*%25{}&depuis=pas-une-date')
    assert response.status_code == 200
    assert mail_client.get("/messagerie/recherche/?f=Nope&objet=x").status_code == 404
