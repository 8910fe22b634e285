"""Reads of the directory: privacy-aware person fields, groups, search results, trees."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils.functional import cached_property

from annuaire import search
from annuaire.models import (
    Assignment,
    DirectoryGroup,
    Establishment,
    GroupMembership,
    JoinRequest,
    Service,
    User,
    Visibility,
)

PRIVATE_FIELDS = (
    ("email", "email_visibility"),
    ("office_phone", "office_phone_visibility"),
    ("mobile_phone", "mobile_phone_visibility"),
)


def assignments_prefetch() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.select_related("establishment", "service", "function").order_by("-principal", "id"),
    )


def people_queryset() -> QuerySet[User]:
    return User.objects.prefetch_related(assignments_prefetch())


# ---------------------------------------------------------------------------
# Privacy
# ---------------------------------------------------------------------------
def is_directory_agent(user: User) -> bool:
    """Helpdesk agents and DSI: may see fields restricted to "agents/DSI"."""
    return bool(user.is_authenticated and user.is_active and user.has_perm("annuaire.view_private_fields"))


def _places(assignments: list[Assignment]) -> set[tuple[str, int]]:
    places = set()
    for a in assignments:
        if a.establishment_id:
            places.add(("e", a.establishment_id))
        if a.service_id:
            places.add(("s", a.service_id))
    return places


class PrivacyContext:
    """What one viewer may see; computed once for a page that shows many people. Nothing is read
    until a field restricted to a place or to agents is at stake (most fields are public)."""

    def __init__(self, viewer: User) -> None:
        self.viewer = viewer

    @cached_property
    def _rows(self) -> list[tuple[int | None, int | None, str | None]]:
        if not self.viewer.is_authenticated:
            return []
        return list(
            Assignment.objects.filter(user_id=self.viewer.pk)
            .order_by("-principal", "id")
            .values_list("establishment_id", "service_id", "establishment__department")
        )

    @cached_property
    def places(self) -> set[tuple[str, int]]:
        rows = self._rows
        return {("e", e) for e, _, _ in rows if e} | {("s", s) for _, s, _ in rows if s}

    @cached_property
    def establishment_ids(self) -> list[int]:  # search ranking (also computed by the search query)
        return [e for e, _, _ in self._rows if e]

    @cached_property
    def department(self) -> str:  # the department of the principal establishment
        return next((d for _, _, d in self._rows if d), "")

    @cached_property
    def agent(self) -> bool:  # permission lookup only when a restricted field is at stake
        return is_directory_agent(self.viewer)

    def may_see(self, visibility: str, person: User, person_places: set[tuple[str, int]] | None = None) -> bool:
        """``person_places`` (("e", establishment id) / ("s", service id)) may be given when the
        caller already has them; otherwise they come from ``person.assignments``."""
        if visibility == Visibility.EVERYONE or person.pk == self.viewer.pk:
            return True
        if visibility == Visibility.ESTABLISHMENT:
            if person_places is None:
                person_places = _places(list(person.assignments.all()))
            if self.places & person_places:
                return True
        return self.agent

    def fields(self, person: User, *, person_places: set[tuple[str, int]] | None = None) -> dict[str, str]:
        """The contact fields of ``person`` this viewer may see (only non-empty ones)."""
        visible = {}
        for name, visibility_field in PRIVATE_FIELDS:
            value = getattr(person, name)
            if value and self.may_see(getattr(person, visibility_field), person, person_places):
                visible[name] = value
        return visible


def visible_person_fields(*, viewer: User, person: User) -> dict[str, str]:
    """The single rule for "who sees which field of a person's card" (everyone / same place / agents)."""
    return PrivacyContext(viewer).fields(person)


# ---------------------------------------------------------------------------
# People, establishments, services
# ---------------------------------------------------------------------------
def get_person(*, viewer: User, username: str) -> User | None:
    person = people_queryset().filter(username=username).first()
    if person is None or (not person.is_active and not is_directory_agent(viewer)):
        return None
    return person


def person_groups(person: User) -> list[DirectoryGroup]:
    return list(DirectoryGroup.objects.filter(memberships__user=person, active=True).order_by("name"))


def establishment_staff_by_function(establishment: Establishment) -> list[tuple[str, list[User]]]:
    """Active staff of an establishment grouped by function (chefs first by function name order)."""
    rows = (
        Assignment.objects.filter(establishment=establishment, user__is_active=True)
        .select_related("user", "function")
        .order_by("function__name", "user__last_name", "user__first_name")
    )
    grouped: OrderedDict[str, list[User]] = OrderedDict()
    for a in rows:
        grouped.setdefault(a.function.name, []).append(a.user)
    return list(grouped.items())


def service_staff(service: Service) -> list[Assignment]:
    return list(
        Assignment.objects.filter(service=service, user__is_active=True)
        .select_related("user", "function")
        .order_by("user__last_name", "user__first_name")
    )


@dataclass
class ServiceNode:
    service: Service
    children: list[ServiceNode] = field(default_factory=list)


def services_tree() -> list[ServiceNode]:
    services = list(Service.objects.select_related("establishment").order_by("name"))
    nodes = {s.pk: ServiceNode(s) for s in services}
    roots = []
    for s in services:
        if s.parent_id and s.parent_id in nodes:
            nodes[s.parent_id].children.append(nodes[s.pk])
        else:
            roots.append(nodes[s.pk])
    return roots


# ---------------------------------------------------------------------------
# Groups
# ---------------------------------------------------------------------------
def can_manage_group(*, user: User, group: DirectoryGroup) -> bool:
    if not user.is_authenticated:
        return False
    return user.has_perm("annuaire.change_directorygroup") or group.owners.filter(pk=user.pk).exists()


def group_member_user_ids(group: DirectoryGroup) -> set[int]:
    """Active people in the group, nested groups included (cycle-safe)."""
    group_ids = {group.pk} | search_subgroups(group.pk)
    return set(
        GroupMembership.objects.filter(group_id__in=group_ids, user__is_active=True).values_list("user_id", flat=True)
    )


def search_subgroups(group_id: int) -> set[int]:
    from annuaire.models import subgroup_ids

    return subgroup_ids(group_id)


def expand_group_addresses(group: DirectoryGroup) -> list[str]:
    """Every address a message to ``group`` goes to: people (active, with an e-mail), nested
    groups' members and external addresses; de-duplicated, sorted. For mail compose/sending."""
    group_ids = {group.pk} | search_subgroups(group.pk)
    active_ids = set(DirectoryGroup.objects.filter(pk__in=group_ids, active=True).values_list("pk", flat=True))
    if group.pk not in active_ids:
        return []
    addresses: set[str] = set()
    rows = GroupMembership.objects.filter(group_id__in=active_ids).values_list(
        "user__email", "user__is_active", "external_email"
    )
    for email, is_active, external in rows:
        if email and is_active:
            addresses.add(email.lower())
        if external:
            addresses.add(external.lower())
    return sorted(addresses)


