"""Template helpers of the webmail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django import template
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from mail.imap import MessageSummary

register = template.Library()


@dataclass
class Row:
    """One line of a message list, with its display strings computed once in Python."""

    message: MessageSummary
    url: str
    folder: str = ""
    folder_label: str = ""
    selectable: bool = True
    sent_view: bool = False

    @property
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
        """The <tr> of this message, built with format_html (escaped): the list's hot path,
        about ten times cheaper than the equivalent template loop for 50 rows."""
        m = self.message
        subject = m.subject or _("(sans objet)")
        classes = "mail-row" + ("" if m.seen else " mail-unread") + (" mail-flagged" if m.flagged else "")
        icons = []
        for present, css, label in (
            (not m.seen, "fr-icon-mail-fill fr-icon--sm", _("Non lu")),
            (m.flagged, "fr-icon-flag-fill fr-icon--sm mail-flag-icon", _("Suivi")),
            (m.has_attachments, "fr-icon-attachment-line fr-icon--sm", _("Pièce jointe")),
            (m.answered, "fr-icon-reply-line fr-icon--sm", _("Répondu")),
        ):
            if present:
                icons.append(format_html('<span class="{}" title="{}" aria-label="{}"></span>', css, label, label))
        check = (
            format_html(
                '<input type="checkbox" name="uid" value="{}" aria-label="{} {}">', m.uid, _("Sélectionner"), subject
            )
            if self.selectable
            else ""
        )
        folder = format_html('<span class="fr-badge fr-badge--sm">{}</span> ', self.folder_label) if show_folder else ""
        if self.sent_view:
            people = format_html("{}", self.people or "—")
        else:
            people = format_html('<span title="{}">{}</span>', self.address, self.people or _("(expéditeur inconnu)"))
        date = format_html('<time datetime="{}">{}</time>', self.iso_date, self.short_date) if self.date else ""
        return format_html(
            '<tr class="{}" data-uid="{}" data-href="{}" draggable="true" tabindex="-1">'
            '<td class="mail-col-check">{}</td><td class="mail-col-icons">{}</td>'
            '<td class="mail-col-from">{}{}</td>'
            '<td class="mail-col-subject"><a href="{}" class="mail-open">{}</a></td>'
            '<td class="mail-col-date">{}</td><td class="mail-col-size">{}</td></tr>',
            classes, m.uid, self.url, check, SafeString("".join(icons)), folder, people, self.url, subject, date, self.size,
        )  # fmt: skip


def _url(folder: str, uid: int, uidvalidity: int) -> str:
    return f"/messagerie/lire/{uid}/?" + urlencode({"f": folder, "v": uidvalidity})


@register.simple_tag
def message_rows(messages, folder, uidvalidity, folder_obj=None):  # noqa: ANN001, ANN201
    sent = bool(folder_obj and folder_obj.special_use in {"\\Sent", "\\Drafts"})
    return [Row(m, _url(folder, m.uid, uidvalidity), sent_view=sent) for m in messages]


@register.simple_tag
def search_rows(hits):  # noqa: ANN001, ANN201
    return [Row(h.message, _url(h.folder, h.message.uid, h.uidvalidity), h.folder, h.folder_label, False) for h in hits]


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
