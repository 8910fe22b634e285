"""Demonstration mail: fills the demo users' mailboxes over IMAP APPEND (idempotent).

Realistic French professional mail of an académie: notes de service, convocations, replies in
threads, an HTML newsletter with remote images and an inline (cid:) logo, PDF and office
attachments, a message in ISO-8859-1, a few hundred messages in jdupont's INBOX.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

USES_TRANSACTION = False

DEMO_MARKER = "X-Academie-Demo"
DEMO_VERSION = "courrier-v1"
DOMAIN = "ac-nancy-metz.fr"
INBOX_SIZE = {"jdupont": 320}  # others get the base set only
USERS = ["jdupont", "mmartin2", "hlefebvre", "pgirard", "cmoreau"]

SENDERS = [
    ("Hélène Lefèbvre", "helene.lefebvre"),
    ("Marc Martin", "marc.martin2"),
    ("Pierre Girard", "pierre.girard"),
    ("Claire Moreau", "claire.moreau"),
    ("Secrétariat de direction", "ce.0540038y"),
    ("DSDEN de Meurthe-et-Moselle", "dsden54-communication"),
    ("Rectorat — DPE", "dpe"),
    ("Rectorat — DSI", "dsi-assistance"),
    ("Inspection pédagogique régionale", "ipr-secretariat"),
    ("Sophie Fontaine", "sophie.fontaine"),
]

SUBJECTS = [
    "Note de service n°{n} — organisation des conseils de classe",
    "Convocation : réunion de l'équipe pédagogique du {d}",
    "Calendrier des épreuves communes",
    "Rappel : saisie des appréciations avant le {d}",
    "Compte rendu du conseil pédagogique",
    "Formation PAF : inscriptions ouvertes",
    "Sortie scolaire au musée de la Cour d'Or — autorisation",
    "Demande de remplacement semaine {n}",
    "Projet d'établissement : groupe de travail",
    "Exercice incendie prévu le {d}",
    "Mise à jour de Pronote ce week-end",
    "Ordre du jour du conseil d'administration",
    "Commande de manuels pour la rentrée",
    "Réunion parents-professeurs des {n}e",
    "Élections des représentants des personnels",
]

BODIES = [
    "Bonjour,\n\nVous trouverez ci-dessous les informations relatives à {s}.\n"
    "Merci d'en prendre connaissance et de me faire part de vos remarques avant vendredi.\n\n"
    "Plus d'informations : https://www.ac-nancy-metz.fr/\n\nBien cordialement,\n{f}",
    "Madame, Monsieur,\n\nJe vous prie de bien vouloir assister à la réunion prévue en salle des "
    "professeurs (bâtiment B, salle 12).\nLa présence de chacun est indispensable.\n\n{f}",
    "Bonjour à toutes et à tous,\n\nPetit rappel concernant {s}.\nLe document de travail est "
    "disponible sur l'ENT.\n\nBonne journée,\n{f}",
]


def _addr(name: str, local: str) -> str:
    return f"{name} <{local}@{DOMAIN}>"


def _base(subject: str, sender: str, to: str, when: dt.datetime, message_id: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = message_id or make_msgid(domain=DOMAIN)
    msg[DEMO_MARKER] = DEMO_VERSION
    return msg


def minimal_pdf(title: str) -> bytes:
    text = title.encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\nBT /F1 18 Tf 72 770 Td (" % (len(text) + 35) + text + b") Tj ET\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def minimal_docx(paragraph: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body><w:p><w:r><w:t>{paragraph}</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid PNG of one colour (the cid: logo of the newsletter)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


LOGO_PNG = solid_png(48, 48, (225, 0, 15))


def special_messages(to: str, now: dt.datetime) -> list[tuple[bytes, dt.datetime, tuple[str, ...]]]:
    """The hand-written part of the demo: one of each interesting kind."""
    out = []

    when = now - dt.timedelta(hours=2)
    msg = _base("La lettre numérique de la DANE — novembre", _addr("DANE Nancy-Metz", "dane"), to, when)
    msg.set_content("Version texte de la lettre numérique : https://dane.ac-nancy-metz.fr/lettre")
    msg.add_alternative(
        '<html><body><table width="600" cellpadding="8"><tr><td bgcolor="#000091">'
        '<img src="cid:logo-dane@ac-nancy-metz.fr" alt="DANE" width="48" height="48"> '
        '<font color="#ffffff" size="5">La lettre numérique</font></td></tr>'
        '<tr><td><h2 style="color:#000091">Les ENT au service des apprentissages</h2>'
        '<p><img src="https://dane.ac-nancy-metz.fr/images/ent-classe.jpg" alt="Une classe" width="560"></p>'
        "<p>Retrouvez nos <b>webinaires</b> et les ressources pour la classe.</p>"
        '<p><a href="https://dane.ac-nancy-metz.fr/webinaires">Voir le programme</a></p>'
        '<p style="font-size:11px;color:#666">Vous recevez cette lettre en tant que personnel de l\'académie.</p>'
        "</td></tr></table></body></html>",
        subtype="html",
    )
    msg.get_payload()[1].add_related(LOGO_PNG, "image", "png", cid="<logo-dane@ac-nancy-metz.fr>")
    out.append((msg.as_bytes(), when, ()))

    when = now - dt.timedelta(days=1, hours=3)
    msg = _base(
        "Note de service — calendrier des conseils de classe du 1er trimestre",
        _addr("Hélène Lefèbvre", "helene.lefebvre"),
        to,
        when,
    )
    msg.set_content(
        "Bonjour,\n\nVeuillez trouver ci-joint la note de service et le tableau des conseils de classe.\n\n"
        "Hélène Lefèbvre\nProviseure"
    )
    msg.add_attachment(
        minimal_pdf("Note de service - conseils de classe"),
        maintype="application",
        subtype="pdf",
        filename="Note de service conseils de classe.pdf",
    )
    msg.add_attachment(
        minimal_docx("Tableau des conseils de classe"),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="Conseils de classe T1.docx",
    )
    out.append((msg.as_bytes(), when, ()))

    # A thread: original, reply, reply to the reply.
    root_id = make_msgid(domain=DOMAIN)
    when = now - dt.timedelta(days=3)
    msg = _base("Sortie pédagogique à Verdun", _addr("Marc Martin", "marc.martin2"), to, when, root_id)
    msg.set_content("Bonjour Jeanne,\n\nSerais-tu disponible pour accompagner les 3e à Verdun le 12 ?\n\nMarc")
    out.append((msg.as_bytes(), when, ("\\Seen",)))
    reply_id = make_msgid(domain=DOMAIN)
    when = now - dt.timedelta(days=2, hours=20)
    msg = _base(
        "Re: Sortie pédagogique à Verdun",
        _addr("Jeanne Dupont", "jeanne.dupont"),
        _addr("Marc Martin", "marc.martin2"),
        when,
        reply_id,
    )
    msg["In-Reply-To"] = root_id
    msg["References"] = root_id
    msg.set_content("Bonjour Marc,\n\nOui, avec plaisir.\n\nJeanne\n\n> Serais-tu disponible pour accompagner les 3e ?")
    out.append((msg.as_bytes(), when, ("\\Seen", "\\Answered")))
    when = now - dt.timedelta(days=2, hours=4)
    msg = _base("Re: Sortie pédagogique à Verdun", _addr("Marc Martin", "marc.martin2"), to, when)
    msg["In-Reply-To"] = reply_id
    msg["References"] = f"{root_id} {reply_id}"
    msg.set_content("Parfait, merci ! Départ 7 h 45 devant le lycée.\n\nMarc\n\n> Oui, avec plaisir.")
    out.append((msg.as_bytes(), when, ("\\Flagged",)))

    # ISO-8859-1 message, as sent by an old mail client.
    when = now - dt.timedelta(days=5)
    to_address = to.rsplit("<", 1)[-1].rstrip(">")
    body = "Bonjour,\n\nLa réunion de l'amicale aura lieu jeudi à 17 h 30 au foyer.\nÀ bientôt,\nFrançois Chevalier\n"
    raw = (
        f"From: =?ISO-8859-1?Q?Fran=E7ois_Chevalier?= <francois.chevalier@{DOMAIN}>\r\nTo: {to_address}\r\n"
        "Subject: =?ISO-8859-1?Q?R=E9union_de_l'amicale?=\r\n"
        f"Date: {format_datetime(when)}\r\nMessage-ID: {make_msgid(domain=DOMAIN)}\r\n{DEMO_MARKER}: {DEMO_VERSION}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode("ascii") + body.replace("\n", "\r\n").encode("latin-1")
    out.append((raw, when, ()))

    when = now - dt.timedelta(days=8)
    msg = _base("Convocation : jury du DNB — session 2027", _addr("DSDEN de la Moselle", "dsden57-examens"), to, when)
    msg.set_content(
        "Madame,\n\nVous êtes convoquée en qualité de membre du jury du diplôme national du brevet.\n"
        "Lieu : collège Jean Moulin, Metz.\nMerci de confirmer votre présence sur https://www.ac-nancy-metz.fr/examens\n\n"
        "Le chef de la division des examens"
    )
    msg.add_attachment(
        minimal_pdf("Convocation jury DNB"), maintype="application", subtype="pdf", filename="Convocation DNB 2027.pdf"
    )
    out.append((msg.as_bytes(), when, ("\\Flagged",)))
    return out


def filler_messages(
    to: str, count: int, now: dt.datetime, seed: int = 42
) -> list[tuple[bytes, dt.datetime, tuple[str, ...]]]:
    rng = random.Random(seed)  # deterministic demo
    out = []
    for i in range(count):
        when = now - dt.timedelta(days=10 + (count - i) * 0.6, minutes=rng.randint(0, 600))
        name, local = rng.choice(SENDERS)
        day = (when + dt.timedelta(days=rng.randint(3, 20))).strftime("%d/%m")
        subject = rng.choice(SUBJECTS).format(n=rng.randint(2, 40), d=day)
        msg = _base(subject, _addr(name, local), to, when)
        msg.set_content(rng.choice(BODIES).format(s=subject.lower(), f=name))
        flags = ("\\Seen",) if rng.random() < 0.85 else ()
        out.append((msg.as_bytes(), when, flags))
    return out


def _already_seeded(box) -> bool:  # noqa: ANN001 - mail.imap.Mailbox
    box.select("INBOX", readonly=True)
    return bool(box.search_uids(["HEADER", DEMO_MARKER, DEMO_VERSION]))


def seed_user(identifier: str, *, display: str, now: dt.datetime | None = None) -> int:
    from mail import imap

    now = now or dt.datetime.now(dt.UTC)
    to = _addr(display, identifier)
    with imap.open_mailbox(identifier) as box:
        if _already_seeded(box):
            return 0
        items = filler_messages(to, INBOX_SIZE.get(identifier, 20), now) + special_messages(to, now)
        items.sort(key=lambda item: item[1])
        batch = []
        for raw, when, flags in items:
            batch.append({"msg": raw, "flags": flags, "date": when})
            if len(batch) == 100:
                box.multiappend("INBOX", batch)
                batch = []
        if batch:
            box.multiappend("INBOX", batch)
        if not any(f.name == "Projets" for f in box.folders()):
            box.create_folder("Projets")
            box.create_folder("Projets/Voyage à Verdun")
        sent = box.special_folder("\\Sent")
        if sent:
            msg = _base(
                "Re: Conseil pédagogique", to, _addr("Hélène Lefèbvre", "helene.lefebvre"), now - dt.timedelta(days=4)
            )
            msg.set_content("Bonjour,\n\nJe serai présente.\n\nCordialement")
            box.append(sent.name, msg.as_bytes(), flags=["\\Seen"], when=now - dt.timedelta(days=4))
        return len(items)


def seed(*, stdout) -> None:  # noqa: ANN001
    from annuaire.models import User
    from mail import imap

    try:
        imap.probe(timeout=2)
    except imap.ServerUnavailable:
        stdout.write(
            "  Messagerie : serveur IMAP injoignable, courrier de démonstration ignoré (deploy/devstack.sh start)."
        )
        return
    users = {u.username: u for u in User.objects.filter(username__in=USERS)}
    total = 0
    for identifier in USERS:
        user = users.get(identifier)
        if user is None:
            continue
        try:
            total += seed_user(identifier, display=user.get_full_name() or identifier)
        except imap.MailError as exc:
            stdout.write(f"  Messagerie : boîte de {identifier} non remplie ({type(exc).__name__}).")
            return
    if total:
        stdout.write(f"  Messagerie : {total} messages de démonstration déposés par IMAP.")
    else:
        stdout.write("  Messagerie : courrier de démonstration déjà présent.")
