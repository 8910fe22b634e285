"""Print the current TOTP code of a demo account (development only)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from annuaire.identifiers import normalize_identifier


class Command(BaseCommand):
    help = "Affiche le code à usage unique courant d'un compte (uniquement avec DEBUG)."

    def add_arguments(self, parser):  # noqa: ANN001, ANN201
        parser.add_argument("identifier")

    def handle(self, *args, **options):  # noqa: ANN002, ANN003, ANN201
        if not settings.DEBUG:
            raise CommandError("demo_code n'est disponible qu'en développement (DEBUG=1).")
        identifier = normalize_identifier(options["identifier"])
        device = TOTPDevice.objects.filter(user__username=identifier, confirmed=True).order_by("id").first()
        if device is None:
            raise CommandError(f"Aucune application TOTP confirmée pour {identifier}.")
        code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{code:0{device.digits}d}")
