"""Reading: headers, bodies, attachments, .eml, navigation, flags, isolation between users."""

from __future__ import annotations

import re

import pytest

from tests.conftest import verify_client
from tests.mail.conftest import make_message

pytestmark = pytest.mark.imap


def read_url(uid: int, v: int, folder: str = "INBOX", suffix: str = "") -> str:
    return f"/messagerie/lire/{uid}/{suffix}?f={folder}&v={v}"


def test_read_plain_text_marks_read_and_links(mail_client, mailbox, append):
    body = "Bonjour,\nvoir https://www.ac-nancy-metz.fr/notes?id=1&x=2 et <b>pas du HTML</b>.\nContact : dsi@ac-nancy-metz.fr\n"
    uid, v = append(
        make_message(
            "Convocation au conseil",
            body,
            date="Wed, 01 Jul 2026 08:15:00 +0000",
            to="A <a@ac-nancy-metz.fr>, B <b@ac-nancy-metz.fr>",
        )
    )
    response = mail_client.get(read_url(uid, v))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Convocation au conseil" in html
    assert "mercredi 1 juillet 2026 à 10:15" in html  # 08:15 UTC shown in Europe/Paris (summer time)
    assert (
        '<a href="https://www.ac-nancy-metz.fr/notes?id=1&amp;x=2" rel="noopener noreferrer" target="_blank">' in html
    )
    assert "&lt;b&gt;pas du HTML&lt;/b&gt;" in html
    assert '<a href="mailto:dsi@ac-nancy-metz.fr">' in html
    assert "A &lt;a@ac-nancy-metz.fr&gt;, B &lt;b@ac-nancy-metz.fr&gt;" in html
    mailbox.select("INBOX")
    assert mailbox.fetch_summaries([uid])[0].seen  # opening marks read


def test_previous_and_next(mail_client, append):
    u1, v = append(make_message("Premier"))
    u2, _ = append(make_message("Deuxième"))
    u3, _ = append(make_message("Troisième"))
    html = mail_client.get(read_url(u2, v)).content.decode()
    assert f'href="/messagerie/lire/{u3}/?f=INBOX&amp;v={v}" rel="prev"' in html
    assert f'href="/messagerie/lire/{u1}/?f=INBOX&amp;v={v}" rel="next"' in html


