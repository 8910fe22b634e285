"""Directory search index and query (DESIGN §4b).

Index: one ``SearchEntry`` per person, establishment, service and group, with its folded words in
``SearchToken`` (PostgreSQL: btree on ``token COLLATE "C"`` so a prefix is an index range scan) and
a vocabulary ``SearchWord`` (PostgreSQL: GIN trigram index, for typo correction).

Query: fold the typed text; the longest word drives an index range scan on token prefixes (bounded
to ``cap`` rows in token order for a single short word), the other words must prefix-match a word
of the same entry; the bounded candidate set is then ranked (exact word, surname before first
name, whole label starting with the query, viewer's establishment and department). When nothing
matches, each unknown word is replaced by its nearest vocabulary word by trigram similarity
(PostgreSQL only; on SQLite the search stays a folded-prefix search).

The index is written here only; ``annuaire.signals`` keeps it in step with single saves, imports
and bulk actions call :func:`reindex` in batches.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch

from annuaire.bulk import allocate_ids, copy_rows, insert_words
from annuaire.folding import fold, prefix_upper_bound, query_tokens, tokens, with_aliases
from annuaire.models import (
    Assignment,
    DirectoryGroup,
    Establishment,
    SearchEntry,
    SearchToken,
    Service,
    User,
)

PERSON, ESTABLISHMENT, SERVICE, GROUP = "person", "establishment", "service", "group"
ALL_KINDS = (PERSON, ESTABLISHMENT, SERVICE, GROUP)

FIELD_NAME, FIELD_FIRST, FIELD_CODE = 0, 1, 2


# ---------------------------------------------------------------------------
# Indexing
# ---------------------------------------------------------------------------
def principal_assignment(user: User) -> Assignment | None:
    """The principal assignment (or the first one) from a prefetched ``assignments``."""
    assignments = list(user.assignments.all())
    for a in assignments:
        if a.principal:
            return a
    return assignments[0] if assignments else None


def _person_entry(user: User) -> tuple[dict, list[tuple[str, int]]]:
    return _person_fields(user, principal_assignment(user))


def _person_fields(user: User, a: Assignment | None) -> tuple[dict, list[tuple[str, int]]]:
    words = [(t, FIELD_NAME) for t in with_aliases(tokens(user.last_name))]
    words += [(t, FIELD_FIRST) for t in with_aliases(tokens(user.first_name))]
    words += [(t, FIELD_CODE) for t in tokens(user.username)]
    est = a.establishment if a else None
    svc_est_id = a.service.establishment_id if a and a.service_id else None
    entry = {
        "folded": fold(f"{user.last_name} {user.first_name}")[:400] or user.username,
        "active": user.is_active,
        "department": est.department if est else "",
        "establishment_id": est.pk if est else svc_est_id,
        "establishment_kind": est.kind if est else "",
        "function_id": a.function_id if a else None,
    }
    return entry, words


def _establishment_entry(est: Establishment) -> tuple[dict, list[tuple[str, int]]]:
    words = [(t, FIELD_NAME) for t in with_aliases(tokens(est.name))]
    words += [(t, FIELD_FIRST) for t in with_aliases(tokens(est.commune))]
    words += [(est.uai.lower(), FIELD_CODE)]
    entry = {
        "folded": fold(f"{est.name} {est.commune}")[:400],
        "active": est.active,
        "department": est.department,
        "establishment_id": est.pk,
        "establishment_kind": est.kind,
        "function_id": None,
    }
    return entry, words


def _service_entry(svc: Service) -> tuple[dict, list[tuple[str, int]]]:
    words = [(t, FIELD_NAME) for t in with_aliases(tokens(svc.name))]
    words += [(t, FIELD_CODE) for t in tokens(svc.code)]
    est = svc.establishment
    entry = {
        "folded": fold(svc.name)[:400],
        "active": True,
        "department": est.department if est else "",
        "establishment_id": svc.establishment_id,
        "establishment_kind": est.kind if est else "",
        "function_id": None,
    }
    return entry, words


def _group_entry(group: DirectoryGroup) -> tuple[dict, list[tuple[str, int]]]:
    words = [(t, FIELD_NAME) for t in with_aliases(tokens(group.name))]
    words += [(t, FIELD_CODE) for t in tokens(group.address.split("@")[0])]
    entry = {
        "folded": fold(group.name)[:400],
        "active": group.active,
        "department": "",
        "establishment_id": None,
        "establishment_kind": "",
        "function_id": None,
    }
    return entry, words


def _load(kind: str, ids: list[int]) -> Iterable:
    if kind == PERSON:
        return User.objects.filter(pk__in=ids).prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("establishment", "service").order_by("-principal", "id"),
            )
        )
    if kind == ESTABLISHMENT:
        return Establishment.objects.filter(pk__in=ids)
    if kind == SERVICE:
        return Service.objects.filter(pk__in=ids).select_related("establishment")
    return DirectoryGroup.objects.filter(pk__in=ids)


_BUILDERS = {PERSON: _person_entry, ESTABLISHMENT: _establishment_entry, SERVICE: _service_entry, GROUP: _group_entry}


def remove_from_index(kind: str, ids: Iterable[int]) -> None:
    ids = list(ids)
    if not ids:
        return
    SearchToken.objects.filter(entry__kind=kind, entry__object_id__in=ids).delete()
    SearchEntry.objects.filter(kind=kind, object_id__in=ids).delete()


def reindex(kind: str, ids: Iterable[int], *, batch_size: int = 2000) -> int:
    """(Re)build the index rows of these objects; objects that no longer exist are removed."""
    ids = list(ids)
    done = 0
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        remove_from_index(kind, chunk)
        done += _write_entries(kind, [_BUILDERS[kind](obj) + (obj.pk,) for obj in _load(kind, chunk)])
    return done


def reindex_people_from(pairs: list[tuple[User, Assignment | None]], *, replace: bool = True) -> int:
    """Index people whose principal assignment is already at hand (imports): no reload."""
    if replace:
        remove_from_index(PERSON, [u.pk for u, _ in pairs])
    return _write_entries(PERSON, [_person_fields(u, a) + (u.pk,) for u, a in pairs])


def _write_entries(kind: str, built: list[tuple[dict, list[tuple[str, int]], int]]) -> int:
    rows: list[tuple[dict, str, int]] = []
    words_per_entry: list[list[tuple[str, int]]] = []
    for fields, words, object_id in built:
        unique: dict[str, int] = {}
        for word, field in words:
            if word and (word not in unique or field < unique[word]):
                unique[word] = field
        rows.append((fields, (" " + " ".join(unique) + " ")[:MAX_TERMS], object_id))
        words_per_entry.append(sorted(unique.items()))
    if not rows:
        return 0
    if connection.vendor == "postgresql":  # COPY plain tuples: imports index 100,000 people at once
        entry_ids = allocate_ids("annuaire_searchentry", "id", len(rows))
        copy_rows(
            "annuaire_searchentry",
            ENTRY_COLUMNS,
            (
                (pk, kind, object_id, terms, *(f[c] for c in ENTRY_FIELDS))
                for pk, (f, terms, object_id) in zip(entry_ids, rows, strict=True)
            ),
        )
        copy_rows(
            "annuaire_searchtoken",
            ("entry_id", "kind", "token", "field", "terms"),
            (
                (pk, kind, word, field, row[1])
                for pk, words, row in zip(entry_ids, words_per_entry, rows, strict=True)
                for word, field in words
            ),
        )
    else:
        entries = [SearchEntry(kind=kind, object_id=o, terms=t, **f) for f, t, o in rows]
        SearchEntry.objects.bulk_create(entries, batch_size=500)
        SearchToken.objects.bulk_create(
            [
                SearchToken(entry_id=entry.pk, kind=kind, token=word, field=field, terms=entry.terms)
                for entry, words in zip(entries, words_per_entry, strict=True)
                for word, field in words
            ],
            batch_size=500,
        )
    insert_words(sorted({word for words in words_per_entry for word, _ in words}))
    return len(rows)


MAX_TERMS = 1000
ENTRY_FIELDS = ("folded", "active", "department", "establishment_id", "establishment_kind", "function_id")
ENTRY_COLUMNS = ("id", "kind", "object_id", "terms", *ENTRY_FIELDS)


def rebuild_index() -> dict[str, int]:
    """Rebuild the whole index (management command ``reindex_annuaire``, demo data)."""
    counts = {}
    models = {PERSON: User, ESTABLISHMENT: Establishment, SERVICE: Service, GROUP: DirectoryGroup}
    for kind, model in models.items():
        ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
        stale = SearchEntry.objects.filter(kind=kind).exclude(object_id__in=ids).values_list("object_id", flat=True)
        remove_from_index(kind, list(stale))
        counts[kind] = reindex(kind, ids)
    return counts


# ---------------------------------------------------------------------------
# Query
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Hit:
    kind: str
    object_id: int
    score: int


@dataclass
class SearchResult:
    hits: list[Hit]
    corrected_query: str = ""  # set when typo correction replaced words


def _collate() -> str:
    return ' COLLATE "C"' if connection.vendor == "postgresql" else ""


def _like_escape(word: str) -> str:
    # folded words are [a-z0-9] only; kept for safety if folding ever changes
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _run(
    words: list[str],
    *,
    kinds: tuple[str, ...],
    limit: int,
    per_kind: int | None,
    cap: int,
    viewer_establishments: list[int],
    viewer_department: str,
    viewer_id: int | None = None,
    filters: dict,
) -> list[Hit]:
    collate = _collate()
    driver = max(words, key=len)
    others = [w for w in words if w != driver]
    kinds_sql = ", ".join(["%s"] * len(kinds))
    bounded = not others and not filters
    limit_sql = " LIMIT %s" if bounded else ""
    params: list = [driver, driver, prefix_upper_bound(driver), *kinds]
    # every other word must start a word of the same entry: checked on the token row itself
    # (it carries the entry's words), inside the index-only scan
    narrow = "".join(" AND terms LIKE %s ESCAPE '\\'" for _ in others)
    params += [f"% {_like_escape(w)}%" for w in others]
    if bounded:
        params.append(cap)
    cand = (
        "SELECT entry_id, MIN(field) AS field, MAX(CASE WHEN token = %s THEN 1 ELSE 0 END) AS exact FROM ("  # noqa: S608
        f"SELECT entry_id, field, token FROM annuaire_searchtoken WHERE token{collate} >= %s AND token{collate} < %s"
        f" AND kind IN ({kinds_sql}){narrow} ORDER BY token{collate}{limit_sql}) s GROUP BY entry_id"
    )  # noqa: S608  (only fixed SQL fragments are interpolated; every value is a parameter)

    score = ["c.exact * 40", "CASE c.field WHEN 0 THEN 20 WHEN 1 THEN 12 ELSE 8 END"]
    score_params: list = []
    where = ["e.active = %s", "e.kind IN (" + ", ".join(["%s"] * len(kinds)) + ")"]
    where_params: list = [True, *kinds]
    for w in others:
        score.append("CASE WHEN e.terms LIKE %s ESCAPE '\\' THEN 10 ELSE 0 END")
        score_params.append(f"% {_like_escape(w)} %")
    score.append("CASE WHEN e.folded LIKE %s ESCAPE '\\' THEN 15 ELSE 0 END")
    score_params.append(_like_escape(" ".join(words)) + "%")
    if viewer_id is not None:
        # the viewer's places are read by the ranking query itself (one round trip, not two)
        score.append(f"CASE WHEN e.establishment_id IN ({VIEWER_ESTABLISHMENTS_SQL}) THEN 6 ELSE 0 END")
        score.append(f"CASE WHEN e.department = ({VIEWER_DEPARTMENT_SQL}) THEN 3 ELSE 0 END")
        score_params += [viewer_id, viewer_id]
    if viewer_establishments:
        score.append(
            "CASE WHEN e.establishment_id IN (" + ", ".join(["%s"] * len(viewer_establishments)) + ") THEN 6 ELSE 0 END"
        )
        score_params += viewer_establishments
    if viewer_department:
        score.append("CASE WHEN e.department = %s THEN 3 ELSE 0 END")
        score_params.append(viewer_department)
    for column in ("department", "establishment_kind", "function_id", "establishment_id"):
        if filters.get(column) not in (None, ""):
            where.append(f"e.{column} = %s")
            where_params.append(filters[column])

    ranked = (
        f"SELECT e.kind, e.object_id, e.folded, e.id, ({' + '.join(score)}) AS score "  # noqa: S608
        f"FROM ({cand}) c JOIN annuaire_searchentry e ON e.id = c.entry_id WHERE {' AND '.join(where)}"
    )  # noqa: S608
    all_params = score_params + params + where_params
    if per_kind:
        sql = (
            "SELECT kind, object_id, score FROM (SELECT r.*, ROW_NUMBER() OVER "  # noqa: S608
            "(PARTITION BY r.kind ORDER BY r.score DESC, r.folded, r.id) AS n FROM (" + ranked + ") r) x "
            "WHERE n <= %s ORDER BY score DESC, folded, id LIMIT %s"
        )  # noqa: S608
        all_params += [per_kind, limit]
    else:
        sql = "SELECT kind, object_id, score FROM (" + ranked + ") r ORDER BY score DESC, folded, id LIMIT %s"  # noqa: S608
        all_params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, all_params)
        return [Hit(kind, object_id, score) for kind, object_id, score in cursor.fetchall()]


# The viewer's establishments, and the department of the first of them that has one (principal
# assignment first): the same rule as ``annuaire.selectors.PrivacyContext``.
VIEWER_ESTABLISHMENTS_SQL = (
    "SELECT va.establishment_id FROM annuaire_assignment va WHERE va.user_id = %s AND va.establishment_id IS NOT NULL"
)
VIEWER_DEPARTMENT_SQL = (
    "SELECT ve.department FROM annuaire_assignment va JOIN annuaire_establishment ve ON ve.id = va.establishment_id"
    " WHERE va.user_id = %s AND ve.department <> '' ORDER BY va.principal DESC, va.id LIMIT 1"
)


def _browse(*, kinds: tuple[str, ...], limit: int, filters: dict) -> list[Hit]:
    qs = SearchEntry.objects.filter(active=True, kind__in=kinds)
    for column in ("department", "establishment_kind", "function_id", "establishment_id"):
        if filters.get(column) not in (None, ""):
            qs = qs.filter(**{column: filters[column]})
    return [Hit(k, o, 0) for k, o in qs.order_by("folded", "id").values_list("kind", "object_id")[:limit]]


def _corrections(word: str) -> list[str]:
    """Nearest vocabulary words by trigram similarity (PostgreSQL only), the commoner first among
    near-equals: "martni" is closer to "marty" than to "martin" by trigrams, but "martin" is the
    name people mean."""
    if connection.vendor != "postgresql" or len(word) < 3:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w.word, similarity(w.word, %s) AS sim, (SELECT count(*) FROM (SELECT 1 FROM annuaire_searchtoken t"
            ' WHERE t.token COLLATE "C" = w.word COLLATE "C" LIMIT 1000) c) AS freq'
            " FROM (SELECT word FROM annuaire_searchword WHERE word %% %s ORDER BY word <-> %s LIMIT 5) w",
            [word, word, word],
        )
        rows = cursor.fetchall()
    rows.sort(key=lambda r: (-(r[1] + 0.1 * math.log10(1 + r[2])), r[0]))
    return [r[0] for r in rows]


def _known_prefix(word: str) -> bool:
    collate = _collate()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM annuaire_searchtoken WHERE token{collate} >= %s AND token{collate} < %s LIMIT 1",  # noqa: S608
            [word, prefix_upper_bound(word)],
        )
        return cursor.fetchone() is not None


def search_entries(
    query: str,
    *,
    kinds: Iterable[str] = ALL_KINDS,
    limit: int = 10,
    per_kind: int | None = None,
    viewer: User | None = None,
    filters: dict | None = None,
    cap: int | None = None,
    viewer_context: tuple[list[int], str] | None = None,
) -> SearchResult:
    """Ranked hits for a typed query (see module docstring). ``viewer`` ranks their establishments
    and department first (read by the query itself); ``viewer_context`` (establishment ids,
    department) gives them explicitly instead."""
    kinds = tuple(k for k in kinds if k in ALL_KINDS) or ALL_KINDS
    cap = cap or settings.ANNUAIRE_SEARCH_CANDIDATES
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    words = query_tokens(query)
    if not words:
        if filters:
            return SearchResult(_browse(kinds=kinds, limit=limit, filters=filters))
        return SearchResult([])
    viewer_establishments, viewer_department, viewer_id = [], "", None
    if viewer_context is not None:
        viewer_establishments, viewer_department = viewer_context
    elif viewer is not None and viewer.is_authenticated:
        viewer_id = viewer.pk  # the viewer's places are read inside the ranking query
    options = {
        "kinds": kinds,
        "limit": limit,
        "per_kind": per_kind,
        "cap": cap,
        "viewer_establishments": viewer_establishments,
        "viewer_department": viewer_department,
        "viewer_id": viewer_id,
        "filters": filters,
    }
    hits = _run(words, **options)
    if hits or connection.vendor != "postgresql":
        return SearchResult(hits)
    corrected = []
    changed = False
    for w in words:
        if len(w) >= 3 and not _known_prefix(w):
            fixes = _corrections(w)
            if fixes:
                corrected.append(fixes[0])
                changed = True
                continue
        corrected.append(w)
    if not changed:
        return SearchResult([])
    hits = _run(corrected, **options)
    return SearchResult(hits, corrected_query=" ".join(corrected) if hits else "")