def group_by_address(address: str) -> DirectoryGroup | None:
    """The active group behind a distribution address (mail compose: expand before sending)."""
    return DirectoryGroup.objects.filter(address=(address or "").strip().lower(), active=True).first()


def can_post_to_group(*, user: User, group: DirectoryGroup) -> bool:
    if not user.is_authenticated or not user.is_active or not group.active:
        return False
    if group.owners.filter(pk=user.pk).exists():
        return True
    if group.post_policy == DirectoryGroup.PostPolicy.ACADEMY:
        return True
    if group.post_policy == DirectoryGroup.PostPolicy.MEMBERS:
        return user.pk in group_member_user_ids(group)
    return False


@dataclass
class GroupPage:
    group: DirectoryGroup
    people: list[User]
    subgroups: list[DirectoryGroup]
    externals: list[GroupMembership]
    owners: list[User]
    can_manage: bool
    is_member: bool
    pending_request: JoinRequest | None
    pending_requests: list[JoinRequest]
    can_post: bool


def group_page(*, viewer: User, group: DirectoryGroup) -> GroupPage:
    memberships = list(group.memberships.select_related("user", "subgroup").order_by("id"))
    manage = can_manage_group(user=viewer, group=group)
    people = sorted(
        (m.user for m in memberships if m.user_id and m.user.is_active), key=lambda u: (u.last_name, u.first_name)
    )
    return GroupPage(
        group=group,
        people=people,
        subgroups=[m.subgroup for m in memberships if m.subgroup_id],
        # external addresses (parents, partners) are shown only to those who run the group
        externals=[m for m in memberships if m.external_email] if manage else [],
        owners=list(group.owners.order_by("last_name", "first_name")),
        can_manage=manage,
        is_member=any(m.user_id == viewer.pk for m in memberships),
        pending_request=group.join_requests.filter(user=viewer, status=JoinRequest.Status.PENDING).first(),
        pending_requests=list(
            group.join_requests.filter(status=JoinRequest.Status.PENDING).select_related("user").order_by("created_at")
        )
        if manage
        else [],
        can_post=can_post_to_group(user=viewer, group=group),
    )


