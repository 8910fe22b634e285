"""Keeps the search index in step with single saves and deletions.

The one place the annuaire uses signals (house style prefers explicit calls): the index must
follow writes made by any app, the admin, fixtures and the shell. Bulk writes (imports, admin bulk
actions) bypass signals and call :func:`annuaire.search.reindex` in batches themselves.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from annuaire import search
from annuaire.models import Assignment, DirectoryGroup, Establishment, Service, User

INDEXED_USER_FIELDS = {"username", "first_name", "last_name", "is_active"}


@receiver(post_save, sender=User, dispatch_uid="annuaire_index_user")
def _user_saved(sender, instance: User, raw: bool = False, update_fields=None, **kwargs) -> None:  # noqa: ANN001
    if raw or (update_fields is not None and not set(update_fields) & INDEXED_USER_FIELDS):
        return  # e.g. last_login on every sign-in: nothing searchable changed
    search.reindex(search.PERSON, [instance.pk])


@receiver(post_delete, sender=User, dispatch_uid="annuaire_unindex_user")
def _user_deleted(sender, instance: User, **kwargs) -> None:  # noqa: ANN001
    search.remove_from_index(search.PERSON, [instance.pk])


@receiver(post_save, sender=Assignment, dispatch_uid="annuaire_index_assignment")
@receiver(post_delete, sender=Assignment, dispatch_uid="annuaire_unindex_assignment")
def _assignment_changed(sender, instance: Assignment, raw: bool = False, **kwargs) -> None:  # noqa: ANN001
    if not raw and User.objects.filter(pk=instance.user_id).exists():
        search.reindex(search.PERSON, [instance.user_id])


@receiver(post_save, sender=Establishment, dispatch_uid="annuaire_index_establishment")
def _establishment_saved(sender, instance: Establishment, raw: bool = False, **kwargs) -> None:  # noqa: ANN001
    if raw:
        return
    search.reindex(search.ESTABLISHMENT, [instance.pk])
    staff = Assignment.objects.filter(establishment=instance).values_list("user_id", flat=True).distinct()
    search.reindex(search.PERSON, list(staff))


@receiver(post_delete, sender=Establishment, dispatch_uid="annuaire_unindex_establishment")
def _establishment_deleted(sender, instance: Establishment, **kwargs) -> None:  # noqa: ANN001
    search.remove_from_index(search.ESTABLISHMENT, [instance.pk])


@receiver(post_save, sender=Service, dispatch_uid="annuaire_index_service")
def _service_saved(sender, instance: Service, raw: bool = False, **kwargs) -> None:  # noqa: ANN001
    if not raw:
        search.reindex(search.SERVICE, [instance.pk])


@receiver(post_delete, sender=Service, dispatch_uid="annuaire_unindex_service")
def _service_deleted(sender, instance: Service, **kwargs) -> None:  # noqa: ANN001
    search.remove_from_index(search.SERVICE, [instance.pk])


@receiver(post_save, sender=DirectoryGroup, dispatch_uid="annuaire_index_group")
def _group_saved(sender, instance: DirectoryGroup, raw: bool = False, **kwargs) -> None:  # noqa: ANN001
    if not raw:
        search.reindex(search.GROUP, [instance.pk])


@receiver(post_delete, sender=DirectoryGroup, dispatch_uid="annuaire_unindex_group")
def _group_deleted(sender, instance: DirectoryGroup, **kwargs) -> None:  # noqa: ANN001
    search.remove_from_index(search.GROUP, [instance.pk])
