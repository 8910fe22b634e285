"""Search indexes (DESIGN §4b). PostgreSQL: pg_trgm/unaccent, C-collation prefix index, trigram
vocabulary index. SQLite (embedded default): plain btree indexes, no trigram."""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

POSTGRES = [
    'CREATE INDEX IF NOT EXISTS annuaire_searchtoken_prefix ON annuaire_searchtoken (token COLLATE "C") INCLUDE (entry_id, field)',
    'CREATE INDEX IF NOT EXISTS annuaire_searchword_prefix ON annuaire_searchword (word COLLATE "C")',
    "CREATE INDEX IF NOT EXISTS annuaire_searchword_trgm ON annuaire_searchword USING gin (word gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS annuaire_searchentry_folded ON annuaire_searchentry (kind, active, folded)",
]
OTHER = [
    "CREATE INDEX IF NOT EXISTS annuaire_searchtoken_prefix ON annuaire_searchtoken (token, entry_id, field)",
    "CREATE INDEX IF NOT EXISTS annuaire_searchentry_folded ON annuaire_searchentry (kind, active, folded)",
]
DROP = [
    "DROP INDEX IF EXISTS annuaire_searchtoken_prefix",
    "DROP INDEX IF EXISTS annuaire_searchword_prefix",
    "DROP INDEX IF EXISTS annuaire_searchword_trgm",
    "DROP INDEX IF EXISTS annuaire_searchentry_folded",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else OTHER
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for sql in DROP:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("annuaire", "0002_directory")]

    operations = [
        TrigramExtension(),
        UnaccentExtension(),
        migrations.RunPython(forwards, backwards),
    ]
