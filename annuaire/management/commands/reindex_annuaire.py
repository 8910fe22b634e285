"""``python manage.py reindex_annuaire``: rebuild the directory search index."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from annuaire.search import rebuild_index


class Command(BaseCommand):
    help = "Reconstruit l'index de recherche de l'annuaire."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            counts = rebuild_index()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