def groups_list() -> QuerySet[DirectoryGroup]:
    return DirectoryGroup.objects.filter(active=True).order_by("name")


# ---------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------
def _hydrate(hits: list[search.Hit]) -> list[tuple[str, object]]:
    objects = _hydrate_keyed(hits)
    return [(h.kind, objects[(h.kind, h.object_id)]) for h in hits if (h.kind, h.object_id) in objects]


def _hydrate_keyed(hits: list[search.Hit]) -> dict[tuple[str, int], object]:
    if not hits:
        return {}
    by_kind: dict[str, list[int]] = {}
    for h in hits:
        by_kind.setdefault(h.kind, []).append(h.object_id)
    objects: dict[tuple[str, int], object] = {}
    if search.PERSON in by_kind:
        for u in people_queryset().filter(pk__in=by_kind[search.PERSON]):
            objects[(search.PERSON, u.pk)] = u
    if search.ESTABLISHMENT in by_kind:
        for e in Establishment.objects.filter(pk__in=by_kind[search.ESTABLISHMENT]):
            objects[(search.ESTABLISHMENT, e.pk)] = e
    if search.SERVICE in by_kind:
        for s in Service.objects.filter(pk__in=by_kind[search.SERVICE]).select_related("establishment"):
            objects[(search.SERVICE, s.pk)] = s
    if search.GROUP in by_kind:
        for g in DirectoryGroup.objects.filter(pk__in=by_kind[search.GROUP]):
            objects[(search.GROUP, g.pk)] = g
    return objects


def _detail_text(function: str, establishment: str, commune: str, service: str) -> str:
    if establishment:
        where = f"{establishment} ({commune})" if commune else establishment
    else:
        where = service
    return f"{function} — {where}" if where else function


def person_detail(person: User) -> str:
    """ "Fonction — Établissement (commune)" from the principal assignment, to tell namesakes apart
    (``assignments`` prefetched)."""
    return card_from_user(person).detail


@dataclass
class PersonCard:
    """What a suggestion shows of a person: the person (contact fields and their visibility only),
    the places of all their assignments (for the privacy rule) and their principal assignment."""

    person: User
    places: set[tuple[str, int]]
    assigned: bool = False  # has an assignment (the fields below are its principal one)
    function: str = ""
    establishment: str = ""
    commune: str = ""
    service: str = ""

    @property
    def detail(self) -> str:
        """ "Fonction — Établissement (commune)" from the principal assignment, to tell namesakes apart."""
        return _detail_text(self.function, self.establishment, self.commune, self.service) if self.assigned else ""


