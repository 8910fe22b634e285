"""PostgreSQL refuses UPDATE and DELETE on the audit trail, whatever the client (admin, shell, psql
with the application's role). SQLite (first run on a fresh machine) relies on the model layer."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION helpdesk_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'helpdesk_auditentry est en ajout seul : % refusé', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS helpdesk_auditentry_append_only ON helpdesk_auditentry;
CREATE TRIGGER helpdesk_auditentry_append_only
    BEFORE UPDATE OR DELETE ON helpdesk_auditentry
    FOR EACH ROW EXECUTE FUNCTION helpdesk_auditentry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS helpdesk_auditentry_append_only ON helpdesk_auditentry;
DROP FUNCTION IF EXISTS helpdesk_auditentry_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger, elidable=False)]
