"""Tokens carry their entry's kind so autocomplete (people, groups) filters inside the index scan."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS annuaire_searchtoken_prefix")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE annuaire_searchtoken t SET kind = e.kind FROM annuaire_searchentry e WHERE e.id = t.entry_id"
        )
        schema_editor.execute(
            'CREATE INDEX annuaire_searchtoken_prefix ON annuaire_searchtoken (token COLLATE "C") INCLUDE (entry_id, field, kind)'
        )
    else:
        schema_editor.execute(
            "UPDATE annuaire_searchtoken SET kind = (SELECT e.kind FROM annuaire_searchentry e WHERE e.id = annuaire_searchtoken.entry_id)"
        )
        schema_editor.execute("CREATE INDEX annuaire_searchtoken_prefix ON annuaire_searchtoken (token, kind, entry_id, field)")


def backwards(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS annuaire_searchtoken_prefix")


class Migration(migrations.Migration):
    dependencies = [("annuaire", "0003_search_indexes")]

    operations = [
        migrations.AddField(
            model_name="searchtoken", name="kind", field=models.CharField(default="", max_length=16)
        ),
        migrations.RunPython(forwards, backwards),
    ]
