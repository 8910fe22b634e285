"""Broken and unusual messages, appended to the real Dovecot: each one is readable, never a 500."""

from __future__ import annotations

import base64

import pytest

pytestmark = pytest.mark.imap

CRLF = b"\r\n"


def msg(*lines: bytes | str) -> bytes:
    return CRLF.join(line if isinstance(line, bytes) else line.encode() for line in lines)


CASES = {
    "no_headers_at_all": (msg("", "Juste un corps sans en-têtes."), ["Juste un corps sans en-têtes."]),
    "missing_from_date_subject": (msg("X-Rien: 1", "", "Corps présent"), ["(sans objet)", "Corps présent"]),
    "multipart_without_boundary": (
        msg("Subject: sans frontiere", "Content-Type: multipart/mixed", "", "texte orphelin"),
        ["sans frontiere"],
    ),
    "unterminated_multipart": (
        msg(
            "Subject: coupé",
            "Content-Type: multipart/mixed; boundary=zz",
            "",
            "--zz",
            "Content-Type: text/plain",
            "",
            "début du texte",
        ),
        ["début du texte"],
    ),
    "unknown_charset": (
        msg(
            "Subject: charset inconnu",
            "Content-Type: text/plain; charset=x-klingon-42",
            "",
            "caf\xc3\xa9".encode("latin-1"),
        ),
        ["café"],
    ),
    "lying_ascii_is_utf8": (
        msg("Subject: faux ascii", "Content-Type: text/plain; charset=us-ascii", "", "Élève inscrit".encode()),
        ["Élève inscrit"],
    ),
    "lying_utf8_is_latin1": (
        msg("Subject: faux utf8", "Content-Type: text/plain; charset=utf-8", "", "Année scolaire".encode("latin-1")),
        ["Ann", "e scolaire"],
    ),
    "iso_8859_1_message": (
        msg(
            "Subject: =?ISO-8859-1?Q?R=E9union_de_rentr=E9e?=",
            "Content-Type: text/plain; charset=ISO-8859-1",
            "Content-Transfer-Encoding: 8bit",
            "",
            "Réunion à 18 h, salle des professeurs.".encode("latin-1"),
        ),
        ["Réunion de rentrée", "Réunion à 18 h, salle des professeurs."],
    ),
    "eight_bit_headers": (
        msg(b"Subject: Note \xc3\xa0 tous", b"From: Fran\xe7ois <fr@ac-nancy-metz.fr>", b"", b"ok"),
        ["Note à tous", "Fran"],
    ),
    "encoded_words": (
        msg(
            "Subject: =?UTF-8?B?Q29udm9jYXRpb24gw6AgbCdleGFtZW4=?= =?utf-8?q?_n=C2=B02?=",
            "From: =?bogus?X?zz?= <a@b.fr>",
            "",
            "x",
        ),
        ["Convocation à l&#x27;examen n°2", "a@b.fr"],
    ),
    "broken_base64_and_qp": (
        msg(
            "Subject: encodages cassés",
            "Content-Type: multipart/mixed; boundary=b",
            "",
            "--b",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            "Qm9uam91ciDDoCB0b3Vz!!!***=",
            "--b",
            "Content-Type: text/plain",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "=ZZ=3",
            "--b--",
        ),
        ["Bonjour à tous"],
    ),
    "html_only_single_part": (
        msg(
            "Subject: html seul",
            "Content-Type: text/html; charset=utf-8",
            "",
            "<p>Bonjour <b>HTML</b></p><script>alert(1)</script>",
        ),
        ["html seul"],
    ),
    "tnef_attachment": (
        msg(
            "Subject: winmail",
            "Content-Type: multipart/mixed; boundary=b",
            "",
            "--b",
            "Content-Type: text/plain",
            "",
            "Voir la pièce jointe.",
            "--b",
            "Content-Type: application/ms-tnef; name=winmail.dat",
            "Content-Transfer-Encoding: base64",
            "",
            base64.b64encode(b"\x78\x9f\x3e\x22" + b"\0" * 64).decode(),
            "--b--",
        ),
        ["winmail.dat", "Voir la pièce jointe."],
    ),
    "calendar_invitation": (
        msg(
            "Subject: Invitation : conseil de classe",
            "Content-Type: multipart/alternative; boundary=b",
            "",
            "--b",
            "Content-Type: text/plain; charset=utf-8",
            "",
            "Vous êtes invité au conseil de classe.",
            "--b",
            "Content-Type: text/calendar; method=REQUEST; charset=utf-8",
            "",
            "BEGIN:VCALENDAR",
            "METHOD:REQUEST",
            "BEGIN:VEVENT",
            "SUMMARY:Conseil de classe",
            "END:VEVENT",
            "END:VCALENDAR",
            "--b--",
        ),
        ["Vous êtes invité au conseil de classe.", "text/calendar"],
    ),
    "calendar_only": (
        msg(
            "Subject: ics seul",
            "Content-Type: text/calendar; method=REQUEST",
            "",
            "BEGIN:VCALENDAR",
            "SUMMARY:Réunion",
            "END:VCALENDAR",
        ),
        ["BEGIN:VCALENDAR"],
    ),
    "attached_message": (
        msg(
            "Subject: transfert",
            "Content-Type: multipart/mixed; boundary=b",
            "",
            "--b",
            "Content-Type: text/plain",
            "",
            "Message transféré ci-joint.",
            "--b",
            "Content-Type: message/rfc822",
            "",
            "Subject: original",
            "From: x@y.fr",
            "",
            "Texte original",
            "--b--",
        ),
        ["Message transféré ci-joint.", "message/rfc822"],
    ),
    "garbage_content_type": (
        msg(
            "Subject: type bizarre",
            "Content-Type: ;;;===",
            "Content-Transfer-Encoding: x-unknown",
            "",
            "toujours lisible",
        ),
        ["toujours lisible"],
    ),
}


