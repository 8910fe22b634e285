"""Folder tree, message list, sorting, filters and bulk actions against the real Dovecot."""

from __future__ import annotations

import re

import pytest

from tests.mail.conftest import make_message

pytestmark = pytest.mark.imap


def _subjects(html: str) -> list[str]:
    return re.findall(r'class="mail-open">([^<]*)</a>', html)


def test_inbox_requires_verified_session(client):
    response = client.get("/messagerie/")
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")


def test_folder_tree_special_first_in_french_with_unread_counts(mail_client, mailbox, append):
    mailbox.create_folder("Projets")
    mailbox.create_folder("Aardvark")
    append(make_message("Lu"), flags=["\\Seen"])
    append(make_message("Non lu 1"))
    append(make_message("Non lu 2"))
    html = mail_client.get("/messagerie/").content.decode()
    labels = re.findall(r'class="mail-folder-label">([^<]*)<', html)
    assert labels == [
        "Boîte de réception",
        "Brouillons",
        "Envoyés",
        "Archives",
        "Indésirables",
        "Corbeille",
        "Aardvark",
        "Projets",
    ]
    assert re.search(r'Boîte de réception</span>\s*<span class="fr-badge[^"]*" title="non lus">2</span>', html)
    assert "Espace utilisé" in html  # quota gauge (Dovecot reports QUOTA)


def test_list_is_newest_first_fifty_per_page(mail_client, mailbox):
    mailbox.multiappend("INBOX", [make_message(f"Message {i:03d}") for i in range(1, 61)])
    first = mail_client.get("/messagerie/")
    subjects = _subjects(first.content.decode())
    assert len(subjects) == 50
    assert subjects[0] == "Message 060" and subjects[-1] == "Message 011"
    assert "Page 1 sur 2" in first.content.decode()
    second = _subjects(mail_client.get("/messagerie/?f=INBOX&page=2").content.decode())
    assert second == [f"Message {i:03d}" for i in range(10, 0, -1)]
    ascending = _subjects(mail_client.get("/messagerie/?f=INBOX&ordre=asc").content.decode())
    assert ascending[:2] == ["Message 001", "Message 002"]


def test_sort_by_subject_sender_size(mail_client, append):
    append(make_message("Bravo", sender="Zoé Zeller <zz@ac-nancy-metz.fr>", body="x" * 5000))
    append(make_message("Alpha", sender="Albert Arnaud <aa@ac-nancy-metz.fr>", body="court"))
    append(make_message("Charlie", sender="Marc Martin <mm@ac-nancy-metz.fr>", body="y" * 500))
    by_subject = _subjects(mail_client.get("/messagerie/?f=INBOX&tri=subject&ordre=asc").content.decode())
    assert by_subject == ["Alpha", "Bravo", "Charlie"]
    by_sender = _subjects(mail_client.get("/messagerie/?f=INBOX&tri=sender&ordre=asc").content.decode())
    assert by_sender == ["Alpha", "Charlie", "Bravo"]
    by_size = _subjects(mail_client.get("/messagerie/?f=INBOX&tri=size&ordre=desc").content.decode())
    assert by_size == ["Bravo", "Charlie", "Alpha"]


def test_filters_unread_flagged_attachments(mail_client, append):
    append(make_message("Lu"), flags=["\\Seen"])
    append(make_message("Suivi"), flags=["\\Seen", "\\Flagged"])
    append(make_message("Avec PJ", attachments=[("note.pdf", "application/pdf", b"%PDF-1.4 test")]), flags=["\\Seen"])
    append(make_message("Nouveau"))
    assert _subjects(mail_client.get("/messagerie/?f=INBOX&filtre=unread").content.decode()) == ["Nouveau"]
    assert _subjects(mail_client.get("/messagerie/?f=INBOX&filtre=flagged").content.decode()) == ["Suivi"]
    assert _subjects(mail_client.get("/messagerie/?f=INBOX&filtre=attachments").content.decode()) == ["Avec PJ"]
    html = mail_client.get("/messagerie/?f=INBOX").content.decode()
    assert html.count("mail-row mail-unread") == 1  # unread in bold
    assert "fr-icon-attachment-line" in html and "mail-flag-icon" in html


def test_sorted_list_cache_follows_folder_state(mail_client, append, mailbox):
    """The cached UID order is keyed by the folder state: a new message or a flag change shows at once."""
    append(make_message("Alpha"))
    assert _subjects(mail_client.get("/messagerie/?f=INBOX&filtre=unread").content.decode()) == ["Alpha"]
    uid, _v = append(make_message("Beta"))
    assert _subjects(mail_client.get("/messagerie/?f=INBOX&filtre=unread").content.decode()) == ["Beta", "Alpha"]
    mailbox.select("INBOX")
    mailbox.add_flags([uid], ["\\Seen"])
    assert _subjects(mail_client.get("/messagerie/?f=INBOX&filtre=unread").content.decode()) == ["Alpha"]