def card_from_user(person: User) -> PersonCard:
    """The card of a person whose ``assignments`` are prefetched (no query)."""
    assignments = list(person.assignments.all())
    a = search.principal_assignment(person)
    if a is None:
        return PersonCard(person=person, places=_places(assignments))
    return PersonCard(
        person=person,
        places=_places(assignments),
        assigned=True,
        function=a.function.name,
        establishment=a.establishment.name if a.establishment else "",
        commune=a.establishment.commune if a.establishment else "",
        service=a.service.name if a.service else "",
    )


_CARD_FIELDS = {"id", "username", "first_name", "last_name"} | {n for pair in PRIVATE_FIELDS for n in pair}
# in the model's field order, as ``Model.from_db`` expects
CARD_USER_FIELDS = tuple(f.attname for f in User._meta.concrete_fields if f.attname in _CARD_FIELDS)


def person_cards(ids: list[int]) -> dict[int, PersonCard]:
    """People for suggestions in one query (autocomplete is typed letter by letter: no ORM
    prefetch machinery). Only the fields above are loaded; any other field of ``card.person`` is
    deferred (read from the database if ever touched)."""
    if not ids:
        return {}
    columns = ", ".join(f"u.{name}" for name in CARD_USER_FIELDS)
    sql = (
        f"SELECT {columns}, a.establishment_id, a.service_id, f.name, e.name, e.commune, s.name"  # noqa: S608
        " FROM annuaire_user u LEFT JOIN annuaire_assignment a ON a.user_id = u.id"
        " LEFT JOIN annuaire_function f ON f.id = a.function_id"
        " LEFT JOIN annuaire_establishment e ON e.id = a.establishment_id"
        " LEFT JOIN annuaire_service s ON s.id = a.service_id"
        f" WHERE u.id IN ({', '.join(['%s'] * len(ids))}) ORDER BY u.id, a.principal DESC, a.id"
    )  # noqa: S608  (fixed SQL; the ids are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, list(ids))
        rows = cursor.fetchall()
    cards: dict[int, PersonCard] = {}
    n = len(CARD_USER_FIELDS)
    pk_index = CARD_USER_FIELDS.index("id")
    for row in rows:
        user_values = row[:n]
        establishment_id, service_id, function, establishment, commune, service = row[n:]
        pk = user_values[pk_index]
        card = cards.get(pk)
        if card is None:  # first row of a person: the principal assignment (or the oldest one)
            card = cards[pk] = PersonCard(
                person=User.from_db(connection.alias, CARD_USER_FIELDS, user_values),
                places=set(),
                assigned=function is not None,
                function=function or "",
                establishment=establishment or "",
                commune=(commune or "") if establishment else "",
                service=service or "",
            )
        if establishment_id:
            card.places.add(("e", establishment_id))
        if service_id:
            card.places.add(("s", service_id))
    return cards


def autocomplete(
    *, viewer: User, query: str, kinds: tuple[str, ...] = (search.PERSON, search.GROUP), limit: int = 10
) -> list[dict]:
    """JSON-ready suggestions for compose and agenda: people and groups with what tells them apart."""
    privacy = PrivacyContext(viewer)
    result = search.search_entries(query, kinds=kinds, limit=limit, viewer=viewer)
    cards = person_cards([h.object_id for h in result.hits if h.kind == search.PERSON])
    others = dict(_hydrate_keyed([h for h in result.hits if h.kind != search.PERSON]))
    suggestions = []
    for hit in result.hits:
        if hit.kind == search.PERSON:
            card = cards.get(hit.object_id)
            if card is None:
                continue
            obj = card.person
            suggestions.append(
                {
                    "type": "person",
                    "id": obj.username,
                    "label": obj.display_name,
                    "email": privacy.fields(obj, person_places=card.places).get("email", ""),
                    "function": card.function,
                    "establishment": card.establishment or card.service,
                    "commune": card.commune,
                    "detail": card.detail,
                    "url": f"/annuaire/personne/{obj.username}/",
                }
            )
            continue
        kind, obj = hit.kind, others.get((hit.kind, hit.object_id))
        if obj is None:
            continue
        if kind == search.GROUP:
            suggestions.append(
                {
                    "type": "group",
                    "id": obj.pk,
                    "label": obj.name,
                    "email": obj.address,
                    "detail": obj.get_kind_display(),
                    "url": f"/annuaire/groupe/{obj.pk}/",
                }
            )
        elif kind == search.ESTABLISHMENT:
            suggestions.append(
                {
                    "type": "establishment",
                    "id": obj.uai,
                    "label": obj.name,
                    "email": obj.email,
                    "detail": f"{obj.get_kind_display()} — {obj.commune} ({obj.uai})",
                    "url": f"/annuaire/etablissement/{obj.uai}/",
                }
            )
        else:
            suggestions.append(
                {
                    "type": "service",
                    "id": obj.code,
                    "label": obj.name,
                    "email": "",
                    "detail": str(obj.establishment or ""),
                    "url": f"/annuaire/service/{obj.code}/",
                }
            )
    return suggestions


