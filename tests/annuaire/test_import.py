"""Import of rectorat CSV exports: command, admin page, dry run, report, idempotence, deactivation."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from annuaire import search
from annuaire.importer import ImportRefused, import_file
from annuaire.models import Assignment, ChangeRecord, Establishment, Function, User

ESTABLISHMENTS = (
    "uai;nom;type;secteur;commune;departement\n"
    "0540038Y;Lycée Henri Poincaré;lycée;public;Nancy;54\n"
    "0570054Z;Lycée Fabert;Lycée;PU;Metz;057\n"
    "0880020U;Lycée Jules Ferry;lycee;public;Saint-Dié-des-Vosges;88\n"
)
PEOPLE = (
    "identifiant;nom;prenom;courriel;telephone;uai_ou_service;fonction\n"
    "hlefebvre;Lefèbvre;Hélène;helene.lefebvre@ac-nancy-metz.fr;03 83 00 00 01;0540038Y;chef\n"
    "MMartin2 ;Martin;Marc;marc.martin@ac-nancy-metz.fr;;0570054Z;Enseignant du second degré\n"
    "mfaure;Faure;Martine;martine.faure@ac-nancy-metz.fr;;0880020U;ens-2d\n"
)


@pytest.fixture
def functions(db):
    Function.objects.create(code="chef", name="Chef d'établissement")
    Function.objects.create(code="ens-2d", name="Enseignant du second degré")


def run(text: str, encoding: str = "utf-8", **kwargs):
    return import_file(io.BytesIO(text.encode(encoding)), **kwargs)


@pytest.fixture
def establishments(functions):
    report = run(ESTABLISHMENTS)
    assert report.applied and report.created == 3
    return report


def test_dry_run_shows_changes_and_writes_nothing(functions):
    report = run(ESTABLISHMENTS, dry_run=True)
    assert report.kind == "establishments"
    assert (report.created, report.rejected, report.applied) == (3, [], False)
    assert any("0540038Y" in line for line in report.preview)
    assert Establishment.objects.count() == 0


def test_real_run_creates_establishments_with_department_from_uai(establishments):
    fabert = Establishment.objects.get(uai="0570054Z")
    assert (fabert.name, fabert.kind, fabert.public, fabert.department) == ("Lycée Fabert", "lycee", True, "57")
    assert fabert.email == "ce.0570054Z@ac-nancy-metz.fr"
    # indexed for search at once (bulk writes bypass signals)
    assert (
        search.search_entries("st die", kinds=("establishment",)).hits[0].object_id
        == Establishment.objects.get(uai="0880020U").pk
    )


def test_people_import_then_reimport_changes_nothing(establishments):
    first = run(PEOPLE)
    assert (first.kind, first.created, first.applied) == ("people", 3, True)
    marc = User.objects.get(username="mmartin2")  # identifier normalised
    assert (marc.first_name, marc.last_name, marc.managed_by_import, marc.has_usable_password()) == (
        "Marc",
        "Martin",
        True,
        False,
    )
    a = Assignment.objects.get(user=marc)
    assert (a.principal, a.function.code, a.establishment.uai) == (True, "ens-2d", "0570054Z")
    records = ChangeRecord.objects.count()

    again = run(PEOPLE)
    assert (again.created, again.updated, again.unchanged, again.deactivated) == (0, 0, 3, 0)
    assert ChangeRecord.objects.count() == records
    again_est = run(ESTABLISHMENTS)
    assert (again_est.created, again_est.updated, again_est.unchanged) == (0, 0, 3)


def test_changed_row_updates_and_records_history(establishments):
    run(PEOPLE)
    changed = PEOPLE.replace("marc.martin@", "m.martin@").replace(";0570054Z;", ";0540038Y;")
    report = run(changed)
    assert (report.updated, report.unchanged) == (1, 2)
    marc = User.objects.get(username="mmartin2")
    assert marc.email == "m.martin@ac-nancy-metz.fr"
    assert Assignment.objects.get(user=marc, principal=True).establishment.uai == "0540038Y"
    record = ChangeRecord.objects.filter(object_type="user", object_id=str(marc.pk), action="import_update").get()
    assert record.changes["email"] == ["marc.martin@ac-nancy-metz.fr", "m.martin@ac-nancy-metz.fr"]
    assert record.source == "import"


def test_rejected_rows_report_line_and_reason_and_nothing_is_written(establishments):
    bad = (
        PEOPLE
        + "pgirard;Girard;Pierre;pierre.girard@ac-nancy-metz.fr;;0570054A;ens-2d\n"  # line 5: bad check letter
        + "cmoreau;Moreau;Claire;claire.moreau@ac-nancy-metz.fr;;0540038Y;astronaute\n"  # line 6: unknown function
        + "hlefebvre;Lefebvre;Hélène;h@ac-nancy-metz.fr;;0540038Y;chef\n"  # line 7: duplicate identifier
        + "lbernard;Bernard;Lucas;pas-un-courriel;;0540038Y;ens-2d\n"  # line 8: bad e-mail
    )
    report = run(bad)
    assert not report.applied
    by_line = {r.line: r.reason for r in report.rejected}
    assert sorted(by_line) == [5, 6, 7, 8]
    assert "lettre de contrôle" in by_line[5]
    assert "fonction inconnue" in by_line[6]
    assert "double" in by_line[7] and "ligne 2" in by_line[7]
    assert "courriel invalide" in by_line[8]
    assert not User.objects.exists()  # all or nothing


def test_full_export_deactivates_missing_people_never_deletes(establishments):
    run(PEOPLE)
    manual = User.objects.create(username="admin.dsi", first_name="Bruno", last_name="Colin", password="!")
    without_faure = "\n".join(line for line in PEOPLE.splitlines() if "mfaure" not in line) + "\n"
    partial = run(without_faure)  # not declared complete: nobody is deactivated
    assert partial.deactivated == 0
    report = run(without_faure, full=True)
    assert report.deactivated == 1
    faure = User.objects.get(username="mfaure")
    assert faure.is_active is False
    manual.refresh_from_db()
    assert manual.is_active  # not managed by the import
    assert search.search_entries("faure").hits == []  # gone from search
    back = run(PEOPLE, full=True)
    assert (back.reactivated, back.deactivated) == (1, 0)
    assert User.objects.get(username="mfaure").is_active


def test_latin1_file_is_detected(functions):
    report = run(ESTABLISHMENTS.replace("Fabert", "Fabert Vandœuvre").replace("œ", "oe"), encoding="latin-1")
    assert report.encoding == "Latin-1"
    assert Establishment.objects.get(uai="0540038Y").name == "Lycée Henri Poincaré"


def test_windows_1252_oe_ligature(functions):
    run(ESTABLISHMENTS.replace("Nancy;54", "Vandœuvre-lès-Nancy;54"), encoding="cp1252")
    assert Establishment.objects.get(uai="0540038Y").commune == "Vandœuvre-lès-Nancy"


def test_utf8_bom_is_accepted(functions):
    report = import_file(io.BytesIO(b"\xef\xbb\xbf" + ESTABLISHMENTS.encode()))
    assert report.applied and report.encoding == "UTF-8"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (ESTABLISHMENTS.encode() + "Collège Lévy;x\n".encode("latin-1"), "mélange"),
        (ESTABLISHMENTS.replace(";", ",").encode(), "Séparateur incorrect"),
        (ESTABLISHMENTS.replace(";commune", "").encode(), "Colonnes manquantes"),
        (PEOPLE.replace("courriel;", "").encode(), "courriel"),
        (b"uai;nom\x00;type\n", "octets nuls"),
        (b"", "vide"),
        (b"uai;nom;type;secteur;commune;departement\n", "aucune ligne"),
    ],
)
def test_broken_files_are_refused_and_import_nothing(functions, data, message):
    with pytest.raises(ImportRefused) as exc:
        import_file(io.BytesIO(data))
    assert message in str(exc.value)
    assert not Establishment.objects.exists()


def test_department_inconsistent_with_uai_is_rejected(functions):
    report = run(ESTABLISHMENTS.replace("Metz;057", "Metz;54"))
    assert [r.line for r in report.rejected] == [3]
    assert "incohérent" in report.rejected[0].reason


def test_hostile_strings_are_stored_as_given(establishments):
    hostile = "<script>alert(1)</script>\u202eevil"
    run(PEOPLE.replace("Faure;Martine", f"Faure;{hostile}"))
    assert User.objects.get(username="mfaure").first_name == hostile
    too_long = run(PEOPLE.replace("Faure;", "F" * 151 + ";"))
    assert "trop long" in too_long.rejected[0].reason


def test_command_dry_run_and_report(establishments, tmp_path, capsys):
    path = tmp_path / "personnes.csv"
    path.write_bytes(PEOPLE.encode())
    call_command("import_annuaire", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "3 créées" in out and "Simulation" in out
    assert not User.objects.exists()
    call_command("import_annuaire", str(path))
    assert User.objects.count() == 3

    bad = tmp_path / "bad.csv"
    bad.write_text(PEOPLE + "x;Y;Z;pas-un-courriel;;0540038Y;chef\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_annuaire", str(bad))
    assert "ligne 5 [x] rejetée : courriel invalide" in capsys.readouterr().out


def test_command_refuses_wrong_delimiter(functions, tmp_path, capsys):
    path = tmp_path / "etab.csv"
    path.write_text(ESTABLISHMENTS.replace(";", "\t"))
    with pytest.raises(CommandError):
        call_command("import_annuaire", str(path))
    assert "tabulation" in capsys.readouterr().err


def test_admin_import_page(establishments, client, make_user):
    from tests.conftest import verify_client

    admin = make_user("admin.dsi", is_staff=True, is_superuser=True)
    verify_client(client, admin)
    page = client.get("/admin/annuaire/user/")
    assert "/admin/annuaire/user/import/" in page.content.decode()
    upload = io.BytesIO(PEOPLE.encode())
    upload.name = "personnes.csv"
    dry = client.post("/admin/annuaire/user/import/", {"file": upload, "dry_run": "on"})
    assert dry.status_code == 200
    assert "3 créées" in dry.content.decode() and User.objects.count() == 1
    upload = io.BytesIO(PEOPLE.encode())
    upload.name = "personnes.csv"
    real = client.post("/admin/annuaire/user/import/", {"file": upload})
    assert "Import enregistré" in real.content.decode()
    assert User.objects.count() == 4
    upload = io.BytesIO(PEOPLE.replace(";", ",").encode())
    upload.name = "personnes.csv"
    refused = client.post("/admin/annuaire/user/import/", {"file": upload})
    assert "Séparateur incorrect" in refused.content.decode()


def test_admin_import_needs_permission(client, make_user):
    from tests.conftest import verify_client

    staff = make_user("staff", is_staff=True)
    verify_client(client, staff)
    assert client.get("/admin/annuaire/user/import/").status_code == 403
