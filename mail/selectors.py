"""Reads of the mailbox: folder tree, message pages, search, reading (DESIGN §4)."""

from __future__ import annotations

import array
import base64
import dataclasses
import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from mail import imap, mime
from mail.imap import BodyPart, Folder, FolderState, FolderStatus, Mailbox, MessageNotFound, MessageSummary, Quota
from mail.sanitize import linkify_text, sanitize_html

logger = logging.getLogger(__name__)

PAGE_SIZE = 50

SPECIAL_LABELS = {
    "\\Inbox": _("Boîte de réception"),
    "\\Drafts": _("Brouillons"),
    "\\Sent": _("Envoyés"),
    "\\Archive": _("Archives"),
    "\\Junk": _("Indésirables"),
    "\\Trash": _("Corbeille"),
}
SPECIAL_ORDER = ["\\Inbox", "\\Drafts", "\\Sent", "\\Archive", "\\Junk", "\\Trash"]
SPECIAL_ICONS = {
    "\\Inbox": "fr-icon-inbox-line",
    "\\Drafts": "fr-icon-draft-line",
    "\\Sent": "fr-icon-send-plane-line",
    "\\Archive": "fr-icon-archive-line",
    "\\Junk": "fr-icon-mail-forbid-line",
    "\\Trash": "fr-icon-delete-line",
}

SORTS = {"date": "ARRIVAL", "sender": "DISPLAYFROM", "subject": "SUBJECT", "size": "SIZE"}
FILTERS = {"unread": ["UNSEEN"], "flagged": ["FLAGGED"], "attachments": ["KEYWORD", "$HasAttachment"]}


# --------------------------------------------------------------------------- folders


@dataclass
class FolderEntry:
    folder: Folder
    status: FolderStatus | None
    label: str
    icon: str

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def special(self) -> bool:
        return bool(self.folder.special_use)

    @property
    def depth(self) -> int:
        return 0 if self.special else self.folder.depth

    @property
    def unseen(self) -> int:
        return self.status.unseen if self.status else 0


def folder_tree(box: Mailbox, *, with_status: bool = True) -> list[FolderEntry]:
    """Special-use folders first (French names), then the user's folders in name order."""
    special: list[FolderEntry] = []
    others: list[FolderEntry] = []
    pairs = box.folders_with_status() if with_status else [(f, None) for f in box.folders()]
    for folder, status in pairs:
        if folder.special_use in SPECIAL_LABELS:
            entry = FolderEntry(
                folder, status, str(SPECIAL_LABELS[folder.special_use]), SPECIAL_ICONS[folder.special_use]
            )
            special.append(entry)
        else:
            others.append(FolderEntry(folder, status, folder.leaf, "fr-icon-folder-2-line"))
    special.sort(key=lambda e: SPECIAL_ORDER.index(e.folder.special_use))
    others.sort(key=lambda e: [part.casefold() for part in e.folder.name.split(e.folder.delimiter)])
    return special + others


def count_as_read(entries: list[FolderEntry], name: str) -> None:
    """One message of folder ``name`` was just marked read by this request: its badge follows."""
    for entry in entries:
        if entry.name == name and entry.status is not None and entry.status.unseen > 0:
            entry.status = dataclasses.replace(entry.status, unseen=entry.status.unseen - 1)


def folder_label(box: Mailbox, name: str) -> str:
    folder = box.folder(name)
    return str(SPECIAL_LABELS.get(folder.special_use, folder.name))


QUOTA_CACHE_SECONDS = 300


