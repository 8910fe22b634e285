"""IMAP adapter: the only module that imports imapclient (DESIGN §1, §4).

The webmail opens the signed-in user's mailbox through the IMAP master user
(``<identifier>*<master user>``), so a session can only ever reach its own mailbox.
Protocol failures become the project's own exceptions below; results are dataclasses.

Usage::

    with open_mailbox("jdupont") as box:
        state = box.select("INBOX")
        summaries = box.fetch_summaries(box.uids_by_arrival(state, offset=0, limit=50))
"""

from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import ssl as ssl_module
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from django.conf import settings
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError
from imapclient.response_types import Address, BodyData

# --------------------------------------------------------------------------- exceptions


class MailError(Exception):
    """Base class of the mail adapter's errors."""


class ServerUnavailable(MailError):
    """The IMAP server is down, unreachable, too slow or answered nonsense."""


class AuthenticationRefused(MailError):
    """The server refused the master-user login (misconfiguration or unknown user)."""


class FolderNotFound(MailError):
    """The folder does not exist (deleted, renamed, never existed)."""


class MessageNotFound(MailError):
    """The message does not exist in that folder (expunged, moved, wrong UID or UIDVALIDITY)."""


class OperationRefused(MailError):
    """The server refused an operation on valid objects (e.g. folder already exists)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.server_message = message


# --------------------------------------------------------------------------- results

SPECIAL_USES = ("\\Drafts", "\\Sent", "\\Trash", "\\Junk", "\\Archive")


@dataclass(frozen=True)
class Folder:
    name: str  # full IMAP name (decoded from modified UTF-7)
    delimiter: str
    flags: tuple[str, ...]
    special_use: str = ""  # one of SPECIAL_USES, "\\Inbox" for INBOX, or ""

    @property
    def selectable(self) -> bool:
        return "\\Noselect" not in self.flags and "\\NonExistent" not in self.flags

    @property
    def depth(self) -> int:
        return self.name.count(self.delimiter) if self.delimiter else 0

    @property
    def leaf(self) -> str:
        return self.name.rsplit(self.delimiter, 1)[-1] if self.delimiter else self.name


@dataclass(frozen=True)
class FolderStatus:
    messages: int
    unseen: int
    uidvalidity: int
    uidnext: int
    highestmodseq: int = 0


@dataclass(frozen=True)
class FolderState:
    """What SELECT told us; the cache key of sorted UID lists is built from it."""

    name: str
    exists: int
    uidvalidity: int
    uidnext: int
    highestmodseq: int
    read_only: bool = False

    @property
    def key(self) -> str:
        return f"{self.uidvalidity}.{self.uidnext}.{self.exists}.{self.highestmodseq}"


@dataclass(frozen=True)
class EmailAddress:
    name: str
    address: str

    def __str__(self) -> str:
        if self.name and self.address:
            return f"{self.name} <{self.address}>"
        return self.name or self.address


@dataclass
class MessageSummary:
    uid: int
    flags: tuple[str, ...]
    size: int
    internal_date: dt.datetime | None
    date: dt.datetime | None
    subject: str
    from_: list[EmailAddress]
    to: list[EmailAddress]
    has_attachments: bool
    message_id: str = ""
    seq: int | None = None  # message sequence number, when the FETCH that built it said it

    @property
    def seen(self) -> bool:
        return "\\Seen" in self.flags

    @property
    def flagged(self) -> bool:
        return "\\Flagged" in self.flags

    @property
    def answered(self) -> bool:
        return "\\Answered" in self.flags


@dataclass
class BodyPart:
    """One leaf of the MIME tree as the server's BODYSTRUCTURE describes it."""

    section: str  # IMAP section number ("1", "1.2"); "TEXT" for a single-part message
    content_type: str  # lower case "type/subtype"
    params: dict[str, str]
    content_id: str
    encoding: str
    size: int
    disposition: str
    disposition_params: dict[str, str] = field(default_factory=dict)
    is_message: bool = False  # message/rfc822 (shown as an attachment)

    @property
    def charset(self) -> str:
        return self.params.get("charset", "")

    @property
    def filename(self) -> str:
        return self.disposition_params.get("filename") or self.params.get("name") or ""


@dataclass(frozen=True)
class Quota:
    used_kb: int
    limit_kb: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.used_kb / self.limit_kb)) if self.limit_kb else 0