def _deep(levels: int) -> bytes:
    head = [f"Subject: imbrication {levels}"]
    body = []
    for i in range(levels):
        body += [f"Content-Type: multipart/mixed; boundary=l{i}", "", f"--l{i}"]
    body += ["Content-Type: text/plain", "", "au fond du message"]
    for i in reversed(range(levels)):
        body += [f"--l{i}--"]
    return msg(*head, *body)


def _read(mail_client, uid: int, v: int):
    response = mail_client.get(f"/messagerie/lire/{uid}/?f=INBOX&v={v}")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_message_is_readable(mail_client, append, name):
    raw, expected = CASES[name]
    uid, v = append(raw)
    html = _read(mail_client, uid, v)
    for text in expected:
        assert text in html, (name, text)
    assert mail_client.get(f"/messagerie/lire/{uid}/corps/?f=INBOX&v={v}").status_code == 200
    assert mail_client.get(f"/messagerie/lire/{uid}/source/?f=INBOX&v={v}").status_code == 200
    assert mail_client.get("/messagerie/").status_code == 200


def test_html_only_body_is_sanitised(mail_client, append):
    uid, v = append(CASES["html_only_single_part"][0])
    body = mail_client.get(f"/messagerie/lire/{uid}/corps/?f=INBOX&v={v}").content.decode()
    assert "<p>Bonjour <b>HTML</b></p>" in body and "script" not in body


@pytest.mark.parametrize("levels", [20, 120])
def test_deep_nesting(mail_client, append, levels):
    uid, v = append(_deep(levels))
    html = _read(mail_client, uid, v)
    assert f"imbrication {levels}" in html
    if levels <= 20:
        assert "au fond du message" in html


def test_empty_message(mail_client, append):
    uid, v = append(b"\r\n")
    html = _read(mail_client, uid, v)
    assert "(sans objet)" in html and "pas de texte lisible" in html


def test_twenty_megabyte_message(mail_client, append):
    big = base64.encodebytes(b"\x89PNG" + bytes(range(256)) * (20 * 1024 * 4)).decode()
    raw = msg(
        "Subject: gros fichier",
        "Content-Type: multipart/mixed; boundary=b",
        "",
        "--b",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Le fichier de 20 Mo est joint.",
        "--b",
        "Content-Type: application/octet-stream; name=archive.bin",
        "Content-Disposition: attachment; filename=archive.bin",
        "Content-Transfer-Encoding: base64",
        "",
        big,
        "--b--",
    )
    assert len(raw) > 20 * 1024 * 1024
    uid, v = append(raw)
    html = _read(mail_client, uid, v)
    assert "Le fichier de 20 Mo est joint." in html and "archive.bin" in html
    assert "Mo" in mail_client.get("/messagerie/").content.decode()
    download = mail_client.get(f"/messagerie/lire/{uid}/partie/2/?f=INBOX&v={v}")
    assert download.status_code == 200 and len(download.content) == 4 + 256 * 20 * 1024 * 4


def test_huge_text_part_is_truncated(mail_client, append):
    raw = msg("Subject: long", "Content-Type: text/plain", "", "ligne de texte " * 200_000)
    uid, v = append(raw)
    html = _read(mail_client, uid, v)
    assert "seul le début est affiché" in html
