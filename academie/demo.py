"""Demonstration data of the portal: service tiles, and second factors that make the demo
sign-in practical (a TOTP secret printed here, ``manage.py demo_code``, SMS in the console)."""

from __future__ import annotations

import base64
import hashlib

from django.conf import settings
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from academie.models import ServiceTile, SMSDevice
from annuaire.models import Function, User

# One shared, published TOTP secret for every demo account (demo data only: never in production).
DEMO_TOTP_KEY = hashlib.sha1(b"messagerie-academique-demo-totp").hexdigest()  # noqa: S324 - not a hash of a secret
DEMO_TOTP_BASE32 = base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode().rstrip("=")
DEMO_BACKUP_CODES = ["demo1111", "demo2222", "demo3333"]
# Left without a second factor, to show the forced enrolment at first sign-in.
ENROLMENT_DEMO_USER = "ckieffer"
SMS_DEMO_USER = ("jdupont", "06 00 00 00 01")

TILES = [
    # name, url, description, restricted to function codes
    ("M@gistère", "https://magistere.education.fr/", "Formation continue à distance des personnels", []),
    ("Colibris", "https://colibris.ac-nancy-metz.fr/", "Demandes et suivi de l'assistance informatique", []),
    (
        "I-Prof",
        "https://bv.ac-nancy-metz.fr/iprof/",
        "Dossier de carrière des enseignants",
        ["ens-1d", "ens-2d", "cpe"],
    ),
    ("Sconet", "https://bv.ac-nancy-metz.fr/sconet/", "Base élèves du second degré", ["chef", "adjoint", "adm"]),
    ("Imagin", "https://imagin.ac-nancy-metz.fr/", "Gestion des frais de déplacement", []),
    ("PARTAGE", "https://partage.ac-nancy-metz.fr/", "Espaces collaboratifs de l'académie", []),
    ("ONDE", "https://bv.ac-nancy-metz.fr/onde/", "Base élèves du premier degré", ["ens-1d", "ien"]),
    (
        "Arena",
        "https://arena.ac-nancy-metz.fr/",
        "Portail des applications de gestion",
        ["chef", "adjoint", "adm", "dsi"],
    ),
]


def seed(*, stdout) -> None:  # noqa: ANN001
    for order, (name, url, description, functions) in enumerate(TILES, start=1):
        tile, _created = ServiceTile.objects.get_or_create(
            name=name, defaults={"url": url, "description": description, "order": order * 10}
        )
        if functions and not tile.functions.exists():
            tile.functions.set(Function.objects.filter(code__in=functions))

    users = User.objects.exclude(username=ENROLMENT_DEMO_USER).filter(is_active=True)
    for user in users:
        TOTPDevice.objects.get_or_create(
            user=user, name="Démonstration", defaults={"key": DEMO_TOTP_KEY, "confirmed": True}
        )
        backup, created = StaticDevice.objects.get_or_create(
            user=user, name="Codes de secours", defaults={"confirmed": True}
        )
        if created:
            StaticToken.objects.bulk_create([StaticToken(device=backup, token=code) for code in DEMO_BACKUP_CODES])
    sms_user = User.objects.filter(username=SMS_DEMO_USER[0]).first()
    if sms_user is not None:
        if not sms_user.mobile_phone:
            sms_user.mobile_phone = SMS_DEMO_USER[1]
            sms_user.save(update_fields=["mobile_phone"])
        SMSDevice.objects.get_or_create(
            user=sms_user, name="SMS", defaults={"number": SMS_DEMO_USER[1], "confirmed": True}
        )

    stdout.write(f"Portail : {ServiceTile.objects.count()} tuiles de services.")
    stdout.write("Connexion de démonstration (deux étapes) :")
    stdout.write("  1. identifiant (jdupont, admin.dsi, agent.assistance…) et mot de passe de démonstration ;")
    stdout.write("  2. code à usage unique, au choix :")
    stdout.write(f"     - application TOTP : ajoutez la clé {DEMO_TOTP_BASE32} (commune à tous les comptes")
    stdout.write("       de démonstration) dans FreeOTP/Aegis…, ou affichez le code courant avec")
    stdout.write("       `.venv/bin/python manage.py demo_code jdupont` (DEBUG uniquement) ;")
    stdout.write(f"     - codes de secours (à usage unique, par compte) : {', '.join(DEMO_BACKUP_CODES)} ;")
    stdout.write(
        f"     - SMS pour {SMS_DEMO_USER[0]} : le code s'affiche dans la console du serveur (passerelle console)."
    )
    stdout.write(
        f"  {ENROLMENT_DEMO_USER} n'a aucun second facteur : sa première connexion montre l'enrôlement (QR code)."
    )
    if not settings.DEBUG:
        stdout.write("  Attention : ces seconds facteurs sont publics ; ne chargez pas la démonstration en production.")
