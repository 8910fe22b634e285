"""State changes of the directory (groups, join requests, bulk actions, privacy, history)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annuaire import search
from annuaire.models import (
    Assignment,
    ChangeRecord,
    DirectoryGroup,
    Establishment,
    Function,
    GroupMembership,
    JoinRequest,
    User,
    Visibility,
    check_no_cycle,
)
from annuaire.selectors import can_manage_group


def record_change(
    *, actor: User | None, source: str, obj: object, action: str, changes: dict | None = None
) -> ChangeRecord:
    return ChangeRecord.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        source=source,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        action=action,
        changes=changes or {},
    )


# ---------------------------------------------------------------------------
# Groups
# ---------------------------------------------------------------------------
def add_person_to_group(*, group: DirectoryGroup, person: User, actor: User | None) -> GroupMembership:
    membership, created = GroupMembership.objects.get_or_create(group=group, user=person)
    if created:
        record_change(actor=actor, source="service", obj=group, action="add_member", changes={"user": person.username})
    return membership


def add_subgroup(*, group: DirectoryGroup, subgroup: DirectoryGroup, actor: User | None) -> GroupMembership:
    """Nest ``subgroup`` in ``group``; refused with a ValidationError when it would form a cycle."""
    with transaction.atomic():
        # serialise nesting changes so that two concurrent additions cannot close a loop together
        list(DirectoryGroup.objects.select_for_update().filter(pk__in=[group.pk, subgroup.pk]).order_by("pk"))
        check_no_cycle(parent=group, child=subgroup)
        membership, created = GroupMembership.objects.get_or_create(group=group, subgroup=subgroup)
        if created:
            record_change(
                actor=actor, source="service", obj=group, action="add_subgroup", changes={"group": subgroup.address}
            )
    return membership


def add_external_address(*, group: DirectoryGroup, email: str, name: str = "", actor: User | None) -> GroupMembership:
    from django.core.validators import validate_email

    email = (email or "").strip().lower()
    validate_email(email)
    membership, created = GroupMembership.objects.get_or_create(
        group=group, external_email=email, defaults={"external_name": name[:255]}
    )
    if created:
        record_change(actor=actor, source="service", obj=group, action="add_external", changes={"email": email})
    return membership


def remove_membership(*, membership: GroupMembership, actor: User) -> None:
    group = membership.group
    if not can_manage_group(user=actor, group=group):
        raise PermissionDenied
    record_change(actor=actor, source="service", obj=group, action="remove_member", changes={"member": str(membership)})
    membership.delete()


def request_to_join(*, group: DirectoryGroup, user: User, message: str = "") -> JoinRequest:
    if group.kind != DirectoryGroup.Kind.DISCUSSION or not group.active:
        raise ValidationError(_("On ne peut demander à rejoindre qu'un groupe de discussion actif."))
    if GroupMembership.objects.filter(group=group, user=user).exists():
        raise ValidationError(_("Vous êtes déjà membre de ce groupe."))
    existing = JoinRequest.objects.filter(group=group, user=user, status=JoinRequest.Status.PENDING).first()
    if existing:
        return existing
    return JoinRequest.objects.create(group=group, user=user, message=(message or "")[:2000])


def decide_join_request(*, join_request: JoinRequest, actor: User, approve: bool) -> JoinRequest:
    """An owner (or DSI) approves or refuses a pending request; approval adds the member."""
    group = join_request.group
    if not can_manage_group(user=actor, group=group):
        raise PermissionDenied
    with transaction.atomic():
        jr = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
        if jr.status != JoinRequest.Status.PENDING:
            raise ValidationError(_("Cette demande a déjà été traitée."))
        jr.status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.REFUSED
        jr.decided_by = actor
        jr.decided_at = timezone.now()
        jr.save(update_fields=["status", "decided_by", "decided_at"])
        if approve:
            add_person_to_group(group=group, person=jr.user, actor=actor)
    return jr


# ---------------------------------------------------------------------------
# Bulk actions (admin)
# ---------------------------------------------------------------------------
def deactivate_people(*, people: Iterable[User], actor: User | None, source: str = "admin") -> int:
    """Deactivate accounts (never delete): they disappear from search and cannot sign in."""
    ids = [u.pk for u in people if u.is_active]
    with transaction.atomic():
        User.objects.filter(pk__in=ids).update(is_active=False)
        for u in User.objects.filter(pk__in=ids):
            record_change(actor=actor, source=source, obj=u, action="deactivate", changes={"is_active": [True, False]})
        search.reindex(search.PERSON, ids)
    return len(ids)


def move_people_to_establishment(
    *, people: Iterable[User], establishment: Establishment, actor: User | None, function: Function | None = None
) -> int:
    """Make ``establishment`` the principal place of each person (keeping the principal function)."""
    moved = 0
    with transaction.atomic():
        for person in people:
            principal = Assignment.objects.filter(user=person, principal=True).select_related("establishment").first()
            old = principal.establishment.uai if principal and principal.establishment else ""
            if principal is None:
                fn = function or Function.objects.order_by("pk").first()
                if fn is None:
                    raise ValidationError(_("Aucune fonction n'est définie."))
                Assignment.objects.create(user=person, function=fn, establishment=establishment, principal=True)
            else:
                principal.establishment = establishment
                principal.service = None
                if function is not None:
                    principal.function = function
                principal.save()
            record_change(
                actor=actor,
                source="admin",
                obj=person,
                action="move",
                changes={"establishment": [old, establishment.uai]},
            )
            moved += 1
        search.reindex(search.PERSON, [p.pk for p in people])
    return moved


def add_people_to_group(*, people: Iterable[User], group: DirectoryGroup, actor: User | None) -> int:
    added = 0
    for person in people:
        _, created = GroupMembership.objects.get_or_create(group=group, user=person)
        added += int(created)
    if added:
        record_change(actor=actor, source="admin", obj=group, action="add_members", changes={"count": added})
    return added


def update_privacy(*, person: User, actor: User, email: str, office_phone: str, mobile_phone: str) -> User:
    """A person sets who sees their contact fields."""
    if actor.pk != person.pk and not actor.has_perm("annuaire.change_user"):
        raise PermissionDenied
    values = {
        "email_visibility": email,
        "office_phone_visibility": office_phone,
        "mobile_phone_visibility": mobile_phone,
    }
    allowed = set(Visibility.values)
    if not set(values.values()) <= allowed:
        raise ValidationError(_("Choix de visibilité inconnu."))
    changes = {k: [getattr(person, k), v] for k, v in values.items() if getattr(person, k) != v}
    if changes:
        for k, v in values.items():
            setattr(person, k, v)
        person.save(update_fields=list(values))
        record_change(actor=actor, source="service", obj=person, action="privacy", changes=changes)
    return person