# --------------------------------------------------------------------------- helpers


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _flags(values: Iterable[bytes | str]) -> tuple[str, ...]:
    return tuple(_text(v) for v in values)


def decode_header_text(value: bytes | str | None) -> str:
    """Decode an RFC 2047 header value (encoded words, 8-bit bytes, lying charsets)."""
    from email.header import decode_header, make_header

    raw = _text(value)
    if "=?" not in raw:
        return " ".join(raw.split())
    try:
        return " ".join(str(make_header(decode_header(raw))).split())
    except (LookupError, UnicodeError, ValueError, AssertionError, TypeError):
        parts = []
        try:
            for chunk, charset in decode_header(raw):
                if isinstance(chunk, bytes):
                    try:
                        parts.append(chunk.decode(charset or "utf-8", errors="replace"))
                    except LookupError:
                        parts.append(chunk.decode("utf-8", errors="replace"))
                else:
                    parts.append(chunk)
            return " ".join("".join(parts).split())
        except Exception:  # noqa: BLE001 - last resort: the raw text
            return " ".join(raw.split())


def _addresses(values: Sequence[Address] | None) -> list[EmailAddress]:
    result = []
    for item in values or ():
        if item.mailbox is None:  # group syntax markers
            continue
        mailbox = _text(item.mailbox)
        host = _text(item.host)
        result.append(
            EmailAddress(name=decode_header_text(item.name), address=f"{mailbox}@{host}" if host else mailbox)
        )
    return result


def _params(raw) -> dict[str, str]:  # noqa: ANN001 - imapclient tuple or None
    """MIME parameters, with RFC 2231 names (``filename*``, ``name*0*``…) decoded."""
    if not raw or not isinstance(raw, list | tuple):
        return {}
    items = list(raw)
    plain: dict[str, str] = {}
    extended: dict[str, list[tuple[int, bool, str]]] = {}
    for i in range(0, len(items) - 1, 2):
        key = _text(items[i]).lower()
        value = _text(items[i + 1]) if items[i + 1] is not None else ""
        if "*" in key:
            base, _star, rest = key.partition("*")
            encoded = key.endswith("*")
            number = rest.rstrip("*")
            extended.setdefault(base, []).append((int(number) if number.isdigit() else 0, encoded, value))
        else:
            plain[key] = decode_header_text(value)
    for base, pieces in extended.items():
        pieces.sort()
        charset = "utf-8"
        chunks: list[bytes] = []
        for index, (_n, encoded, value) in enumerate(pieces):
            if encoded and index == 0 and value.count("'") >= 2:
                charset, _lang, value = value.split("'", 2)
            chunks.append(unquote_to_bytes(value) if encoded else value.encode("utf-8", "replace"))
        data = b"".join(chunks)
        try:
            plain[base] = data.decode(charset or "utf-8")
        except (LookupError, UnicodeDecodeError):
            plain[base] = data.decode("utf-8", "replace")
    return plain


def _disposition(raw) -> tuple[str, dict[str, str]]:  # noqa: ANN001
    if not raw or not isinstance(raw, list | tuple) or not raw:
        return "", {}
    return _text(raw[0]).lower(), _params(raw[1] if len(raw) > 1 else None)


MAX_MIME_DEPTH = 30


def parse_bodystructure(body: BodyData | tuple, prefix: str = "", depth: int = 0) -> list[BodyPart]:
    """Flatten a BODYSTRUCTURE into leaf parts with their IMAP section numbers."""
    if depth > MAX_MIME_DEPTH or not body:
        return []
    if isinstance(body[0], list | tuple):  # multipart: (parts..., subtype, params, ...)
        parts: list[BodyPart] = []
        children = body[0] if isinstance(body[0], list) else [body[0]]
        if isinstance(body, BodyData) and body.is_multipart:
            children = body[0]
        for index, child in enumerate(children, start=1):
            section = f"{prefix}.{index}" if prefix else str(index)
            parts.extend(parse_bodystructure(child, section, depth + 1))
        return parts
    main = _text(body[0]).lower() or "text"
    sub = _text(body[1]).lower() or "plain"
    params = _params(body[2]) if len(body) > 2 else {}
    content_id = _text(body[3]).strip("<> ") if len(body) > 3 else ""
    encoding = _text(body[5]).lower() if len(body) > 5 else "7bit"
    size = int(body[6] or 0) if len(body) > 6 and isinstance(body[6], int) else 0
    is_message = main == "message" and sub in {"rfc822", "global"}
    if main == "text":
        ext = 9
    elif is_message:
        ext = 11
    else:
        ext = 8
    disposition, dparams = _disposition(body[ext]) if len(body) > ext else ("", {})
    section = prefix or "TEXT"
    return [
        BodyPart(
            section=section,
            content_type=f"{main}/{sub}",
            params=params,
            content_id=content_id,
            encoding=encoding,
            size=size,
            disposition=disposition,
            disposition_params=dparams,
            is_message=is_message,
        )
    ]


