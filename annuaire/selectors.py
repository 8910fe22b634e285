"""Reads of the directory: privacy-aware person fields, groups, search results, trees."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

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
    """What one viewer may see; computed once for a page that shows many people."""

    def __init__(self, viewer: User) -> None:
        self.viewer = viewer
        rows = []
        if viewer.is_authenticated:
            rows = list(
                Assignment.objects.filter(user_id=viewer.pk)
                .order_by("-principal", "id")
                .values_list("establishment_id", "service_id", "establishment__department")
            )
        self.places = {("e", e) for e, _, _ in rows if e} | {("s", s) for _, s, _ in rows if s}
        # for search ranking: the viewer's establishments, and the department of the principal one
        self.establishment_ids = [e for e, _, _ in rows if e]
        self.department = next((d for _, _, d in rows if d), "")

    @cached_property
    def agent(self) -> bool:  # permission lookup only when a restricted field is at stake
        return is_directory_agent(self.viewer)

    def may_see(self, visibility: str, person: User) -> bool:
        if visibility == Visibility.EVERYONE or person.pk == self.viewer.pk or self.agent:
            return True
        if visibility == Visibility.ESTABLISHMENT:
            return bool(self.places & _places(list(person.assignments.all())))
        return False

    def fields(self, person: User) -> dict[str, str]:
        """The contact fields of ``person`` this viewer may see (only non-empty ones)."""
        visible = {}
        for name, visibility_field in PRIVATE_FIELDS:
            value = getattr(person, name)
            if value and self.may_see(getattr(person, visibility_field), person):
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
    return [(h.kind, objects[(h.kind, h.object_id)]) for h in hits if (h.kind, h.object_id) in objects]


def person_detail(person: User) -> str:
    """ "Fonction — Établissement (commune)" from the principal assignment, to tell namesakes apart."""
    a = search.principal_assignment(person)
    if a is None:
        return ""
    place = a.establishment or a.service
    where = ""
    if a.establishment:
        where = (
            f"{a.establishment.name} ({a.establishment.commune})" if a.establishment.commune else a.establishment.name
        )
    elif place:
        where = str(place)
    return f"{a.function.name} — {where}" if where else a.function.name


def autocomplete(
    *, viewer: User, query: str, kinds: tuple[str, ...] = (search.PERSON, search.GROUP), limit: int = 10
) -> list[dict]:
    """JSON-ready suggestions for compose and agenda: people and groups with what tells them apart."""
    privacy = PrivacyContext(viewer)
    result = search.search_entries(
        query, kinds=kinds, limit=limit, viewer_context=(privacy.establishment_ids, privacy.department)
    )
    suggestions = []
    for kind, obj in _hydrate(result.hits):
        if kind == search.PERSON:
            a = search.principal_assignment(obj)
            suggestions.append(
                {
                    "type": "person",
                    "id": obj.username,
                    "label": obj.display_name,
                    "email": privacy.fields(obj).get("email", ""),
                    "function": a.function.name if a else "",
                    "establishment": (a.establishment.name if a.establishment else str(a.service)) if a else "",
                    "commune": a.establishment.commune if a and a.establishment else "",
                    "detail": person_detail(obj),
                    "url": f"/annuaire/personne/{obj.username}/",
                }
            )
        elif kind == search.GROUP:
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
) -> DirectorySearch:
    """The full search page: people, establishments, services and groups, ``per_kind`` of each."""
    privacy = PrivacyContext(viewer)
    result = search.search_entries(
        query,
        kinds=kinds,
        limit=per_kind * 4,
        per_kind=per_kind,
        viewer_context=(privacy.establishment_ids, privacy.department),
        filters=filters,
        cap=1500,
    )
    buckets: dict[str, list] = {k: [] for k in search.ALL_KINDS}
    for kind, obj in _hydrate(result.hits):
        buckets[kind].append(obj)
    return DirectorySearch(
        query=query,
        corrected_query=result.corrected_query,
        people=buckets[search.PERSON],
        establishments=buckets[search.ESTABLISHMENT],
        services=buckets[search.SERVICE],
        groups=buckets[search.GROUP],
    )


def people_for_vcard(*, usernames: list[str]) -> list[User]:
    return list(people_queryset().filter(username__in=usernames, is_active=True))


def establishments_filter_choices() -> dict:
    from annuaire.models import Function

    departments = list(
        Establishment.objects.filter(active=True).order_by("department").values_list("department", flat=True).distinct()
    )
    return {
        "departments": departments,
        "functions": list(Function.objects.order_by("name")),
        "kinds": Establishment.Kind.choices,
    }
