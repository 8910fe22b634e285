"""Fast bulk inserts for imports and index rebuilds: PostgreSQL ``COPY`` (ids allocated from the
table's sequence first when the caller needs them), ``bulk_create`` on other databases."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import DEFAULT_DB_ALIAS, connection, connections, models


def insert_objects(model: type[models.Model], objs: Sequence[models.Model], *, need_ids: bool = True) -> None:
    """Insert ``objs`` (unsaved instances); their primary keys are set when ``need_ids``."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=2000)
        return
    meta = model._meta
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if need_ids or f is not pk]
    if need_ids:
        for obj, new_id in zip(objs, allocate_ids(meta.db_table, pk.column, len(objs)), strict=True):
            setattr(obj, pk.attname, new_id)
    conn = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: no thread-local lookup per value
    copy_rows(
        meta.db_table,
        [f.column for f in fields],
        ([f.get_db_prep_save(f.pre_save(obj, True), conn) for f in fields] for obj in objs),
    )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = "default"


def insert_words(words: Sequence[str]) -> None:
    """Add words to the search vocabulary, ignoring those already there."""
    if not words:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO annuaire_searchword (word) SELECT unnest(%s::varchar[]) ON CONFLICT DO NOTHING",
                [list(words)],
            )
        return
    from annuaire.models import SearchWord

    SearchWord.objects.bulk_create([SearchWord(word=w) for w in words], batch_size=2000, ignore_conflicts=True)


def allocate_ids(table: str, column: str, count: int) -> list[int]:
    """Reserve ``count`` values of a PostgreSQL identity/serial column."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(table: str, columns: Sequence[str], rows: Iterable) -> None:
    """``COPY table (columns) FROM STDIN`` with already adapted values (PostgreSQL only)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def update_objects(model: type[models.Model], objs: Sequence[models.Model], field_names: Sequence[str]) -> None:
    """Write ``field_names`` of many saved objects. PostgreSQL: one ``UPDATE … FROM (VALUES …)`` per
    thousand rows (linear; Django's ``bulk_update`` builds a CASE per field, quadratic in the batch)."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, field_names, batch_size=500)
        return
    meta = model._meta
    conn = connections[DEFAULT_DB_ALIAS]
    quote = conn.ops.quote_name
    fields = [meta.get_field(name) for name in field_names]
    sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}::{f.db_type(conn)}" for f in fields)
    alias = ", ".join(["id", *(quote(f.column) for f in fields)])
    row_sql = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(objs), 1000):
            chunk = objs[start : start + 1000]
            params: list = []
            for obj in chunk:
                params.append(obj.pk)
                params.extend(f.get_db_prep_save(getattr(obj, f.attname), conn) for f in fields)
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} t SET {sets} FROM (VALUES {', '.join([row_sql] * len(chunk))}) "  # noqa: S608
                f"AS v({alias}) WHERE t.{quote(meta.pk.column)} = v.id::bigint",
                params,
            )