@dataclass
class DirectorySearch:
    query: str
    corrected_query: str
    people: list[User]
    establishments: list[Establishment]
    services: list[Service]
    groups: list[DirectoryGroup]
    cards: list[PersonCard] = field(default_factory=list)  # ``people`` with their principal assignment

    @property
    def total(self) -> int:
        return len(self.people) + len(self.establishments) + len(self.services) + len(self.groups)


def directory_search(
    *,
    viewer: User,
    query: str,
    kinds: tuple[str, ...] = search.ALL_KINDS,
    filters: dict | None = None,
    per_kind: int = 25,
    lean: bool = False,
) -> DirectorySearch:
    """The full search page: people, establishments, services and groups, ``per_kind`` of each.

    ``lean``: people are read as :class:`PersonCard` (one query, as suggestions), enough for a
    result list; ``people`` then hold only the card's fields (others deferred). Without it they
    are full records with their assignments (vCard export)."""
    result = search.search_entries(
        query,
        kinds=kinds,
        limit=per_kind * 4,
        per_kind=per_kind,
        viewer=viewer,
        filters=filters,
        cap=1500,
    )
    buckets: dict[str, list] = {k: [] for k in search.ALL_KINDS}
    if lean:
        by_id = person_cards([h.object_id for h in result.hits if h.kind == search.PERSON])
        cards = [by_id[h.object_id] for h in result.hits if h.kind == search.PERSON and h.object_id in by_id]
        for kind, obj in _hydrate([h for h in result.hits if h.kind != search.PERSON]):
            buckets[kind].append(obj)
    else:
        for kind, obj in _hydrate(result.hits):
            buckets[kind].append(obj)
        cards = [card_from_user(p) for p in buckets[search.PERSON]]
    return DirectorySearch(
        query=query,
        corrected_query=result.corrected_query,
        people=[c.person for c in cards],
        establishments=buckets[search.ESTABLISHMENT],
        services=buckets[search.SERVICE],
        groups=buckets[search.GROUP],
        cards=cards,
    )


def people_for_vcard(*, usernames: list[str]) -> list[User]:
    return list(people_queryset().filter(username__in=usernames, is_active=True))


FILTER_CHOICES_CACHE_KEY = "annuaire:filter-choices"
FILTER_CHOICES_CACHE_SECONDS = 300  # a new function or department shows in the filters within minutes


def establishments_filter_choices() -> dict:
    """Choices of the search filters (shown on every search page: kept in the cache a few minutes)."""
    from annuaire.models import Function

    cached = cache.get(FILTER_CHOICES_CACHE_KEY)
    if cached is None:
        departments = list(
            Establishment.objects.filter(active=True)
            .order_by("department")
            .values_list("department", flat=True)
            .distinct()
        )
        functions = [
            {"pk": pk, "name": name} for pk, name in Function.objects.order_by("name").values_list("pk", "name")
        ]
        cached = {"departments": departments, "functions": functions}
        cache.set(FILTER_CHOICES_CACHE_KEY, cached, FILTER_CHOICES_CACHE_SECONDS)
    return {**cached, "kinds": Establishment.Kind.choices}
