"""The audit trail is append-only: model layer, PostgreSQL trigger, admin; CSV export for the DSI."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import DatabaseError, connection, transaction

from helpdesk import services
from helpdesk.models import AuditEntry, AuditImmutableError
from tests.helpdesk.conftest import lock_out, open_public_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(client, teacher, agent):
    lock_out("jdupont")
    _, ticket, _ = open_public_ticket(client)
    services.unlock_account(
        agent=agent, target=teacher, comment="Rappel fait", ip="10.1.2.3", ticket=ticket, identity_checked=True
    )
    return AuditEntry.objects.get(action="unlock")


def test_model_layer_refuses_update_and_delete(entry):
    entry.comment = "réécrit"
    with pytest.raises(AuditImmutableError):
        entry.save()
    with pytest.raises(AuditImmutableError):
        entry.delete()
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.filter(pk=entry.pk).update(comment="réécrit")
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.bulk_update([entry], ["comment"])
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.update_or_create(pk=entry.pk, defaults={"comment": "x"})
    entry.refresh_from_db()
    assert entry.comment == "Rappel fait"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE helpdesk_auditentry SET comment = 'réécrit'",
        "DELETE FROM helpdesk_auditentry",
        "UPDATE helpdesk_auditentry SET result = 'echec' WHERE action = 'unlock'",
    ],
)
def test_database_trigger_refuses_update_and_delete(entry, sql):
    assert connection.vendor == "postgresql"
    with pytest.raises(DatabaseError, match="ajout seul"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    entry.refresh_from_db()
    assert entry.comment == "Rappel fait" and entry.result == "succes"


def test_inserts_still_work_and_accounts_with_entries_are_protected(entry, teacher):
    from django.db.models import ProtectedError

    count = AuditEntry.objects.count()
    services.record_audit(
        actor=None, action="status_change", result="succes", target_identifier="x", actor_label="test"
    )
    assert AuditEntry.objects.count() == count + 1
    with pytest.raises(ProtectedError):
        teacher.delete()  # deleting the account would rewrite who the entries are about


def test_admin_is_read_only_for_dsi_superusers(entry, dsi_client):
    base = "/admin/helpdesk/auditentry/"
    assert dsi_client.get(base).status_code == 200
    assert dsi_client.get(f"{base}add/").status_code == 403
    assert dsi_client.get(f"{base}{entry.pk}/delete/").status_code == 403
    page = dsi_client.get(f"{base}{entry.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = dsi_client.post(f"{base}{entry.pk}/change/", {"comment": "réécrit"})
    assert response.status_code == 403
    response = dsi_client.post(base, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    entry.refresh_from_db()
    assert AuditEntry.objects.filter(pk=entry.pk).exists() and entry.comment == "Rappel fait"


def test_admin_csv_export_action(entry, dsi_client):
    response = dsi_client.post("/admin/helpdesk/auditentry/", {"action": "export_csv", "_selected_action": [entry.pk]})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["date", "auteur", "action"] and rows[1][2] == "unlock"


def test_csv_export_for_dsi_has_every_column_and_neutralises_formulas(entry, dsi_client, client, teacher, agent):
    _, ticket, _ = open_public_ticket(client)
    services.unlock_account(
        agent=agent,
        target=teacher,
        comment='=HYPERLINK("http://evil")',
        ip="10.1.2.3",
        ticket=ticket,
        identity_checked=True,
    )
    response = dsi_client.get("/assistance/console/journal/export.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="journal-assistance-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, *data = rows
    assert header == [
        "date",
        "auteur",
        "action",
        "compte",
        "ticket",
        "adresse_ip",
        "resultat",
        "verification_identite",
        "commentaire",
        "detail",
    ]
    unlocks = [dict(zip(header, r, strict=True)) for r in data if r[2] == "unlock"]
    assert len(unlocks) == 2
    first = unlocks[-1]
    assert first["auteur"] == "agent.assistance" and first["compte"] == "jdupont" and first["adresse_ip"] == "10.1.2.3"
    assert (
        first["resultat"] == "succes"
        and first["commentaire"] == "Rappel fait"
        and "03 83 36 75 42" in first["verification_identite"]
    )
    assert unlocks[0]["commentaire"] == '\'=HYPERLINK("http://evil")'
    # filtered export
    response = dsi_client.get("/assistance/console/journal/export.csv?action=status_change")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert all(r[2] == "status_change" for r in rows[1:])
    page = dsi_client.get("/assistance/console/journal/?q=jdupont")
    assert page.status_code == 200 and "Rappel fait" in page.content.decode()
