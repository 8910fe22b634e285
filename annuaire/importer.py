"""Import of the rectorat CSV exports (establishments, people).

- semicolon-separated, UTF-8 (BOM allowed) or Latin-1/Windows-1252, detected by a first streaming
  pass; a file mixing both, with NUL bytes or bytes undefined in Windows-1252 is refused;
- the kind of file is recognised by its header; a wrong delimiter or missing columns is refused
  with a clear message and nothing is imported;
- rows are streamed and written in batches (memory flat in the file size): the identifiers seen
  so far live in a temporary table, not in Python;
- all-or-nothing: everything runs in one transaction, rolled back for a dry run or when any row is
  rejected; the report lists every rejected row with its line number and reason;
- re-importing the same file changes nothing; with ``full=True`` (a complete export) people
  managed by the import and missing from the file are deactivated, never deleted (establishments:
  marked inactive).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from typing import BinaryIO

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils.translation import gettext as _

from annuaire import search
from annuaire.bulk import insert_objects, update_objects
from annuaire.folding import fold
from annuaire.identifiers import normalize_identifier
from annuaire.models import (
    Assignment,
    ChangeRecord,
    Establishment,
    Function,
    Service,
    User,
    department_from_uai,
    validate_uai,
)

ESTABLISHMENT_COLUMNS = ["uai", "nom", "type", "secteur", "commune", "departement"]
PEOPLE_COLUMNS = ["identifiant", "nom", "prenom", "courriel", "telephone", "uai_ou_service", "fonction"]
BATCH_SIZE = 2000
MAX_PREVIEW = 200
IDENTIFIER_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
UAI_SHAPE = re.compile(r"^\d{7}[A-Za-z]$")
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")

KIND_ALIASES = {
    "ecole": "ecole",
    "ecole primaire": "ecole",
    "ecole elementaire": "ecole",
    "ecole maternelle": "ecole",
    "college": "college",
    "lycee": "lycee",
    "lycee general": "lycee",
    "lycee general et technologique": "lycee",
    "lgt": "lycee",
    "lycee professionnel": "lp",
    "lp": "lp",
    "erea": "erea",
    "cio": "cio",
    "circonscription": "circonscription",
    "dsden": "dsden",
    "rectorat": "rectorat",
    "autre": "autre",
}
SECTORS = {"public": True, "pu": True, "prive": False, "pr": False, "prive sous contrat": False}


class ImportRefused(Exception):
    """The file as a whole cannot be imported (encoding, delimiter, columns); nothing was written."""


@dataclass
class Rejection:
    line: int
    key: str
    reason: str


@dataclass
class ImportReport:
    kind: str = ""
    encoding: str = ""
    dry_run: bool = False
    full: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    reactivated: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    preview: list[str] = field(default_factory=list)
    applied: bool = False

    def note(self, text: str) -> None:
        if len(self.preview) < MAX_PREVIEW:
            self.preview.append(text)

    @property
    def kind_label(self) -> str:
        return _("établissements") if self.kind == "establishments" else _("personnes")

    def summary(self) -> str:
        return _(
            "%(rows)s lignes (%(kind)s, encodage %(encoding)s) : %(created)s créées, %(updated)s modifiées, "
            "%(unchanged)s inchangées, %(deactivated)s désactivées, %(rejected)s rejetées."
        ) % {
            "rows": self.rows,
            "kind": self.kind_label,
            "encoding": self.encoding,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deactivated": self.deactivated,
            "rejected": len(self.rejected),
        }


# ---------------------------------------------------------------------------
# Encoding and header
# ---------------------------------------------------------------------------
def detect_encoding(stream: BinaryIO, chunk_size: int = 1 << 20) -> str:
    """Streaming pass: ``utf-8-sig`` or ``cp1252`` (Latin-1 as written by Windows), else refuse."""
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    saw_utf8_sequence = False
    saw_undefined = False
    tail = b""
    while True:
        chunk = stream.read(chunk_size)
        if not chunk:
            break
        if b"\x00" in chunk:
            raise ImportRefused(_("Le fichier contient des octets nuls : ce n'est pas un fichier CSV texte."))
        window = tail + chunk
        if UTF8_SEQUENCE.search(window):
            saw_utf8_sequence = True
        if CP1252_UNDEFINED.search(chunk):
            saw_undefined = True
        tail = chunk[-3:]
        if utf8_ok:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8_ok = False
    if utf8_ok:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
    stream.seek(0)
    if utf8_ok:
        return "utf-8-sig"
    if saw_utf8_sequence:
        raise ImportRefused(
            _("Encodage illisible : le fichier mélange de l'UTF-8 et du Latin-1. Ré-exportez-le en UTF-8.")
        )
    if saw_undefined:
        raise ImportRefused(_("Encodage illisible : ni UTF-8 ni Latin-1. Ré-exportez le fichier en UTF-8."))
    return "cp1252"


def _folded_header(cells: list[str]) -> list[str]:
    return [fold(c).replace(" ", "_") for c in cells]


def detect_kind(header_line: str) -> tuple[str, list[str]]:
    cells = _folded_header(next(csv.reader([header_line], delimiter=";")))
    for kind, expected in (("people", PEOPLE_COLUMNS), ("establishments", ESTABLISHMENT_COLUMNS)):
        if set(expected) <= set(cells):
            return kind, cells
    for delimiter, label in ((",", "virgule"), ("\t", "tabulation"), ("|", "barre verticale")):
        other = set(_folded_header(next(csv.reader([header_line], delimiter=delimiter))))
        if set(PEOPLE_COLUMNS) <= other or set(ESTABLISHMENT_COLUMNS) <= other:
            raise ImportRefused(
                _("Séparateur incorrect : le fichier est séparé par « %(label)s », le point-virgule « ; » est attendu.")
                % {"label": label}
            )
    best = max((PEOPLE_COLUMNS, ESTABLISHMENT_COLUMNS), key=lambda cols: len(set(cols) & set(cells)))
    missing = [c for c in best if c not in cells]
    what = _("personnes") if best is PEOPLE_COLUMNS else _("établissements")
    raise ImportRefused(
        _("Colonnes manquantes pour un fichier de %(what)s : %(missing)s. En-tête attendu : %(expected)s")
        % {"what": what, "missing": ", ".join(missing), "expected": ";".join(best)}
    )


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------
SEEN_TABLE = "annuaire_import_seen"


def _create_seen_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SEEN_TABLE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {SEEN_TABLE} (k varchar(150) PRIMARY KEY, line integer NOT NULL)")


def _seen_lines(keys: list[str]) -> dict[str, int]:
    if not keys:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT k, line FROM {SEEN_TABLE} WHERE k IN ({', '.join(['%s'] * len(keys))})",  # noqa: S608
            keys,
        )
        return dict(cursor.fetchall())


def _remember(pairs: list[tuple[str, int]]) -> None:
    if pairs:
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {SEEN_TABLE} (k, line) VALUES (%s, %s)", pairs)  # noqa: S608


def import_file(
    stream: BinaryIO,
    *,
    dry_run: bool = False,
    full: bool = False,
    actor: User | None = None,
    batch_size: int | None = None,
) -> ImportReport:
    """Import one export file (kind recognised by its header). Raises :class:`ImportRefused`."""
    from django.conf import settings

    batch_size = batch_size or settings.ANNUAIRE_IMPORT_BATCH_SIZE
    encoding = detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        header_line = text.readline()
        if not header_line.strip():
            raise ImportRefused(_("Le fichier est vide."))
        kind, header = detect_kind(header_line)
        report = ImportReport(
            kind=kind, encoding="UTF-8" if encoding.startswith("utf") else "Latin-1", dry_run=dry_run, full=full
        )
        reader = csv.reader(text, delimiter=";")
        importer = PeopleImporter if kind == "people" else EstablishmentImporter
        with transaction.atomic():
            _create_seen_table()
            job = importer(report=report, header=header, actor=actor)
            batch: list[tuple[int, list[str]]] = []
            try:
                for row in reader:
                    if not any(cell.strip() for cell in row):
                        continue
                    report.rows += 1
                    batch.append((reader.line_num + 1, row))  # + the header line
                    if len(batch) >= batch_size:
                        job.process(batch)
                        batch = []
            except csv.Error as exc:
                raise ImportRefused(
                    _("Fichier CSV illisible ligne %(line)s : %(error)s") % {"line": reader.line_num, "error": exc}
                )
            if batch:
                job.process(batch)
            if report.rows == 0:
                raise ImportRefused(_("Le fichier ne contient aucune ligne de données."))
            if full:
                job.deactivate_missing()
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {SEEN_TABLE}")
            if dry_run or report.rejected:
                transaction.set_rollback(True)
            else:
                report.applied = True
        return report
    finally:
        text.detach()


class _Importer:
    columns: list[str]
    key_name: str

    def __init__(self, *, report: ImportReport, header: list[str], actor: User | None) -> None:
        self.report = report
        self.index = {name: header.index(name) for name in self.columns}
        self.width = len(header)
        self.actor = actor

    def cells(self, row: list[str]) -> dict[str, str]:
        return {name: (row[i].strip() if i < len(row) else "") for name, i in self.index.items()}

    def reject(self, line: int, key: str, reason: str) -> None:
        self.report.rejected.append(Rejection(line, key[:80], reason))

    def dedupe(self, parsed: list[tuple[int, str, dict]]) -> list[tuple[int, str, dict]]:
        """Drop (and reject) keys already seen in the file, then remember the batch's keys."""
        earlier = _seen_lines([k for _, k, _ in parsed])
        kept: list[tuple[int, str, dict]] = []
        in_batch: dict[str, int] = {}
        for line, key, values in parsed:
            first = earlier.get(key) or in_batch.get(key)
            if first:
                self.reject(line, key, _("identifiant en double (déjà présent ligne %(line)s)") % {"line": first})
                continue
            in_batch[key] = line
            kept.append((line, key, values))
        _remember([(k, ln) for k, ln in in_batch.items()])
        return kept

    def records(self, rows: list[ChangeRecord]) -> None:
        insert_objects(ChangeRecord, rows, need_ids=False)

    def change_record(self, obj: object, action: str, changes: dict) -> ChangeRecord:
        return ChangeRecord(
            actor=self.actor if self.actor is not None and self.actor.is_authenticated else None,
            source="import",
            object_type=obj._meta.model_name,
            object_id=str(obj.pk),
            object_repr=str(obj)[:255],
            action=action,
            changes=changes,
        )