def has_attachments(parts: list[BodyPart], flags: tuple[str, ...] = ()) -> bool:
    if "$HasAttachment" in flags:
        return True
    if "$HasNoAttachment" in flags:
        return False
    return any(p.disposition == "attachment" or (p.filename and not p.content_id) for p in parts)


# The list fetches a few header fields rather than ENVELOPE + BODYSTRUCTURE: Dovecot serves both
# from its cache, but imapclient's pure-Python parsing of nested ENVELOPE/BODYSTRUCTURE lists
# costs about 30 ms for 50 messages, a header literal almost nothing (bench/mail.py).
LIST_HEADERS = "FROM TO SUBJECT DATE MESSAGE-ID CONTENT-TYPE"
LIST_ITEMS = ["FLAGS", "RFC822.SIZE", "INTERNALDATE", f"BODY.PEEK[HEADER.FIELDS ({LIST_HEADERS})]"]
LIST_HEADER_KEY = f"BODY[HEADER.FIELDS ({LIST_HEADERS})]".encode()


def _summary_from_headers(uid: int, data: dict) -> MessageSummary:
    from mail import mime

    headers = mime.parse_headers(data.get(LIST_HEADER_KEY) or b"")
    flags = _flags(data.get(b"FLAGS", ()))
    internal = data.get(b"INTERNALDATE")
    if "$HasAttachment" in flags:
        attachments = True
    elif "$HasNoAttachment" in flags:
        attachments = False
    else:
        attachments = headers.get("content-type", "").lower().startswith("multipart/mixed")
    return MessageSummary(
        uid=uid,
        flags=flags,
        size=int(data.get(b"RFC822.SIZE") or 0),
        internal_date=internal if isinstance(internal, dt.datetime) else None,
        date=mime.parse_date(headers.get("date", "")),
        subject=headers.get("subject", ""),
        from_=mime.parse_addresses(headers.get("from", "")),
        to=mime.parse_addresses(headers.get("to", "")),
        has_attachments=attachments,
        message_id=headers.get("message-id", ""),
    )


def valid_uid(uid: int) -> bool:
    """UIDs are non-zero 32-bit unsigned integers (RFC 3501)."""
    return 0 < uid < 2**32


# --------------------------------------------------------------------------- mailbox


