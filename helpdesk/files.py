"""Attachments: what is accepted (size, allow-listed types checked against the content), how names
are made safe, and how files are served back (attachment, fixed type, nosniff)."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is fine; anything else is not UTF-8.
        if exc.start < len(head) - 3:
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return False
    return True


def _zip(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04")


# extension -> (served content type, check of the first bytes)
ALLOWED_TYPES: dict[str, tuple[str, object]] = {
    ".pdf": ("application/pdf", lambda h: h.startswith(b"%PDF-")),
    ".png": ("image/png", lambda h: h.startswith(b"\x89PNG\r\n\x1a\n")),
    ".jpg": ("image/jpeg", lambda h: h.startswith(b"\xff\xd8\xff")),
    ".jpeg": ("image/jpeg", lambda h: h.startswith(b"\xff\xd8\xff")),
    ".gif": ("image/gif", lambda h: h[:6] in (b"GIF87a", b"GIF89a")),
    ".txt": ("text/plain; charset=utf-8", _is_text),
    ".log": ("text/plain; charset=utf-8", _is_text),
    ".eml": ("message/rfc822", _is_text),
    ".odt": ("application/vnd.oasis.opendocument.text", _zip),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", _zip),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _zip),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _zip),
}

_UNSAFE_CHARS = re.compile(r'[<>:"/\\|?*;,=\'`$%&{}\[\]#~^]')


def safe_filename(name: str) -> str:
    """A display name safe in a header and on any disk: no path, no control or bidi characters,
    no quotes, bounded length. The stored file never uses it (random name)."""
    name = unicodedata.normalize("NFKC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " ")
    name = _UNSAFE_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, ext = os.path.splitext(name)
    stem = stem.strip(" .")[:100] or "piece-jointe"
    ext = ext.lower()[:10]
    return f"{stem}{ext}"


@dataclass
class CheckedFile:
    upload: UploadedFile
    filename: str
    content_type: str
    size: int


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Refuse what is too big, of a type outside the allow-list, or whose content does not match."""
    filename = safe_filename(upload.name)
    max_bytes = settings.HELPDESK_ATTACHMENT_MAX_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            _("« %(name)s » est trop volumineux (%(size)s) : %(max)s au plus par fichier.")
            % {"name": filename, "size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)},
            code="too_big",
        )
    if upload.size == 0:
        raise ValidationError(_("« %(name)s » est vide.") % {"name": filename}, code="empty")
    ext = os.path.splitext(filename)[1].lower()
    if ext not in ALLOWED_TYPES:
        raise ValidationError(
            _("« %(name)s » : type de fichier refusé. Types acceptés : %(types)s.")
            % {"name": filename, "types": ", ".join(sorted(e.lstrip(".") for e in ALLOWED_TYPES))},
            code="type",
        )
    content_type, matches = ALLOWED_TYPES[ext]
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if not matches(head):
        raise ValidationError(
            _("« %(name)s » : le contenu ne correspond pas à un fichier %(ext)s.") % {"name": filename, "ext": ext},
            code="content",
        )
    return CheckedFile(upload=upload, filename=filename, content_type=content_type, size=upload.size)


def attachment_response(attachment) -> FileResponse:  # noqa: ANN001
    """Always a download, with our own content type and a header-safe name."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
