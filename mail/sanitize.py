"""HTML and plain-text rendering of message bodies.

HTML goes through nh3 (Ammonia) with a strict allow-list; every URL rewrite (``cid:`` to the
app's part URL, remote images dropped until the reader allows them) happens *inside* the
sanitiser through its attribute filter: the output is never edited after sanitising.
The result is shown in a sandboxed iframe served with its own CSP (no script at all).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import nh3
from django.utils.html import escape

ALLOWED_TAGS = {
    "a", "abbr", "address", "b", "bdi", "bdo", "blockquote", "br", "caption", "center", "cite", "code",
    "col", "colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp",
    "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "tt", "u", "ul", "var",
}  # fmt: skip

# Removed with their content (the others are unwrapped, keeping the text).
CLEAN_CONTENT_TAGS = {"script", "style", "title", "head", "noscript", "template", "svg", "math", "object",
                      "embed", "iframe", "frame", "frameset", "applet", "select", "textarea", "button"}  # fmt: skip

_GENERIC = {"align", "dir", "lang", "title", "style", "valign", "width", "height"}
ALLOWED_ATTRIBUTES = {
    "*": _GENERIC,
    "a": {"href"},
    "img": {"src", "alt", "border", "hspace", "vspace"},
    "font": {"color", "face", "size"},
    "table": {"border", "cellpadding", "cellspacing", "bgcolor", "summary"},
    "td": {"colspan", "rowspan", "bgcolor", "nowrap"},
    "th": {"colspan", "rowspan", "bgcolor", "nowrap", "scope"},
    "tr": {"bgcolor"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "type"},
    "li": {"value"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
}

# CSS properties kept in style="" attributes: none of them can carry a URL, a position or an
# animation, so no url()/var()/expression()/@import trick survives (the property is dropped).
ALLOWED_STYLE_PROPERTIES = {
    "color", "background-color", "font", "font-family", "font-size", "font-style", "font-weight",
    "font-variant", "line-height", "letter-spacing", "word-spacing", "text-align", "text-decoration",
    "text-indent", "text-transform", "white-space", "vertical-align", "direction",
    "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border", "border-top", "border-right", "border-bottom", "border-left", "border-color",
    "border-style", "border-width", "border-collapse", "border-spacing", "border-radius",
    "width", "height", "max-width", "min-width", "max-height", "min-height",
    "display", "list-style-type", "table-layout", "caption-side", "empty-cells",
}  # fmt: skip

URL_SCHEMES = {"http", "https", "mailto", "cid"}


@dataclass
class SanitizedHtml:
    html: str
    blocked_images: int  # remote images removed because the reader has not allowed them
    remote_images: int


_CSS_DANGER = re.compile(r"(url\s*\(|expression\s*\(|@import|var\s*\(|\\|javascript:|behavior)", re.I)


def sanitize_html(
    html: str, *, allow_remote_images: bool, cid_url: Callable[[str], str | None] | None = None
) -> SanitizedHtml:
    """Sanitise an HTML message body for display in the sandboxed reading frame."""
    counters = {"blocked": 0, "remote": 0}

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if attr == "style":
            # Belt and braces on top of the property allow-list: drop any declaration that
            # could fetch, evaluate or escape (url(), var(), expression(), @import, escapes).
            kept = [decl for decl in value.split(";") if decl.strip() and not _CSS_DANGER.search(decl)]
            return "; ".join(kept) or None
        if tag == "img" and attr == "src":
            lowered = value.strip().lower()
            if lowered.startswith("cid:"):
                return cid_url(value.strip()[4:]) if cid_url else None
            if lowered.startswith(("http://", "https://", "//")):
                counters["remote"] += 1
                if not allow_remote_images:
                    counters["blocked"] += 1
                    return None
                return value if not lowered.startswith("//") else "https:" + value.strip()
            return None
        if attr in {"href", "cite"}:
            # Absolute web and mail links only: no cid:, no relative link into the portal.
            lowered = value.strip().lower()
            return value.strip() if lowered.startswith(("http://", "https://", "mailto:")) else None
        return value

    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=CLEAN_CONTENT_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=attribute_filter,
        strip_comments=True,
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        url_schemes=URL_SCHEMES,
        filter_style_properties=ALLOWED_STYLE_PROPERTIES,
    )
    return SanitizedHtml(html=cleaned, blocked_images=counters["blocked"], remote_images=counters["remote"])


_LINK = re.compile(
    r"(?P<url>(?:https?://|www\.)[^\s<>\"'()\[\]]+[^\s<>\"'()\[\].,;:!?])|(?P<mail>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)",
    re.I,
)


def linkify_text(text: str) -> str:
    """Escape plain text and turn http(s)/www URLs and e-mail addresses into links."""
    out = []
    last = 0
    for match in _LINK.finditer(text):
        out.append(escape(text[last : match.start()]))
        label = match.group(0)
        if match.group("url"):
            href = label if label.lower().startswith("http") else "https://" + label
            out.append(f'<a href="{escape(href)}" rel="noopener noreferrer" target="_blank">{escape(label)}</a>')
        else:
            out.append(f'<a href="mailto:{escape(label)}">{escape(label)}</a>')
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)