class Mailbox:
    """One authenticated IMAP connection to a user's mailbox. Not thread-safe."""

    def __init__(self, identifier: str, client: IMAPClient) -> None:
        self.identifier = identifier
        self.client = client
        self.selected: FolderState | None = None
        self._folders: list[Folder] | None = None

    # -- low level ---------------------------------------------------------
    @contextlib.contextmanager
    def _errors(self, folder: str | None = None) -> Iterator[None]:
        try:
            yield
        except (TimeoutError, OSError, imaplib.IMAP4.abort, ssl_module.SSLError) as exc:
            raise ServerUnavailable(str(exc)) from exc
        except IMAPClientError as exc:
            text = str(exc)
            upper = text.upper()
            if folder is not None and ("NONEXISTENT" in upper or "DOESN'T EXIST" in upper or "NOT FOUND" in upper):
                raise FolderNotFound(folder) from exc
            if "NONEXISTENT" in upper or "MAILBOX DOESN'T EXIST" in upper:
                raise FolderNotFound(folder or "") from exc
            raise OperationRefused(text) from exc

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.logout()
        with contextlib.suppress(Exception):
            self.client.shutdown()

    # -- folders -----------------------------------------------------------
    def folders(self) -> list[Folder]:
        if self._folders is None:
            with self._errors():
                raw = self.client.list_folders()
            self._folders = [self._make_folder(*item) for item in raw]
        return self._folders

    def _make_folder(self, flags, delimiter, name) -> Folder:  # noqa: ANN001
        flags_t = _flags(flags)
        special = next((f for f in flags_t if f in SPECIAL_USES), "")
        if name.upper() == "INBOX":
            name, special = "INBOX", "\\Inbox"
        return Folder(name=name, delimiter=_text(delimiter) or "/", flags=flags_t, special_use=special)

    def folders_with_status(self) -> list[tuple[Folder, FolderStatus | None]]:
        """Every folder with its counts in one round trip (LIST-STATUS, RFC 5819), falling back
        to LIST + one STATUS per folder on servers without it."""
        if b"LIST-STATUS" in self.client.capabilities():
            try:
                return self._list_status()
            except (ServerUnavailable, FolderNotFound):
                raise
            except Exception:  # noqa: BLE001 - odd reply: use the plain commands below
                self._folders = None
        result = []
        for folder in self.folders():
            status = None
            if folder.selectable:
                try:
                    status = self.status(folder.name)
                except FolderNotFound:
                    continue
            result.append((folder, status))
        return result

    def _list_status(self) -> list[tuple[Folder, FolderStatus | None]]:
        from imapclient.imap_utf7 import decode as decode_utf7
        from imapclient.response_parser import parse_response

        if self.selected:
            with self._errors():
                self.client.noop()  # counts of the selected folder as of now
        conn = self.client._imap
        with self._errors():
            typ, data = conn._simple_command(
                "LIST", b'""', b'"*"', "RETURN", "(SPECIAL-USE STATUS (MESSAGES UNSEEN UIDVALIDITY UIDNEXT))"
            )
            if typ != "OK":
                raise OperationRefused(_text(data[-1] if data else b""))
            _typ, listed = conn._untagged_response(typ, data, "LIST")
            _typ, statuses = conn._untagged_response(typ, [None], "STATUS")
        counts: dict[str, FolderStatus] = {}
        for line in statuses:
            if not line:
                continue
            name, items = parse_response([line])[:2]
            name = decode_utf7(name) if isinstance(name, bytes) else str(name)
            values = {_text(items[i]).upper(): items[i + 1] for i in range(0, len(items) - 1, 2)}
            counts["INBOX" if name.upper() == "INBOX" else name] = FolderStatus(
                messages=int(values.get("MESSAGES", 0)),
                unseen=int(values.get("UNSEEN", 0)),
                uidvalidity=int(values.get("UIDVALIDITY", 0)),
                uidnext=int(values.get("UIDNEXT", 0)),
            )
        folders = [self._make_folder(*item) for item in self.client._proc_folder_list(listed)]
        self._folders = folders
        return [(folder, counts.get(folder.name)) for folder in folders]

    def folder(self, name: str) -> Folder:
        for item in self.folders():
            if item.name == name:
                return item
        raise FolderNotFound(name)

    def special_folder(self, special_use: str) -> Folder | None:
        return next((f for f in self.folders() if f.special_use == special_use), None)

    def status(self, name: str) -> FolderStatus:
        with self._errors(name):
            if self.selected and self.selected.name == name:
                self.client.noop()  # STATUS on the selected folder reflects only what the session saw
            raw = self.client.folder_status(name, ["MESSAGES", "UNSEEN", "UIDVALIDITY", "UIDNEXT", "HIGHESTMODSEQ"])
        return FolderStatus(
            messages=int(raw.get(b"MESSAGES", 0)),
            unseen=int(raw.get(b"UNSEEN", 0)),
            uidvalidity=int(raw.get(b"UIDVALIDITY", 0)),
            uidnext=int(raw.get(b"UIDNEXT", 0)),
            highestmodseq=int(raw.get(b"HIGHESTMODSEQ", 0)),
        )

    def create_folder(self, name: str) -> None:
        with self._errors():
            self.client.create_folder(name)
            with contextlib.suppress(IMAPClientError):
                self.client.subscribe_folder(name)
        self._folders = None

    def rename_folder(self, old: str, new: str) -> None:
        self.folder(old)
        with self._errors(old):
            self.client.rename_folder(old, new)
            with contextlib.suppress(IMAPClientError):
                self.client.unsubscribe_folder(old)
                self.client.subscribe_folder(new)
        self._folders = None
        if self.selected and self.selected.name == old:
            self.selected = None

    def delete_folder(self, name: str) -> None:
        self.folder(name)
        if self.selected and self.selected.name == name:
            with contextlib.suppress(Exception):
                self.client.unselect_folder()
            self.selected = None
        with self._errors(name):
            with contextlib.suppress(IMAPClientError):
                self.client.unsubscribe_folder(name)
            self.client.delete_folder(name)
        self._folders = None

    def quota(self) -> Quota | None:
        if b"QUOTA" not in self.client.capabilities():
            return None
        with self._errors():
            _roots, quotas = self.client.get_quota_root("INBOX")
        for item in quotas:
            if item.resource.upper() == "STORAGE":
                return Quota(used_kb=int(item.usage), limit_kb=int(item.limit))
        return None

    # -- selection ---------------------------------------------------------
    def select(self, name: str, *, readonly: bool = False) -> FolderState:
        if self.selected and self.selected.name == name and (readonly or not self.selected.read_only):
            return self.selected
        with self._errors(name):
            try:
                raw = self.client.select_folder(name, readonly=readonly)
            except IMAPClientError as exc:
                self.selected = None
                raise FolderNotFound(name) from exc
        self.selected = FolderState(
            name=name,
            exists=int(raw.get(b"EXISTS", 0)),
            uidvalidity=int(raw.get(b"UIDVALIDITY", 0)),
            uidnext=int(raw.get(b"UIDNEXT", 0)),
            highestmodseq=int(raw.get(b"HIGHESTMODSEQ", 0)),
            read_only=bool(raw.get(b"READ-ONLY", False)),
        )
        return self.selected

    def summaries_by_arrival(self, state: FolderState, *, offset: int, limit: int) -> list[MessageSummary]:
        """One page newest arrival first, by sequence window: one FETCH whatever the folder size."""
        high = state.exists - offset
        low = max(1, high - limit + 1)
        if high < 1:
            return []
        client = self.client
        with self._errors(state.name):
            client.use_uid = False
            try:
                raw = client.fetch(
                    list(range(low, high + 1)),
                    ["UID", *LIST_ITEMS],
                )
            finally:
                client.use_uid = True
        items = sorted(raw.items(), reverse=True)
        return [self._summary(int(data[b"UID"]), data) for _seq, data in items if b"UID" in data]

    def sort_uids(self, criteria: Sequence[str], search: Sequence | str = "ALL") -> list[int]:
        with self._errors(self.selected.name if self.selected else None):
            return [int(u) for u in self.client.sort(list(criteria), search, charset="UTF-8")]

    def search_uids(self, criteria: Sequence | str) -> list[int]:
        with self._errors(self.selected.name if self.selected else None):
            return [int(u) for u in self.client.search(criteria, charset="UTF-8")]

    # -- messages ----------------------------------------------------------
    def fetch_summaries(self, uids: Sequence[int]) -> list[MessageSummary]:
        """Envelope, flags, size and structure of these UIDs, in the given order."""
        if not uids:
            return []
        with self._errors(self.selected.name if self.selected else None):
            raw = self.client.fetch(list(uids), LIST_ITEMS)
        result = []
        for uid in uids:
            data = raw.get(uid)
            if not data:
                continue
            result.append(self._summary(uid, data))
        return result

    def _summary(self, uid: int, data: dict) -> MessageSummary:
        env = data.get(b"ENVELOPE")
        if env is None and LIST_HEADER_KEY in data:
            return _summary_from_headers(uid, data)
        flags = _flags(data.get(b"FLAGS", ()))
        try:
            parts = parse_bodystructure(data.get(b"BODYSTRUCTURE") or ())
        except (IndexError, TypeError, ValueError):
            parts = []
        date = None
        if env is not None and isinstance(env.date, dt.datetime):
            date = env.date
        internal = data.get(b"INTERNALDATE")
        return MessageSummary(
            uid=uid,
            flags=flags,
            size=int(data.get(b"RFC822.SIZE") or 0),
            internal_date=internal if isinstance(internal, dt.datetime) else None,
            date=date,
            subject=decode_header_text(env.subject) if env is not None else "",
            from_=_addresses(env.from_) if env is not None else [],
            to=_addresses(env.to) if env is not None else [],
            has_attachments=has_attachments(parts, flags),
            message_id=_text(env.message_id) if env is not None else "",
        )

    def fetch_structure(self, uid: int) -> tuple[MessageSummary, list[BodyPart], bytes]:
        """Summary, flattened MIME parts and the raw top-level header of one message."""
        if not valid_uid(uid):
            raise MessageNotFound(str(uid))
        with self._errors(self.selected.name if self.selected else None):
            # No ENVELOPE: the whole header is fetched anyway, and parsing it is cheaper than
            # imapclient's parsing of the nested ENVELOPE list.
            raw = self.client.fetch(
                [uid], ["FLAGS", "RFC822.SIZE", "INTERNALDATE", "BODYSTRUCTURE", "BODY.PEEK[HEADER]"]
            )
        data = raw.get(uid)
        if not data:
            raise MessageNotFound(str(uid))
        try:
            parts = parse_bodystructure(data.get(b"BODYSTRUCTURE") or ())
        except (IndexError, TypeError, ValueError):
            parts = [BodyPart("TEXT", "text/plain", {}, "", "7bit", 0, "")]
        summary = _summary_from_headers(uid, {**data, LIST_HEADER_KEY: data.get(b"BODY[HEADER]") or b""})
        summary.has_attachments = has_attachments(parts, summary.flags)
        seq = data.get(b"SEQ")
        summary.seq = int(seq) if isinstance(seq, int) else None
        return summary, parts, data.get(b"BODY[HEADER]") or b""

    def fetch_parts(self, uid: int) -> list[BodyPart]:
        """Only the MIME structure of one message (what the body frame and downloads need)."""
        if not valid_uid(uid):
            raise MessageNotFound(str(uid))
        with self._errors(self.selected.name if self.selected else None):
            raw = self.client.fetch([uid], ["BODYSTRUCTURE"])
        data = raw.get(uid)
        if not data:
            raise MessageNotFound(str(uid))
        try:
            return parse_bodystructure(data.get(b"BODYSTRUCTURE") or ())
        except (IndexError, TypeError, ValueError):
            return [BodyPart("TEXT", "text/plain", {}, "", "7bit", 0, "")]

    def fetch_sections(
        self, uid: int, sections: Sequence[str], *, max_bytes: int | None = None, mime_headers: bool = True
    ) -> dict[str, bytes]:
        """Raw (still transfer-encoded) bytes of these sections, plus ``<section>.MIME`` headers
        unless ``mime_headers`` is false (display text: BODYSTRUCTURE already gave charset and encoding)."""
        if not sections:
            return {}
        items = []
        for section in sections:
            partial = f"<0.{max_bytes}>" if max_bytes else ""
            items.append(f"BODY.PEEK[{section}]{partial}")
            if mime_headers and section not in ("TEXT", ""):
                items.append(f"BODY.PEEK[{section}.MIME]")
        with self._errors(self.selected.name if self.selected else None):
            raw = self.client.fetch([uid], items)
        data = raw.get(uid)
        if data is None:
            raise MessageNotFound(str(uid))
        out: dict[str, bytes] = {}
        for key, value in data.items():
            name = _text(key)
            if name.startswith("BODY["):
                section = name[5:].split("]", 1)[0]
                out[section] = value or b""
        return out

    def fetch_raw(self, uid: int) -> bytes:
        with self._errors(self.selected.name if self.selected else None):
            raw = self.client.fetch([uid], ["BODY.PEEK[]"])
        data = raw.get(uid)
        if not data:
            raise MessageNotFound(str(uid))
        return data.get(b"BODY[]") or b""

    def existing_uids(self, uids: Sequence[int]) -> list[int]:
        uids = [u for u in uids if valid_uid(u)]
        if not uids:
            return []
        with self._errors(self.selected.name if self.selected else None):
            return [int(u) for u in self.client.search(["UID", ",".join(str(u) for u in uids)])]

    def add_flags(self, uids: Sequence[int], flags: Sequence[str]) -> None:
        if uids:
            with self._errors():
                self.client.add_flags(list(uids), list(flags), silent=True)

    def remove_flags(self, uids: Sequence[int], flags: Sequence[str]) -> None:
        if uids:
            with self._errors():
                self.client.remove_flags(list(uids), list(flags), silent=True)

    def copy(self, uids: Sequence[int], target: str) -> None:
        self.folder(target)
        if uids:
            with self._errors(target):
                self.client.copy(list(uids), target)

    def move(self, uids: Sequence[int], target: str) -> None:
        self.folder(target)
        if uids:
            with self._errors(target):
                self.client.move(list(uids), target)

    def expunge(self, uids: Sequence[int]) -> None:
        if uids:
            with self._errors():
                self.client.add_flags(list(uids), ["\\Deleted"], silent=True)
                self.client.uid_expunge(list(uids))

    def expunge_all(self) -> None:
        """Permanently remove every message of the selected folder (empty Trash/Junk)."""
        with self._errors():
            self.client.add_flags("1:*", ["\\Deleted"], silent=True)
            self.client.expunge()

    def append(
        self, folder: str, message: bytes, *, flags: Sequence[str] = (), when: dt.datetime | None = None
    ) -> int | None:
        """Store a message; returns its UID (UIDPLUS) when the server says it."""
        with self._errors(folder):
            response = self.client.append(folder, message, flags=tuple(flags), msg_time=when)
        text = _text(response)
        # "[APPENDUID <uidvalidity> <uid>] Append completed."
        if "APPENDUID" in text:
            try:
                return int(text.split("APPENDUID", 1)[1].split("]", 1)[0].split()[1])
            except (IndexError, ValueError):
                return None
        return None

    def multiappend(self, folder: str, messages: Sequence[bytes]) -> None:
        with self._errors(folder):
            self.client.multiappend(folder, list(messages))


