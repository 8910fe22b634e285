"""Tokens carry their entry's words: multi-word queries are filtered inside the index-only scan."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS annuaire_searchtoken_prefix")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE annuaire_searchtoken t SET terms = e.terms FROM annuaire_searchentry e WHERE e.id = t.entry_id"
        )
        schema_editor.execute(
            'CREATE INDEX annuaire_searchtoken_prefix ON annuaire_searchtoken (token COLLATE "C") '
            "INCLUDE (entry_id, field, kind, terms)"
        )
    else:
        schema_editor.execute(
            "UPDATE annuaire_searchtoken SET terms = "
            "(SELECT e.terms FROM annuaire_searchentry e WHERE e.id = annuaire_searchtoken.entry_id)"
        )
        schema_editor.execute("CREATE INDEX annuaire_searchtoken_prefix ON annuaire_searchtoken (token, kind, entry_id, field)")


def backwards(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS annuaire_searchtoken_prefix")


class Migration(migrations.Migration):
    dependencies = [("annuaire", "0004_searchtoken_kind")]

    operations = [
        migrations.AddField(model_name="searchtoken", name="terms", field=models.TextField(default="")),
        migrations.RunPython(forwards, backwards),
    ]
