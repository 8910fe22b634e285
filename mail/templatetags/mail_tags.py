"""Template helpers of the webmail."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django import template

from mail.imap import MessageSummary

register = template.Library()


@dataclass
class Row:
    message: MessageSummary
    url: str
    folder: str = ""
    folder_label: str = ""
    selectable: bool = True


def _url(folder: str, uid: int, uidvalidity: int) -> str:
    return f"/messagerie/lire/{uid}/?" + urlencode({"f": folder, "v": uidvalidity})


@register.simple_tag
def message_rows(messages, folder, uidvalidity, folder_obj=None):  # noqa: ANN001, ANN201
    return [Row(m, _url(folder, m.uid, uidvalidity)) for m in messages]


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