# --------------------------------------------------------------------------- connection


def connect(identifier: str, *, timeout: float | None = None, condstore: bool = True) -> Mailbox:
    """Log in to ``identifier``'s mailbox as the webmail master user.

    ``condstore=False`` saves the ENABLE round trip for a connection that never needs
    HIGHESTMODSEQ (its folder states then carry 0: not fit for the sorted-UID cache key)."""
    if not identifier or any(c in identifier for c in '*\r\n\0 "\\'):
        raise AuthenticationRefused(identifier)
    timeout = settings.IMAP_TIMEOUT if timeout is None else timeout
    security = (settings.IMAP_SECURITY or "none").lower()
    try:
        client = IMAPClient(
            settings.IMAP_HOST,
            port=settings.IMAP_PORT,
            ssl=security == "ssl",
            timeout=timeout,
            use_uid=True,
        )
        client.normalise_times = False  # keep the server's offsets: shown in Europe/Paris by Django
        if security == "starttls":
            client.starttls(ssl_module.create_default_context())
    except (OSError, TimeoutError, imaplib.IMAP4.error, IMAPClientError) as exc:
        raise ServerUnavailable(f"{settings.IMAP_HOST}:{settings.IMAP_PORT}: {exc}") from exc
    try:
        client.login(f"{identifier}*{settings.IMAP_MASTER_USER}", settings.IMAP_MASTER_PASSWORD)
    except LoginError as exc:
        with contextlib.suppress(Exception):
            client.shutdown()
        raise AuthenticationRefused(identifier) from exc
    except (OSError, TimeoutError, imaplib.IMAP4.abort, IMAPClientError) as exc:
        with contextlib.suppress(Exception):
            client.shutdown()
        raise ServerUnavailable(str(exc)) from exc
    box = Mailbox(identifier, client)
    with box._errors():
        if condstore and b"CONDSTORE" in client.capabilities():
            client.enable("CONDSTORE")
    return box


@contextlib.contextmanager
def open_mailbox(identifier: str, *, timeout: float | None = None) -> Iterator[Mailbox]:
    box = connect(identifier, timeout=timeout)
    try:
        yield box
    finally:
        box.close()


def probe(*, timeout: float = 3.0) -> str:
    """Connect without logging in; returns the server greeting (health check)."""
    try:
        client = IMAPClient(
            settings.IMAP_HOST,
            port=settings.IMAP_PORT,
            ssl=(settings.IMAP_SECURITY or "none").lower() == "ssl",
            timeout=timeout,
        )
        greeting = _text(client.welcome)
        with contextlib.suppress(Exception):
            client.logout()
        return greeting
    except (OSError, TimeoutError, imaplib.IMAP4.error, IMAPClientError) as exc:
        raise ServerUnavailable(str(exc)) from exc
