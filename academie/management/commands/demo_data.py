"""Fill a fresh database with demonstration data and print how to sign in.

Each app contributes a ``demo`` module with ``seed(*, stdout)``; they run in this order and
each is idempotent (running the command twice changes nothing).
"""

from __future__ import annotations

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

SEEDERS = ["annuaire.demo", "academie.demo", "helpdesk.demo", "agenda.demo", "mail.demo"]


class Command(BaseCommand):
    help = "Charge les données de démonstration (établissements, agents, comptes, courrier)."

    def add_arguments(self, parser):  # noqa: ANN001, ANN201
        parser.add_argument("--skip", action="append", default=[], help="module à ignorer, ex. mail.demo")

    def handle(self, *args, **options):  # noqa: ANN002, ANN003, ANN201
        for path in SEEDERS:
            if path in options["skip"]:
                continue
            try:
                module = importlib.import_module(path)
            except ModuleNotFoundError as exc:
                if exc.name == path:
                    continue
                raise
            if getattr(module, "USES_TRANSACTION", True):
                with transaction.atomic():
                    module.seed(stdout=self.stdout)
            else:
                module.seed(stdout=self.stdout)
