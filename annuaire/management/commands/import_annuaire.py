"""``python manage.py import_annuaire FILE [--dry-run] [--complet]``: rectorat CSV exports."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from annuaire.importer import ImportRefused, import_file


class Command(BaseCommand):
    help = "Importe un export CSV du rectorat (établissements ou personnes, reconnu par son en-tête)."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("files", nargs="+", help="fichier(s) CSV séparés par des points-virgules")
        parser.add_argument("--dry-run", action="store_true", help="montre ce qui changerait sans rien écrire")
        parser.add_argument(
            "--complet",
            "--full",
            dest="full",
            action="store_true",
            help="export complet : les personnes gérées par l'import et absentes du fichier sont désactivées",
        )

    def handle(self, *args, **options) -> None:
        failed = False
        for path in options["files"]:
            try:
                with open(path, "rb") as stream:
                    report = import_file(stream, dry_run=options["dry_run"], full=options["full"])
            except FileNotFoundError:
                raise CommandError(f"Fichier introuvable : {path}")
            except ImportRefused as exc:
                self.stderr.write(f"{path} : refusé — {exc}")
                failed = True
                continue
            self.stdout.write(f"{path} : {report.summary()}")
            for line in report.preview[:50] if options["verbosity"] < 2 else report.preview:
                self.stdout.write(f"  {line}")
            for r in report.rejected:
                self.stdout.write(f"  ligne {r.line} [{r.key}] rejetée : {r.reason}")
            if report.dry_run:
                self.stdout.write("  Simulation : rien n'a été enregistré.")
            elif report.rejected:
                self.stdout.write("  Lignes rejetées : rien n'a été enregistré (tout ou rien). Corrigez le fichier.")
                failed = True
            else:
                self.stdout.write(self.style.SUCCESS("  Import enregistré."))
        if failed:
            raise CommandError("Import incomplet : voir les messages ci-dessus.")
