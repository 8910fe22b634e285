"""State changes on the mailbox: flags, move/copy, delete to Trash, folders."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from mail.imap import FolderNotFound, Mailbox, OperationRefused

FLAG_ACTIONS = {
    "read": ("add", "\\Seen"),
    "unread": ("remove", "\\Seen"),
    "flag": ("add", "\\Flagged"),
    "unflag": ("remove", "\\Flagged"),
}


class MailActionError(Exception):
    """A user action that cannot be done; the message is shown to the user (French)."""


def _trash(box: Mailbox) -> str | None:
    folder = box.special_folder("\\Trash")
    return folder.name if folder else None


def set_flags(*, box: Mailbox, folder: str, uids: Sequence[int], action: str) -> None:
    how, flag = FLAG_ACTIONS[action]
    box.select(folder)
    if how == "add":
        box.add_flags(uids, [flag])
    else:
        box.remove_flags(uids, [flag])


def mark_read(*, box: Mailbox, folder: str, uid: int) -> None:
    box.select(folder)
    box.add_flags([uid], ["\\Seen"])


def move_messages(*, box: Mailbox, folder: str, uids: Sequence[int], target: str) -> None:
    if target == folder:
        return
    _require_folder(box, target)
    box.select(folder)
    box.move(uids, target)


def copy_messages(*, box: Mailbox, folder: str, uids: Sequence[int], target: str) -> None:
    _require_folder(box, target)
    box.select(folder)
    box.copy(uids, target)


def delete_messages(*, box: Mailbox, folder: str, uids: Sequence[int]) -> str:
    """Move to Trash; from Trash (or Junk emptied explicitly) delete for good. Returns "trash"/"expunged"."""
    trash = _trash(box)
    box.select(folder)
    if trash and folder != trash:
        box.move(uids, trash)
        return "trash"
    box.expunge(uids)
    return "expunged"


def restore_messages(*, box: Mailbox, uids: Sequence[int]) -> None:
    """From Trash back to INBOX."""
    trash = _trash(box)
    if not trash:
        raise MailActionError(_("Aucune corbeille sur ce compte."))
    box.select(trash)
    box.move(uids, "INBOX")


def empty_folder(*, box: Mailbox, folder: str) -> None:
    """Empty Trash or Junk (only those)."""
    target = box.folder(folder)
    if target.special_use not in {"\\Trash", "\\Junk"}:
        raise MailActionError(_("Seuls la corbeille et le dossier des indésirables peuvent être vidés."))
    box.select(folder)
    box.expunge_all()


def _require_folder(box: Mailbox, name: str) -> None:
    try:
        box.folder(name)
    except FolderNotFound:
        raise MailActionError(_("Le dossier de destination n'existe pas."))


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > 100 or any(c in name for c in '/%*\\"') or name.startswith("."):
        raise MailActionError(
            _('Nom de dossier invalide (pas de / % * \\ " ni de point au début, 100 caractères au plus).')
        )
    return name


def create_folder(*, box: Mailbox, name: str, parent: str = "") -> str:
    leaf = _clean_name(name)
    if parent:
        parent_folder = box.folder(parent)
        full = f"{parent}{parent_folder.delimiter}{leaf}"
    else:
        full = leaf
    if any(f.name.casefold() == full.casefold() for f in box.folders()) or full.upper() == "INBOX":
        raise MailActionError(_("Un dossier de ce nom existe déjà."))
    try:
        box.create_folder(full)
    except OperationRefused:
        raise MailActionError(_("Le serveur a refusé de créer ce dossier."))
    return full


def rename_folder(*, box: Mailbox, folder: str, new_name: str) -> str:
    current = box.folder(folder)
    if current.special_use:
        raise MailActionError(_("Les dossiers système ne peuvent pas être renommés."))
    leaf = _clean_name(new_name)
    parent = folder.rsplit(current.delimiter, 1)[0] if current.delimiter in folder else ""
    full = f"{parent}{current.delimiter}{leaf}" if parent else leaf
    if full == folder:
        return folder
    if any(f.name.casefold() == full.casefold() for f in box.folders()):
        raise MailActionError(_("Un dossier de ce nom existe déjà."))
    try:
        box.rename_folder(folder, full)
    except OperationRefused:
        raise MailActionError(_("Le serveur a refusé de renommer ce dossier."))
    return full


def delete_folder(*, box: Mailbox, folder: str) -> None:
    current = box.folder(folder)
    if current.special_use:
        raise MailActionError(_("Les dossiers système ne peuvent pas être supprimés."))
    prefix = folder + current.delimiter
    if any(f.name.startswith(prefix) for f in box.folders()):
        raise MailActionError(_("Supprimez d'abord les sous-dossiers."))
    state = box.select(folder)
    if state.exists:
        raise MailActionError(_("Le dossier n'est pas vide : déplacez ou supprimez d'abord ses messages."))
    try:
        box.delete_folder(folder)
    except OperationRefused:
        raise MailActionError(_("Le serveur a refusé de supprimer ce dossier."))