def test_html_body_is_sanitised_in_its_own_frame(mail_client, append):
    html_part = (
        "<html><head><style>body{position:fixed}</style><script>alert(1)</script></head>"
        '<body><p onclick="alert(2)" style="color:red;position:fixed;background:url(http://attacker.invalid/bg)">Bonjour</p>'
        '<img src="http://attacker.invalid/pixel.gif" alt="pixel"><a href="javascript:alert(3)">lien</a></body></html>'
    )
    uid, v = append(make_message("Lettre d'information", "Version texte", html=html_part))
    page = mail_client.get(read_url(uid, v)).content.decode()
    assert f'src="/messagerie/lire/{uid}/corps/?f=INBOX&amp;v={v}"' in page
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in page
    assert "Afficher les images" in page

    frame = mail_client.get(read_url(uid, v, suffix="corps/"))
    assert frame.status_code == 200
    csp = frame["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "img-src data:" in csp
    assert "sandbox" in csp and "allow-scripts" not in csp
    assert frame["X-Frame-Options"] == "SAMEORIGIN"
    body = frame.content.decode()
    assert "<script" not in body and "alert" not in body and "onclick" not in body
    assert "attacker.invalid" not in body
    assert '<p style="color:red">Bonjour</p>' in body
    assert "javascript:" not in body

    allowed = mail_client.get(read_url(uid, v, suffix="corps/") + "&images=1")
    assert 'src="http://attacker.invalid/pixel.gif"' in allowed.content.decode()
    assert "img-src 'self' data: https: http:" in allowed["Content-Security-Policy"]


def test_cid_image_is_served_by_the_app(mail_client, append):
    from email.message import EmailMessage

    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")
    msg = EmailMessage()
    msg["From"] = "com@ac-nancy-metz.fr"
    msg["To"] = "x@ac-nancy-metz.fr"
    msg["Subject"] = "Logo"
    msg.set_content("texte")
    msg.add_alternative('<p>Logo : <img src="cid:logo@academie"></p>', subtype="html")
    msg.get_payload()[1].add_related(png, "image", "png", cid="<logo@academie>")
    uid, v = append(msg.as_bytes())
    body = mail_client.get(read_url(uid, v, suffix="corps/")).content.decode()
    assert '<img src="data:image/png;base64,' in body


def test_attachments_download_safely(mail_client, append):
    attachments = [
        ("rapport annuel.pdf", "application/pdf", b"%PDF-1.4 contenu"),
        ("../../etc/passwd", "text/plain", b"root"),
        ("facture\u202egpj.exe", "application/octet-stream", b"MZ"),
        ("page.html", "text/html", b"<script>alert(1)</script>"),
        ("dessin.svg", "image/svg+xml", b"<svg onload=alert(1)></svg>"),
    ]
    uid, v = append(make_message("Pièces", attachments=attachments))
    page = mail_client.get(read_url(uid, v)).content.decode()
    sections = re.findall(r"/partie/([0-9.]+)/", page)
    assert len(sections) == len(attachments)
    results = {}
    for section in sections:
        response = mail_client.get(read_url(uid, v, suffix=f"partie/{section}/"))
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "\r" not in disposition and "\n" not in disposition
        results[response.content] = (disposition, response["Content-Type"])
    pdf = results[b"%PDF-1.4 contenu"]
    assert "filename*=UTF-8''rapport%20annuel.pdf" in pdf[0] and pdf[1] == "application/pdf"
    passwd = results[b"root"][0]
    assert "/" not in passwd and "etc_passwd" in passwd
    assert "%E2%80%AE" not in results[b"MZ"][0]  # RTL override removed
    assert results[b"<script>alert(1)</script>"][1] == "application/octet-stream"
    assert results[b"<svg onload=alert(1)></svg>"][1] == "application/octet-stream"


def test_header_injection_in_attachment_name(mail_client, append):
    raw = (
        b"From: x@ac-nancy-metz.fr\r\nSubject: injection\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\ntexte\r\n"
        b"--b\r\nContent-Type: text/plain\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''a%22b%0D%0ASet-Cookie%3A%20x%3D1%0D%0A%0D%0A.txt\r\n\r\n"
        b"inject\r\n--b--\r\n"
    )
    uid, v = append(raw)
    response = mail_client.get(read_url(uid, v, suffix="partie/2/"))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert not response.has_header("Set-Cookie") or "x=1" not in response["Set-Cookie"]
    assert 'filename="a_bSet-Cookie_ x=1.txt"' in disposition


def test_download_eml(mail_client, append):
    raw = make_message("Compte rendu")
    uid, v = append(raw)
    response = mail_client.get(read_url(uid, v, suffix="source/"))
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert "filename*=UTF-8''Compte%20rendu.eml" in response["Content-Disposition"]
    assert b"Subject: Compte rendu" in response.content


def test_other_users_message_and_folder_are_404(client, make_user, append, mail_user):
    """The master-user login is scoped to request.user: a tampered URL never reaches another mailbox."""
    import uuid

    from mail import imap

    uid, v = append(make_message("Confidentiel RH", "Données personnelles"))
    with imap.open_mailbox(mail_user.username) as box:
        box.create_folder("Privé")
    intruder = make_user(f"i{uuid.uuid4().hex[:12]}")
    verify_client(client, intruder)
    for url in (
        read_url(uid, v),
        read_url(uid, v, suffix="corps/"),
        read_url(uid, v, suffix="source/"),
        read_url(uid, v, suffix="partie/1/"),
        read_url(uid, 0),
        "/messagerie/?f=Priv%C3%A9",
        f"/messagerie/?f={mail_user.username}/INBOX",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Confidentiel" not in response.content
    response = client.post("/messagerie/actions/", {"f": "INBOX", "uid": [uid], "action": "delete"})
    assert response.status_code == 404
    with imap.open_mailbox(mail_user.username) as box:
        assert box.status("INBOX").messages == 1


def test_uidvalidity_change_shows_no_wrong_message(mail_client, mailbox, append):
    mailbox.create_folder("Temp")
    uid, v = append(make_message("Ancien message"), folder="Temp")
    mailbox.delete_folder("Temp")
    mailbox.create_folder("Temp")
    uid2, v2 = append(make_message("Nouveau message"), folder="Temp")
    assert uid2 == uid and v2 != v
    response = mail_client.get(read_url(uid, v, folder="Temp"))
    assert response.status_code == 404
    assert b"Nouveau message" not in response.content
    # A bulk action prepared on the old folder changes nothing.
    mail_client.post("/messagerie/actions/", {"f": "Temp", "v": v, "uid": [uid], "action": "delete"})
    assert mailbox.status("Temp").messages == 1
    assert mail_client.get(read_url(uid2, v2, folder="Temp")).status_code == 200


def test_expunged_message_is_404(mail_client, mailbox, append):
    uid, v = append(make_message("Éphémère"))
    mailbox.select("INBOX")
    mailbox.expunge([uid])
    assert mail_client.get(read_url(uid, v)).status_code == 404
    assert mail_client.get(read_url(uid, v, suffix="partie/1/")).status_code == 404


def test_out_of_range_uids_are_404(mail_client, append):
    _uid, v = append(make_message("Un"))
    for uid in (0, 2**32, 10**12):
        assert mail_client.get(read_url(uid, v)).status_code == 404
    response = mail_client.post("/messagerie/actions/", {"f": "INBOX", "v": v, "uid": [str(2**40)], "action": "read"})
    assert response.status_code == 404