def quota(box: Mailbox) -> Quota | None:
    """Storage quota for the gauge; cached a few minutes (GETQUOTAROOT may walk every folder)."""
    key = f"mail:quota:{box.identifier}"
    try:
        cached = cache.get(key)
    except Exception:  # noqa: BLE001
        cached = None
    if cached is not None:
        return Quota(*cached) if cached else None
    try:
        value = box.quota()
    except imap.OperationRefused:
        value = None
    try:
        cache.set(key, (value.used_kb, value.limit_kb) if value else (), QUOTA_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("cache indisponible pour le quota")
    return value


# --------------------------------------------------------------------------- message list


@dataclass
class MessagePage:
    state: FolderState
    messages: list[MessageSummary]
    total: int
    page: int
    pages: int
    sort: str
    order: str
    filter: str


def _uid_cache_key(box: Mailbox, state: FolderState, sort: str, order: str, filter_: str) -> str:
    folder_hash = hashlib.sha256(state.name.encode()).hexdigest()[:16]
    return f"mail:uids:{box.identifier}:{folder_hash}:{state.key}:{sort}:{order}:{filter_}"


def sorted_uids(box: Mailbox, state: FolderState, *, sort: str, order: str, filter_: str) -> list[int]:
    """Whole-folder UID order for a sort/filter, cached under the folder's state
    (UIDVALIDITY, UIDNEXT, EXISTS, HIGHESTMODSEQ): any change to the folder changes the key."""
    key = _uid_cache_key(box, state, sort, order, filter_)
    try:
        cached = cache.get(key)
    except Exception:  # noqa: BLE001 - cache down: compute
        cached = None
    if cached is not None:
        values = array.array("I")
        values.frombytes(cached)
        return values.tolist()
    criteria = FILTERS.get(filter_, "ALL")
    if sort == "date" and not filter_:
        uids = box.search_uids("ALL")  # arrival order == UID order
    else:
        keys = [SORTS.get(sort, "ARRIVAL")]
        if keys[0] == "DISPLAYFROM" and b"SORT=DISPLAY" not in box.client.capabilities():
            keys = ["FROM"]
        uids = box.sort_uids(keys, criteria)
    if order == "desc":
        uids = list(reversed(uids))
    try:
        cache.set(key, array.array("I", uids).tobytes(), 600)
    except Exception:  # noqa: BLE001
        logger.warning("cache indisponible pour la liste triée")
    return uids


def message_page(
    box: Mailbox, *, folder: str, page: int = 1, sort: str = "date", order: str = "desc", filter_: str = ""
) -> MessagePage:
    sort = sort if sort in SORTS else "date"
    order = order if order in {"asc", "desc"} else "desc"
    filter_ = filter_ if filter_ in FILTERS else ""
    state = box.select(folder)
    page = max(1, page)
    offset = (page - 1) * PAGE_SIZE
    if sort == "date" and not filter_:
        # Arrival order by sequence window: one FETCH, flat in mailbox size.
        total = state.exists
        if order == "desc":
            messages = box.summaries_by_arrival(state, offset=offset, limit=PAGE_SIZE)
        else:
            high = min(state.exists, offset + PAGE_SIZE)
            messages = (
                list(reversed(box.summaries_by_arrival(state, offset=state.exists - high, limit=high - offset)))
                if high > offset
                else []
            )
    else:
        uids = sorted_uids(box, state, sort=sort, order=order, filter_=filter_)
        total = len(uids)
        messages = box.fetch_summaries(uids[offset : offset + PAGE_SIZE])
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    return MessagePage(state, messages, total, page, pages, sort, order, filter_)


# --------------------------------------------------------------------------- search


@dataclass
class SearchQuery:
    sender: str = ""
    recipient: str = ""
    subject: str = ""
    body: str = ""
    since: dt.date | None = None
    before: dt.date | None = None  # inclusive in the form, exclusive in IMAP

    def criteria(self) -> list:
        out: list = []
        if self.sender:
            out += ["FROM", self.sender]
        if self.recipient:
            out += ["OR", "TO", self.recipient, "CC", self.recipient]
        if self.subject:
            out += ["SUBJECT", self.subject]
        if self.body:
            out += ["BODY", self.body]
        # On the message's own date (Date header), the one shown in the list.
        if self.since:
            out += ["SENTSINCE", self.since]
        if self.before:
            out += ["SENTBEFORE", self.before + dt.timedelta(days=1)]
        return out or ["ALL"]

    @property
    def empty(self) -> bool:
        return not any([self.sender, self.recipient, self.subject, self.body, self.since, self.before])


@dataclass
class SearchHit:
    folder: str
    folder_label: str
    uidvalidity: int
    message: MessageSummary


SEARCH_LIMIT = 200


def search_messages(box: Mailbox, *, query: SearchQuery, folder: str | None) -> tuple[list[SearchHit], int]:
    """Server-side SEARCH in one folder or all; newest first, at most SEARCH_LIMIT hits shown."""
    names = [folder] if folder else [f.name for f in box.folders() if f.selectable]
    hits: list[SearchHit] = []
    total = 0
    for name in names:
        state = box.select(name, readonly=True)
        if not state.exists:
            continue
        uids = box.search_uids(query.criteria())
        total += len(uids)
        newest = sorted(uids, reverse=True)[:SEARCH_LIMIT]
        label = folder_label(box, name)
        for summary in box.fetch_summaries(newest):
            hits.append(SearchHit(name, label, state.uidvalidity, summary))
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    hits.sort(key=lambda h: h.message.internal_date or h.message.date or epoch, reverse=True)
    return hits[:SEARCH_LIMIT], total


# --------------------------------------------------------------------------- reading

DISPLAY_TEXT_MAX = 2 * 1024 * 1024  # bytes of a text part fetched for display
INLINE_IMAGES_MAX = 5 * 1024 * 1024  # total bytes of cid: images inlined in the reading frame


@dataclass
class Attachment:
    section: str
    filename: str
    content_type: str
    size: int
    inline: bool


@dataclass
class ReadMessage:
    folder: str
    state: FolderState
    summary: MessageSummary
    subject: str
    from_: list
    to: list
    cc: list
    reply_to: list
    date: dt.datetime | None
    text_html: str  # safe HTML of the plain-text body (escaped, linkified)
    has_html: bool
    attachments: list[Attachment] = field(default_factory=list)
    truncated: bool = False
    prev_uid: int | None = None
    next_uid: int | None = None
    parts: list[BodyPart] = field(default_factory=list, repr=False)
    html_source: str | None = None  # the raw (unsanitised) HTML part, never shown as such


def _check_uidvalidity(state: FolderState, uidvalidity: int | None) -> None:
    if uidvalidity is not None and uidvalidity != state.uidvalidity:
        raise MessageNotFound(f"uidvalidity {uidvalidity} != {state.uidvalidity}")


def _display_parts(parts: list[BodyPart]) -> tuple[BodyPart | None, BodyPart | None]:
    html = plain = None
    for part in parts:
        if part.disposition == "attachment" or part.is_message:
            continue
        if part.content_type == "text/html" and html is None:
            html = part
        elif part.content_type == "text/plain" and plain is None:
            plain = part
    return html, plain


def decode_part(part: BodyPart, raw: bytes) -> bytes:
    return mime.decode_transfer(raw, part.encoding)


def _part_text(box: Mailbox, uid: int, part: BodyPart) -> tuple[str, bool]:
    data = box.fetch_sections(uid, [part.section], max_bytes=DISPLAY_TEXT_MAX, mime_headers=False)
    raw = data.get(part.section) or data.get(f"{part.section}<0>") or b""
    truncated = part.size > DISPLAY_TEXT_MAX
    return mime.decode_bytes(decode_part(part, raw), part.charset), truncated


def _parts_text(box: Mailbox, uid: int, parts: list[BodyPart]) -> dict[str, tuple[str, bool]]:
    """Decoded text of several parts of one message, fetched in a single FETCH."""
    data = box.fetch_sections(uid, [p.section for p in parts], max_bytes=DISPLAY_TEXT_MAX, mime_headers=False)
    out = {}
    for part in parts:
        raw = data.get(part.section) or data.get(f"{part.section}<0>") or b""
        text = mime.decode_bytes(decode_part(part, raw), part.charset)
        out[part.section] = (text, part.size > DISPLAY_TEXT_MAX)
    return out


def _neighbours(box: Mailbox, state: FolderState, uid: int, seq: int | None = None) -> tuple[int | None, int | None]:
    """Previous (newer) and next (older) message in arrival order (``seq``: the message's
    sequence number when the caller already knows it, saving a SEARCH)."""
    client = box.client
    try:
        client.use_uid = False
        if seq is None:
            seqs = client.search(["UID", str(uid)])
            if not seqs:
                return None, None
            seq = int(seqs[0])
        wanted = [s for s in (seq - 1, seq + 1) if 1 <= s <= state.exists]
        raw = client.fetch(wanted, ["UID"]) if wanted else {}
    except Exception:  # noqa: BLE001 - navigation links are a convenience
        return None, None
    finally:
        client.use_uid = True
    newer = raw.get(seq + 1, {}).get(b"UID")
    older = raw.get(seq - 1, {}).get(b"UID")
    return (int(newer) if newer else None), (int(older) if older else None)


def read_message(box: Mailbox, *, folder: str, uid: int, uidvalidity: int | None) -> ReadMessage:
    state = box.select(folder)
    _check_uidvalidity(state, uidvalidity)
    summary, parts, header_bytes = box.fetch_structure(uid)
    headers = mime.parse_headers(header_bytes)
    html, plain = _display_parts(parts)
    text_html = ""
    truncated = False
    html_source = None
    if plain is not None or html is not None:
        # The plain part and the HTML part in one FETCH: the HTML is sanitised by the caller
        # (reading page) so that the body frame needs no IMAP round trip of its own.
        texts = _parts_text(box, uid, [p for p in (plain, html) if p is not None])
        if plain is not None:
            text, truncated = texts[plain.section]
            text_html = linkify_text(text)
        if html is not None:
            html_source = texts[html.section][0]
    elif parts and parts[0].content_type.startswith("text/") and parts[0].section == "TEXT":
        text, truncated = _part_text(box, uid, parts[0])
        text_html = linkify_text(text)
    shown = {p.section for p in (html, plain) if p is not None}
    attachments = [
        Attachment(
            section=p.section,
            filename=mime.safe_filename(p.filename, default=_default_name(p)),
            content_type=p.content_type,
            size=p.size,
            inline=bool(p.content_id) and p.disposition != "attachment",
        )
        for p in parts
        if p.section not in shown and not p.content_type.startswith("multipart/")
    ]
    prev_uid, next_uid = _neighbours(box, state, uid, summary.seq)
    return ReadMessage(
        folder=folder,
        state=state,
        summary=summary,
        subject=headers.get("subject", summary.subject),
        from_=mime.parse_addresses(headers.get("from", "")) or summary.from_,
        to=mime.parse_addresses(headers.get("to", "")),
        cc=mime.parse_addresses(headers.get("cc", "")),
        reply_to=mime.parse_addresses(headers.get("reply-to", "")),
        date=mime.parse_date(headers.get("date", "")) or summary.date or summary.internal_date,
        text_html=text_html,
        has_html=html is not None,
        attachments=attachments,
        truncated=truncated,
        prev_uid=prev_uid,
        next_uid=next_uid,
        parts=parts,
        html_source=html_source,
    )


_EXTENSIONS = {
    "text/plain": "txt", "text/html": "html", "text/calendar": "ics", "application/pdf": "pdf",
    "message/rfc822": "eml", "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif",
    "application/ms-tnef": "dat",
}  # fmt: skip


def _default_name(part: BodyPart) -> str:
    return f"partie-{part.section}.{_EXTENSIONS.get(part.content_type, 'bin')}"


@dataclass
class HtmlBody:
    html: str
    blocked_images: int
    remote_images: int


def html_body(box: Mailbox, *, folder: str, uid: int, uidvalidity: int | None, allow_images: bool) -> HtmlBody:
    """The sanitised HTML body; cid: images are inlined as data: URLs fetched from the message."""
    state = box.select(folder, readonly=True)
    _check_uidvalidity(state, uidvalidity)
    parts = box.fetch_parts(uid)
    html, _plain = _display_parts(parts)
    if html is None:
        return HtmlBody("", 0, 0)
    text, _truncated = _part_text(box, uid, html)
    return sanitized_body(box, uid=uid, parts=parts, text=text, allow_images=allow_images)


def sanitized_body(box: Mailbox, *, uid: int, parts: list[BodyPart], text: str, allow_images: bool) -> HtmlBody:
    """Sanitise the HTML ``text`` of message ``uid`` (selected folder), inlining its cid: images."""
    by_cid = {p.content_id: p for p in parts if p.content_id and p.content_type.startswith("image/")}
    wanted = [p for p in by_cid.values() if p.size <= INLINE_IMAGES_MAX and f"cid:{p.content_id}" in text]
    images: dict[str, str] = {}
    budget = INLINE_IMAGES_MAX
    if wanted:
        raw = box.fetch_sections(uid, [p.section for p in wanted])
        for part in wanted:
            data = decode_part(part, raw.get(part.section, b""))
            if len(data) > budget:
                continue
            budget -= len(data)
            mime_type = part.content_type if part.content_type != "image/svg+xml" else ""
            if mime_type:
                images[part.content_id] = f"data:{mime_type};base64,{base64.b64encode(data).decode()}"

    def cid_url(cid: str) -> str | None:
        return images.get(cid.strip("<> "))

    result = sanitize_html(text, allow_remote_images=allow_images, cid_url=cid_url)
    return HtmlBody(result.html, result.blocked_images, result.remote_images)


# The body frame is requested by the browser right after the reading page, which has just
# fetched and sanitised the very same HTML: the page leaves the result in the shared cache for a
# short while and the frame is served from there without opening an IMAP connection. The key
# binds the entry to the user (primary key), the folder, its UIDVALIDITY, the UID (a message's
# content never changes under the same UIDVALIDITY and UID, RFC 3501 §2.3.1.1) and the remote
# images choice; nothing in it comes from another user.
BODY_CACHE_SECONDS = 120
BODY_CACHE_MAX_CHARS = 1024 * 1024  # bigger bodies are recomputed by the frame


def _body_cache_key(*, user_pk: int, folder: str, uidvalidity: int, uid: int, allow_images: bool) -> str:
    folder_hash = hashlib.sha256(folder.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"mail:body:{int(user_pk)}:{folder_hash}:{int(uidvalidity)}:{int(uid)}:{int(bool(allow_images))}"


def remember_body(body: HtmlBody, *, user_pk: int, folder: str, uidvalidity: int, uid: int, allow_images: bool) -> None:
    """Keep a sanitised body for the frame that the reading page is about to load."""
    if len(body.html) > BODY_CACHE_MAX_CHARS:
        return
    key = _body_cache_key(user_pk=user_pk, folder=folder, uidvalidity=uidvalidity, uid=uid, allow_images=allow_images)
    try:
        cache.set(key, (body.html, body.blocked_images, body.remote_images), BODY_CACHE_SECONDS)
    except Exception:  # noqa: BLE001 - cache down: the frame fetches the body itself
        logger.warning("cache indisponible pour le corps HTML")


def remembered_body(
    *, user_pk: int, folder: str, uidvalidity: int | None, uid: int, allow_images: bool
) -> HtmlBody | None:
    """The body the reading page left for this user, folder state, message and images choice."""
    if uidvalidity is None or not imap.valid_uid(uid):
        return None
    key = _body_cache_key(user_pk=user_pk, folder=folder, uidvalidity=uidvalidity, uid=uid, allow_images=allow_images)
    try:
        cached = cache.get(key)
    except Exception:  # noqa: BLE001
        return None
    if not cached:
        return None
    html, blocked, remote = cached
    return HtmlBody(html, blocked, remote)


def message_part(
    box: Mailbox, *, folder: str, uid: int, uidvalidity: int | None, section: str
) -> tuple[BodyPart, bytes]:
    state = box.select(folder, readonly=True)
    _check_uidvalidity(state, uidvalidity)
    parts = box.fetch_parts(uid)
    part = next((p for p in parts if p.section == section), None)
    if part is None:
        raise MessageNotFound(f"{uid} section {section}")
    raw = box.fetch_sections(uid, [section])
    return part, decode_part(part, raw.get(section, b""))


def raw_message(box: Mailbox, *, folder: str, uid: int, uidvalidity: int | None) -> tuple[MessageSummary, bytes]:
    state = box.select(folder, readonly=True)
    _check_uidvalidity(state, uidvalidity)
    summary, _parts, _headers = box.fetch_structure(uid)
    return summary, box.fetch_raw(uid)


# --------------------------------------------------------------------------- home page


def unread_count(user) -> int | None:  # noqa: ANN001 - annuaire.User
    """Unread messages in INBOX (STATUS), or None when the mail server cannot be reached."""
    try:
        with imap.open_mailbox(user.get_username(), timeout=min(settings.IMAP_TIMEOUT, 3)) as box:
            return box.status("INBOX").unseen
    except imap.MailError:
        return None
