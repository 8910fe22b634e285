"""vCard 4.0 (RFC 6350) export of people and groups; only fields the viewer may see."""

from __future__ import annotations

from collections.abc import Iterable

from annuaire.models import DirectoryGroup, User
from annuaire.search import principal_assignment
from annuaire.selectors import PrivacyContext


def escape(value: str) -> str:
    """Text value escaping (RFC 6350 §3.4): backslash, comma, semicolon, newline."""
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold_line(line: str) -> str:
    """Lines longer than 75 octets are folded with CRLF + space, never inside a UTF-8 sequence."""
    out, current, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > 75:
            out.append(current)
            current, size = " ", 1
        current += ch
        size += n
    out.append(current)
    return "\r\n".join(out)


def _card(lines: list[str]) -> str:
    return "".join(fold_line(line) + "\r\n" for line in ["BEGIN:VCARD", "VERSION:4.0", *lines, "END:VCARD"])


def person_vcard(person: User, privacy: PrivacyContext) -> str:
    fields = privacy.fields(person)
    lines = [
        f"FN:{escape(person.display_name)}",
        f"N:{escape(person.last_name)};{escape(person.first_name)};;;",
        "KIND:individual",
        f"UID:urn:x-academie:annuaire:{escape(person.username)}",
    ]
    if fields.get("email"):
        lines.append(f"EMAIL;TYPE=work:{escape(fields['email'])}")
    if fields.get("office_phone"):
        lines.append(f"TEL;VALUE=text;TYPE=work,voice:{escape(fields['office_phone'])}")
    if fields.get("mobile_phone"):
        lines.append(f"TEL;VALUE=text;TYPE=cell:{escape(fields['mobile_phone'])}")
    a = principal_assignment(person)
    if a is not None:
        place = a.establishment.name if a.establishment else str(a.service)
        lines.append(f"ORG:{escape(place)}")
        lines.append(f"TITLE:{escape(a.function.name)}")
    return _card(lines)


def group_vcard(group: DirectoryGroup, members: Iterable[str]) -> str:
    lines = [
        f"FN:{escape(group.name)}",
        "KIND:group",
        f"UID:urn:x-academie:groupe:{group.pk}",
        f"EMAIL:{escape(group.address)}",
    ]
    lines += [f"MEMBER:mailto:{address}" for address in members]
    return _card(lines)


def people_vcards(people: Iterable[User], privacy: PrivacyContext) -> str:
    return "".join(person_vcard(p, privacy) for p in people)
