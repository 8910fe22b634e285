"""Accent- and case-folding of names for search ("Hélène" → "helene", "Saint-Dié" → "saint die").

The same function folds what is indexed and what is typed, in Python, so SQLite and PostgreSQL
behave alike (no dependency on ``unaccent`` at query time).
"""

from __future__ import annotations

import re
import unicodedata

_LIGATURES = str.maketrans(
    {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l"}
)
_NON_WORD = re.compile(r"[^a-z0-9]+")
MAX_TOKEN_LENGTH = 64

# Abbreviations typed by staff, indexed as extra tokens so that "st die" finds "Saint-Dié".
ALIASES = {
    "saint": ("st",),
    "sainte": ("ste",),
    "saints": ("sts",),
    "saintes": ("stes",),
    "lycee": ("lyc",),
    "college": ("clg",),
    "professionnel": ("pro",),
    "elementaire": ("elem",),
}


def fold(value: object) -> str:
    """Lower case, no accents, no punctuation: words separated by one space."""
    if not isinstance(value, str) or not value:
        return ""
    text = unicodedata.normalize("NFKD", value.translate(_LIGATURES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower().translate(_LIGATURES)
    return " ".join(_NON_WORD.split(text)).strip()


def tokens(value: object) -> list[str]:
    """The folded words of ``value``, in order (duplicates kept)."""
    return [t[:MAX_TOKEN_LENGTH] for t in fold(value).split() if t]


def query_tokens(value: object, *, limit: int = 6) -> list[str]:
    """Distinct folded words of a typed query, longest first is NOT applied here (order kept)."""
    seen: list[str] = []
    for tok in tokens(value):
        if tok not in seen:
            seen.append(tok)
    return seen[:limit]


def with_aliases(words: list[str]) -> list[str]:
    out: list[str] = []
    for w in words:
        out.append(w)
        out.extend(ALIASES.get(w, ()))
    return out


def prefix_upper_bound(prefix: str) -> str:
    """Smallest string greater than every string starting with ``prefix`` (C collation, ASCII)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