class PeopleImporter(_Importer):
    columns = PEOPLE_COLUMNS
    key_name = "identifiant"
    USER_FIELDS = ("first_name", "last_name", "email", "office_phone")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.functions: dict[str, Function] = {}
        for fn in Function.objects.all():
            self.functions[fold(fn.code)] = fn
            self.functions[fold(fn.name)] = fn
        self.services = {s.code.lower(): s for s in Service.objects.all()}

    def parse(self, line: int, row: list[str], establishments: dict[str, Establishment]) -> tuple[str, dict] | None:
        c = self.cells(row)
        key = normalize_identifier(c["identifiant"])
        if len(row) != self.width:
            self.reject(
                line, key, _("nombre de colonnes incorrect (%(n)s au lieu de %(m)s)") % {"n": len(row), "m": self.width}
            )
            return None
        if not key:
            self.reject(line, key, _("identifiant manquant"))
            return None
        if len(key) > 150 or not IDENTIFIER_RE.match(key):
            self.reject(line, key, _("identifiant invalide : %(value)s") % {"value": key[:40]})
            return None
        if not c["nom"]:
            self.reject(line, key, _("nom manquant"))
            return None
        for name, limit in (("nom", 150), ("prenom", 150), ("telephone", 32), ("courriel", 254)):
            if len(c[name]) > limit:
                self.reject(
                    line,
                    key,
                    _("%(column)s trop long (%(n)s caractères, %(max)s au plus)")
                    % {"column": name, "n": len(c[name]), "max": limit},
                )
                return None
        email = c["courriel"].lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                self.reject(line, key, _("courriel invalide : %(value)s") % {"value": c["courriel"][:80]})
                return None
        function = self.functions.get(fold(c["fonction"]))
        if function is None:
            self.reject(line, key, _("fonction inconnue : %(value)s") % {"value": c["fonction"][:80]})
            return None
        place = c["uai_ou_service"]
        establishment = service = None
        if UAI_SHAPE.match(place):
            uai = place.upper()
            try:
                validate_uai(uai)
            except ValidationError as exc:
                self.reject(line, key, f"{uai} : {exc.messages[0]}")
                return None
            establishment = establishments.get(uai)
            if establishment is None:
                self.reject(line, key, _("établissement inconnu : %(value)s") % {"value": uai})
                return None
        else:
            service = self.services.get(place.lower())
            if service is None:
                reason = (
                    _("affectation manquante")
                    if not place
                    else _("établissement ou service inconnu : %(value)s") % {"value": place[:80]}
                )
                self.reject(line, key, reason)
                return None
        return key, {
            "first_name": c["prenom"],
            "last_name": c["nom"],
            "email": email,
            "office_phone": c["telephone"],
            "function": function,
            "establishment": establishment,
            "service": service,
        }

    def process(self, batch: list[tuple[int, list[str]]]) -> None:
        idx = self.index["uai_ou_service"]
        uais = {row[idx].strip().upper() for _, row in batch if idx < len(row) and UAI_SHAPE.match(row[idx].strip())}
        establishments = {e.uai: e for e in Establishment.objects.filter(uai__in=uais)}
        parsed = []
        for line, row in batch:
            result = self.parse(line, row, establishments)
            if result:
                parsed.append((line, result[0], result[1]))
        parsed = self.dedupe(parsed)
        existing = {
            u.username: u
            for u in User.objects.filter(username__in=[k for _, k, _ in parsed]).only(
                "id", "username", "is_active", "managed_by_import", *self.USER_FIELDS
            )
        }
        principals = {
            a.user_id: a
            for a in Assignment.objects.filter(user__in=existing.values(), principal=True).select_related(
                "function", "establishment", "service"
            )
        }
        new_users: list[User] = []
        new_values: list[dict] = []
        changed_users: list[User] = []
        records: list[ChangeRecord] = []
        changed_pairs: list[tuple[User, Assignment]] = []  # (person, principal assignment) to reindex
        new_assignments: list[Assignment] = []
        changed_assignments: list[Assignment] = []
        for _line, key, values in parsed:
            user = existing.get(key)
            if user is None:
                user = User(
                    username=key,
                    password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30),  # no password until reset
                    is_active=True,
                    managed_by_import=True,
                    **{f: values[f] for f in self.USER_FIELDS},
                )
                new_users.append(user)
                new_values.append(values)
                self.report.created += 1
                self.report.note(
                    _("création : %(id)s (%(name)s %(first)s)")
                    % {"id": key, "name": values["last_name"], "first": values["first_name"]}
                )
                continue
            changes = {f: [getattr(user, f), values[f]] for f in self.USER_FIELDS if getattr(user, f) != values[f]}
            if not user.is_active:
                changes["is_active"] = [False, True]
                user.is_active = True
                self.report.reactivated += 1
            if not user.managed_by_import:
                changes["managed_by_import"] = [False, True]
                user.managed_by_import = True
            for f in self.USER_FIELDS:
                setattr(user, f, values[f])
            a = principals.get(user.pk)
            fresh = None
            place = (
                values["function"].pk,
                getattr(values["establishment"], "pk", None),
                getattr(values["service"], "pk", None),
            )
            if a is None:
                fresh = Assignment(
                    user=user,
                    principal=True,
                    function=values["function"],
                    establishment=values["establishment"],
                    service=values["service"],
                )
                new_assignments.append(fresh)
                changes["affectation"] = ["", self._place_label(values)]
            elif (a.function_id, a.establishment_id, a.service_id) != place:
                changes["affectation"] = [
                    self._place_label({"function": a.function, "establishment": a.establishment, "service": a.service}),
                    self._place_label(values),
                ]
                a.function, a.establishment, a.service = values["function"], values["establishment"], values["service"]
                changed_assignments.append(a)
            if changes:
                changed_users.append(user)
                changed_pairs.append((user, fresh or a))
                records.append(self.change_record(user, "import_update", changes))
                self.report.updated += 1
                self.report.note(_("modification : %(id)s (%(fields)s)") % {"id": key, "fields": ", ".join(changes)})
            else:
                self.report.unchanged += 1
        new_pairs: list[tuple[User, Assignment]] = []
        if new_users:
            insert_objects(User, new_users)
            for user, values in zip(new_users, new_values, strict=True):
                fresh = Assignment(
                    user=user,
                    principal=True,
                    function=values["function"],
                    establishment=values["establishment"],
                    service=values["service"],
                )
                new_assignments.append(fresh)
                new_pairs.append((user, fresh))
                records.append(self.change_record(user, "import_create", {"affectation": self._place_label(values)}))
        if changed_users:
            update_objects(User, changed_users, [*self.USER_FIELDS, "is_active", "managed_by_import"])
        if changed_assignments:
            update_objects(Assignment, changed_assignments, ["function", "establishment", "service"])
        if new_assignments:
            insert_objects(Assignment, new_assignments, need_ids=False)
        self.records(records)
        search.reindex_people_from(changed_pairs)
        search.reindex_people_from(new_pairs, replace=False)

    @staticmethod
    def _place_label(values: dict) -> str:
        place = values["establishment"].uai if values["establishment"] else values["service"].code
        return f"{values['function'].code}@{place}"

    def deactivate_missing(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM annuaire_user WHERE managed_by_import = %s AND is_active = %s "  # noqa: S608
                f"AND username NOT IN (SELECT k FROM {SEEN_TABLE})",
                [True, True],
            )
            ids = [r[0] for r in cursor.fetchall()]
        for start in range(0, len(ids), 2000):
            chunk = ids[start : start + 2000]
            users = list(User.objects.filter(pk__in=chunk))
            User.objects.filter(pk__in=chunk).update(is_active=False)
            self.records([self.change_record(u, "import_deactivate", {"is_active": [True, False]}) for u in users])
            for u in users:
                self.report.note(_("désactivation : %(id)s (absent de l'export complet)") % {"id": u.username})
            search.reindex(search.PERSON, chunk)
        self.report.deactivated = len(ids)


