"""Decoding of message headers and parts: tolerant of broken MIME, lying charsets, 8-bit headers.

Nothing here raises on bad input: the worst case is replacement characters.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import datetime as dt
import email.utils
import quopri
import re
import unicodedata

from mail.imap import EmailAddress, decode_header_text

# Charsets that lie often: a message labelled us-ascii or latin-1 is usually utf-8 or cp1252.
_ALIASES = {
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
    "x-user-defined": "cp1252",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
}


def decode_bytes(data: bytes, charset: str = "") -> str:
    """Decode body bytes with the declared charset, falling back sensibly, never raising."""
    declared = (charset or "").strip().strip('"').lower()
    candidates = []
    if declared:
        candidates.append(_ALIASES.get(declared, declared))
    candidates += ["utf-8"]
    for name in candidates:
        try:
            codecs.lookup(name)
        except LookupError:
            continue
        try:
            return data.decode(name)
        except (UnicodeDecodeError, ValueError):
            continue
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode_transfer(data: bytes, encoding: str) -> bytes:
    encoding = (encoding or "").strip().lower()
    if encoding == "base64":
        cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", data.split(b"=", 1)[0] if b"==" in data else data.replace(b"=", b""))
        if len(cleaned) % 4 == 1:
            cleaned = cleaned[:-1]
        cleaned += b"=" * (-len(cleaned) % 4)
        try:
            return base64.b64decode(cleaned)
        except (binascii.Error, ValueError):
            return data
    if encoding == "quoted-printable":
        try:
            return quopri.decodestring(data)
        except (ValueError, binascii.Error):
            return data
    return data


def _header_str(raw: str) -> str:
    """compat32 keeps 8-bit header bytes as surrogates: turn them back into text."""
    try:
        data = raw.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return raw
    return decode_bytes(data, "utf-8")


def parse_headers(data: bytes) -> dict[str, str]:
    """Decoded top-level headers (first occurrence of each), lower-case names.

    A small unfolding parser rather than ``email.parser``: it runs for every line of the
    message list, and never raises on 8-bit bytes, missing colons or odd line endings."""
    out: dict[str, str] = {}
    name = None
    chunks: list[bytes] = []

    def flush() -> None:
        if name is not None and name not in out:
            text = decode_bytes(b" ".join(chunks).strip(), "utf-8")
            out[name] = decode_header_text(text)

    for line in (data or b"").replace(b"\r\n", b"\n").split(b"\n"):
        if not line.strip():
            if name is not None and line == b"":
                flush()
                name = None
                chunks = []
                # a blank line ends the header block
                break
            continue
        if line[:1] in (b" ", b"\t") and name is not None:
            chunks.append(line.strip())
            continue
        flush()
        key, colon, value = line.partition(b":")
        if not colon:
            name, chunks = None, []
            continue
        name = key.strip().decode("ascii", "replace").lower()
        chunks = [value.strip()]
    flush()
    return out


# The common shapes, "Display Name <user@host>" and "user@host", without email.utils' general
# RFC 5322 parser (the message list parses two address headers per row). Anything with quotes,
# comments, groups, several addresses or unusual characters takes the general path.
_SIMPLE_ADDRESS = re.compile(r"[\w.+-]+@[\w.-]+")
_SIMPLE_NAMED = re.compile(r"([\w' -]*)<([\w.+-]+@[\w.-]+)>")


def parse_addresses(value: str) -> list[EmailAddress]:
    if not value:
        return []
    value_s = value.strip()
    if _SIMPLE_ADDRESS.fullmatch(value_s):
        return [EmailAddress(name="", address=value_s)]
    named = _SIMPLE_NAMED.fullmatch(value_s)
    if named and "--" not in named.group(1):
        return [EmailAddress(name=" ".join(named.group(1).split()), address=named.group(2))]
    try:
        pairs = email.utils.getaddresses([value])
    except Exception:  # noqa: BLE001
        return [EmailAddress(name=value, address="")]
    result = [EmailAddress(name=name.strip(), address=addr.strip()) for name, addr in pairs if name or addr]
    return result or [EmailAddress(name=value, address="")]


def parse_date(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
_BIDI = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f"}


def safe_filename(name: str, *, default: str = "piece-jointe") -> str:
    """A download name without path separators, control or bidi characters, or header tricks."""
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(ch for ch in name if ch not in _BIDI and unicodedata.category(ch) not in {"Cc", "Cf"})
    name = _UNSAFE_NAME.sub("_", name)
    name = name.replace("\r", "").replace("\n", "").strip(" .")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:140] + dot + ext[:9]) if dot and len(ext) < 10 else name[:150]
    return name or default
