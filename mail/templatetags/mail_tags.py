"""Template helpers of the webmail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django import template
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

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


def _url(folder: str, uid: int, uidvalidity: int) -> str:
    return f"/messagerie/lire/{uid}/?" + urlencode({"f": folder, "v": uidvalidity})


@register.simple_tag
def message_rows(messages, folder, uidvalidity, folder_obj=None):  # noqa: ANN001, ANN201
    sent = bool(folder_obj and folder_obj.special_use in {"\\Sent", "\\Drafts"})
    return [Row(m, _url(folder, m.uid, uidvalidity), sent_view=sent) for m in messages]


@register.simple_tag
def search_rows(hits):  # noqa: ANN001, ANN201
    return [Row(h.message, _url(h.folder, h.message.uid, h.uidvalidity), h.folder, h.folder_label, False) for h in hits]


@register.filter
def is_trash(special_use: str) -> bool:
    return special_use == "\\Trash"


@register.filter
def is_junk(special_use: str) -> bool:
    return special_use == "\\Junk"


@register.filter
def is_sent(special_use: str) -> bool:
    return special_use in {"\\Sent", "\\Drafts"}