class EstablishmentImporter(_Importer):
    columns = ESTABLISHMENT_COLUMNS
    key_name = "uai"
    FIELDS = ("name", "kind", "public", "commune", "department")

    def parse(self, line: int, row: list[str]) -> tuple[str, dict] | None:
        c = self.cells(row)
        key = c["uai"].upper()
        if len(row) != self.width:
            self.reject(
                line, key, _("nombre de colonnes incorrect (%(n)s au lieu de %(m)s)") % {"n": len(row), "m": self.width}
            )
            return None
        try:
            validate_uai(key)
        except ValidationError as exc:
            self.reject(line, key, f"{key or '∅'} : {exc.messages[0]}")
            return None
        if not c["nom"]:
            self.reject(line, key, _("nom manquant"))
            return None
        if len(c["nom"]) > 255 or len(c["commune"]) > 128:
            self.reject(line, key, _("nom ou commune trop long"))
            return None
        kind = KIND_ALIASES.get(fold(c["type"]))
        if kind is None:
            self.reject(line, key, _("type d'établissement inconnu : %(value)s") % {"value": c["type"][:80]})
            return None
        public = SECTORS.get(fold(c["secteur"]))
        if public is None:
            self.reject(
                line, key, _("secteur inconnu : %(value)s (public ou privé attendu)") % {"value": c["secteur"][:80]}
            )
            return None
        department = department_from_uai(key)
        given = c["departement"].lstrip("0")
        if given and given != department.lstrip("0"):
            self.reject(
                line,
                key,
                _("département %(given)s incohérent avec le code UAI (%(dep)s)")
                % {"given": c["departement"][:8], "dep": department},
            )
            return None
        return key, {
            "name": c["nom"],
            "kind": kind,
            "public": public,
            "commune": c["commune"],
            "department": department,
        }

    def process(self, batch: list[tuple[int, list[str]]]) -> None:
        parsed = []
        for line, row in batch:
            result = self.parse(line, row)
            if result:
                parsed.append((line, result[0], result[1]))
        parsed = self.dedupe(parsed)
        existing = {e.uai: e for e in Establishment.objects.filter(uai__in=[k for _, k, _ in parsed])}
        new, changed, records, kind_changed = [], [], [], []
        for _line, key, values in parsed:
            est = existing.get(key)
            if est is None:
                new.append(Establishment(uai=key, email=f"ce.{key}@{_mail_domain()}", active=True, **values))
                self.report.created += 1
                self.report.note(_("création : %(uai)s %(name)s") % {"uai": key, "name": values["name"]})
                continue
            changes = {f: [getattr(est, f), values[f]] for f in self.FIELDS if getattr(est, f) != values[f]}
            if not est.active:
                changes["active"] = [False, True]
                est.active = True
                self.report.reactivated += 1
            if changes:
                if "kind" in changes:
                    kind_changed.append(est.pk)
                for f in self.FIELDS:
                    setattr(est, f, values[f])
                changed.append(est)
                records.append(self.change_record(est, "import_update", changes))
                self.report.updated += 1
                self.report.note(_("modification : %(uai)s (%(fields)s)") % {"uai": key, "fields": ", ".join(changes)})
            else:
                self.report.unchanged += 1
        if new:
            insert_objects(Establishment, new)
            records += [self.change_record(e, "import_create", {}) for e in new]
        if changed:
            update_objects(Establishment, changed, [*self.FIELDS, "active"])
        self.records(records)
        search.reindex(search.ESTABLISHMENT, [e.pk for e in new] + [e.pk for e in changed])
        if kind_changed:
            staff = Assignment.objects.filter(establishment_id__in=kind_changed).values_list("user_id", flat=True)
            search.reindex(search.PERSON, sorted(set(staff)))

    def deactivate_missing(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM annuaire_establishment WHERE active = %s AND uai NOT IN (SELECT k FROM {SEEN_TABLE})",  # noqa: S608
                [True],
            )
            ids = [r[0] for r in cursor.fetchall()]
        ests = list(Establishment.objects.filter(pk__in=ids))
        Establishment.objects.filter(pk__in=ids).update(active=False)
        self.records([self.change_record(e, "import_deactivate", {"active": [True, False]}) for e in ests])
        for e in ests:
            self.report.note(_("désactivation : %(uai)s (absent de l'export complet)") % {"uai": e.uai})
        search.reindex(search.ESTABLISHMENT, ids)
        self.report.deactivated = len(ids)


def _mail_domain() -> str:
    from django.conf import settings

    return getattr(settings, "ACADEMIE_MAIL_DOMAIN", "ac-nancy-metz.fr")