def test_bulk_flags_move_copy_delete_restore_empty(mail_client, mailbox, append):
    mailbox.create_folder("Classement")
    u1, v = append(make_message("Un"))
    u2, _ = append(make_message("Deux"))
    u3, _ = append(make_message("Trois"))

    def post(**data):
        return mail_client.post("/messagerie/actions/", {"f": "INBOX", "v": v, **data})

    assert post(uid=[u1, u2], action="read").status_code == 302
    assert post(uid=[u2], action="flag").status_code == 302
    mailbox.select("INBOX")
    flags = {s.uid: s.flags for s in mailbox.fetch_summaries([u1, u2, u3])}
    assert "\\Seen" in flags[u1] and "\\Seen" in flags[u2] and "\\Seen" not in flags[u3]
    assert "\\Flagged" in flags[u2]
    post(uid=[u1], action="unread")

    post(uid=[u1], action="copy", target="Classement")
    post(uid=[u2], action="move", target="Classement")
    assert mailbox.status("Classement").messages == 2
    assert mailbox.status("INBOX").messages == 2

    response = post(uid=[u3], action="delete")
    assert response.status_code == 302
    assert mailbox.status("Trash").messages == 1
    assert mailbox.status("INBOX").messages == 1

    trash_v = mailbox.status("Trash").uidvalidity
    trash_uid = mailbox.select("Trash") and mailbox.search_uids("ALL")[0]
    mail_client.post("/messagerie/actions/", {"f": "Trash", "v": trash_v, "uid": [trash_uid], "action": "restore"})
    assert mailbox.status("Trash").messages == 0
    assert mailbox.status("INBOX").messages == 2

    post(uid=[u1], action="delete")
    assert mailbox.status("Trash").messages == 1
    response = mail_client.post("/messagerie/dossiers/action/", {"f": "Trash", "action": "empty"})
    assert response.status_code == 302
    assert mailbox.status("Trash").messages == 0
    # Emptying another folder is refused.
    mail_client.post("/messagerie/dossiers/action/", {"f": "Classement", "action": "empty"})
    assert mailbox.status("Classement").messages == 2


def test_move_to_missing_folder_is_refused_without_500(mail_client, mailbox, append):
    uid, v = append(make_message("Un"))
    response = mail_client.post(
        "/messagerie/actions/",
        {"f": "INBOX", "v": v, "uid": [uid], "action": "move", "target": "Nexiste/Pas"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Le dossier de destination n&#x27;existe pas." in response.content.decode()
    assert mailbox.status("INBOX").messages == 1


def test_create_rename_delete_folder(mail_client, mailbox, append):
    response = mail_client.post("/messagerie/dossiers/action/", {"action": "create", "name": "Conseils de classe"})
    assert response.status_code == 302
    mail_client.post(
        "/messagerie/dossiers/action/", {"action": "create", "name": "2026", "parent": "Conseils de classe"}
    )
    names = {f.name for f in mailbox.folders()}
    assert {"Conseils de classe", "Conseils de classe/2026"} <= names
    page = mail_client.get("/messagerie/dossiers/").content.decode()
    assert "Conseils de classe/2026" in page

    mail_client.post(
        "/messagerie/dossiers/action/", {"action": "rename", "f": "Conseils de classe/2026", "name": "Année 2026"}
    )
    mailbox._folders = None
    assert "Conseils de classe/Année 2026" in {f.name for f in mailbox.folders()}

    # Refusals: bad names, system folders, non-empty folders.
    response = mail_client.post("/messagerie/dossiers/action/", {"action": "create", "name": "a/b"}, follow=True)
    assert "Nom de dossier invalide" in response.content.decode()
    response = mail_client.post("/messagerie/dossiers/action/", {"action": "delete", "f": "Trash"}, follow=True)
    assert "ne peuvent pas être supprimés" in response.content.decode()
    append(make_message("Dedans"), folder="Conseils de classe/Année 2026")
    response = mail_client.post(
        "/messagerie/dossiers/action/", {"action": "delete", "f": "Conseils de classe/Année 2026"}, follow=True
    )
    assert "pas vide" in response.content.decode()

    mailbox.select("Conseils de classe/Année 2026")
    mailbox.expunge_all()
    mailbox.selected = None
    mail_client.post("/messagerie/dossiers/action/", {"action": "delete", "f": "Conseils de classe/Année 2026"})
    mailbox._folders = None
    assert "Conseils de classe/Année 2026" not in {f.name for f in mailbox.folders()}


def test_unknown_folder_is_404(mail_client):
    assert mail_client.get("/messagerie/?f=Inexistant").status_code == 404
    assert mail_client.get("/messagerie/?f=../autre").status_code == 404


def test_unread_count_selector(mail_user, append):
    from mail.selectors import unread_count

    assert unread_count(mail_user) == 0
    append(make_message("Nouveau"))
    append(make_message("Vu"), flags=["\\Seen"])
    assert unread_count(mail_user) == 1


def test_unread_count_fails_soft(mail_user, settings):
    from mail.selectors import unread_count

    settings.IMAP_PORT = 9  # discard: closed on loopback
    assert unread_count(mail_user) is None


def test_list_escapes_subject_and_sender(mail_client, append):
    append(make_message('<script>alert("objet")</script>', sender='"<img src=x onerror=alert(1)>" <evil@example.org>'))
    html = mail_client.get("/messagerie/").content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;objet&quot;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_list_status_matches_plain_status(mailbox, append):
    """The one-round-trip LIST-STATUS path gives the same counts as LIST + STATUS per folder."""
    mailbox.create_folder("Écoles/Réseau")
    append(make_message("Un"))
    append(make_message("Deux"), flags=["\\Seen"])
    append(make_message("Trois"), folder="Écoles/Réseau")
    mailbox.select("INBOX")
    fast = {folder.name: status for folder, status in mailbox.folders_with_status()}
    slow = {folder.name: mailbox.status(folder.name) for folder in mailbox.folders() if folder.selectable}
    assert set(fast) >= set(slow) and "Écoles/Réseau" in fast
    for name, status in slow.items():
        assert (fast[name].messages, fast[name].unseen, fast[name].uidvalidity) == (
            status.messages,
            status.unseen,
            status.uidvalidity,
        ), name
    assert fast["INBOX"].messages == 2 and fast["INBOX"].unseen == 1
