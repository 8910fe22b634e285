"""Template helpers of the webmail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

from django import template
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from mail.imap import MessageSummary

register = template.Library()


def _row_labels() -> dict[str, str]:
    """The translated strings of a row, looked up once per list rather than once per row."""
    return {
        "no_subject": _("(sans objet)"),
        "unread": _("Non lu"),
        "flagged": _("Suivi"),
        "attachment": _("Pièce jointe"),
        "answered": _("Répondu"),
        "select": _("Sélectionner"),
        "unknown_sender": _("(expéditeur inconnu)"),
    }


_ICONS = (
    ("seen", False, "fr-icon-mail-fill fr-icon--sm", "unread"),
    ("flagged", True, "fr-icon-flag-fill fr-icon--sm mail-flag-icon", "flagged"),
    ("has_attachments", True, "fr-icon-attachment-line fr-icon--sm", "attachment"),
    ("answered", True, "fr-icon-reply-line fr-icon--sm", "answered"),
)


@dataclass
class Row:
    """One line of a message list, with its display strings computed once in Python."""

    message: MessageSummary
    url: str
    folder: str = ""
    folder_label: str = ""
    selectable: bool = True
    sent_view: bool = False
    labels: dict[str, str] | None = None

    @cached_property
    def date(self) -> dt.datetime | None:
        value = self.message.date or self.message.internal_date
        return timezone.localtime(value) if value is not None and timezone.is_aware(value) else value

    @property
    def iso_date(self) -> str:
        return self.date.isoformat() if self.date else ""

    @property
    def short_date(self) -> str:
        return self.date.strftime("%d/%m/%Y %H:%M") if self.date else ""

    @property
    def size(self) -> str:
        return filesizeformat(self.message.size)

    @property
    def people(self) -> str:
        people = self.message.to[:3] if self.sent_view else self.message.from_[:1]
        return ", ".join(a.name or a.address for a in people)

    @property
    def address(self) -> str:
        return self.message.from_[0].address if self.message.from_ else ""

    def html(self, show_folder: bool = False) -> SafeString:
        """The <tr> of this message, every value escaped: the list's hot path, about ten times
        cheaper than the equivalent template loop for 50 rows (labels translated once per list)."""
        e = conditional_escape
        labels = self.labels or _row_labels()
        m = self.message
        subject = e(m.subject or labels["no_subject"])
        classes = "mail-row" + ("" if m.seen else " mail-unread") + (" mail-flagged" if m.flagged else "")
        icons = "".join(
            f'<span class="{css}" title="{e(labels[key])}" aria-label="{e(labels[key])}"></span>'
            for attr, wanted, css, key in _ICONS
            if bool(getattr(m, attr)) == wanted
        )
        check = (
            f'<input type="checkbox" name="uid" value="{m.uid}" aria-label="{e(labels["select"])} {subject}">'
            if self.selectable
            else ""
        )
        folder = f'<span class="fr-badge fr-badge--sm">{e(self.folder_label)}</span> ' if show_folder else ""
        if self.sent_view:
            people = e(self.people or "—")
        else:
            people = f'<span title="{e(self.address)}">{e(self.people or labels["unknown_sender"])}</span>'
        date = f'<time datetime="{e(self.iso_date)}">{e(self.short_date)}</time>' if self.date else ""
        url = e(self.url)
        return SafeString(
            f'<tr class="{classes}" data-uid="{m.uid}" data-href="{url}" draggable="true" tabindex="-1">'
            f'<td class="mail-col-check">{check}</td><td class="mail-col-icons">{icons}</td>'
            f'<td class="mail-col-from">{folder}{people}</td>'
            f'<td class="mail-col-subject"><a href="{url}" class="mail-open">{subject}</a></td>'
            f'<td class="mail-col-date">{date}</td><td class="mail-col-size">{e(self.size)}</td></tr>'
        )


def _url(folder: str, uid: int, uidvalidity: int) -> str:
    return f"/messagerie/lire/{uid}/?" + urlencode({"f": folder, "v": uidvalidity})


@register.simple_tag
def message_rows(messages, folder, uidvalidity, folder_obj=None):  # noqa: ANN001, ANN201
    sent = bool(folder_obj and folder_obj.special_use in {"\\Sent", "\\Drafts"})
    labels = _row_labels()
    return [Row(m, _url(folder, m.uid, uidvalidity), sent_view=sent, labels=labels) for m in messages]


@register.simple_tag
def search_rows(hits):  # noqa: ANN001, ANN201
    labels = _row_labels()
    return [
        Row(h.message, _url(h.folder, h.message.uid, h.uidvalidity), h.folder, h.folder_label, False, labels=labels)
        for h in hits
    ]


@register.simple_tag
def row_html(row, show_folder=False):  # noqa: ANN001, ANN201
    return row.html(bool(show_folder))


@register.filter
def is_trash(special_use: str) -> bool:
    return special_use == "\\Trash"


@register.filter
def is_junk(special_use: str) -> bool:
    return special_use == "\\Junk"


@register.filter
def is_sent(special_use: str) -> bool:
    return special_use in {"\\Sent", "\\Drafts"}
