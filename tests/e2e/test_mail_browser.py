"""Real browser (Playwright + Debian chromium) on the webmail, against the real Dovecot.

A recording HTTP server on loopback stands in for the Internet: Chromium maps the fake host
``attacker.invalid`` to it, so any remote load (even from the sandboxed frame) is recorded.
"""

from __future__ import annotations

import http.server
import os
import threading
import uuid

import pytest

from tests.conftest import verify_client
from tests.mail.conftest import make_message
from tests.mail.devstack import configure_settings

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.imap]

HOSTILE_HTML = """<html><head><script>document.title = "PIRATE"; fetch("http://attacker.invalid/script-ran");</script>
<style>@import url(http://attacker.invalid/import.css); body { background: url(http://attacker.invalid/bg.png) }</style></head>
<body><h2 id="titre">Lettre d'information de la DANE</h2>
<p onclick="alert(1)" style="position:fixed;top:0;background:url(http://attacker.invalid/inline.png)">Bonjour à toutes et à tous.</p>
<img src="http://attacker.invalid/pixel.gif" alt="pixel" onerror="fetch('http://attacker.invalid/onerror')">
<svg><animate attributeName="href" to="javascript:alert(1)"/><image href="http://attacker.invalid/svg.png"/></svg>
<iframe src="http://attacker.invalid/frame"></iframe><object data="http://attacker.invalid/object"></object>
<link rel="stylesheet" href="http://attacker.invalid/link.css"><meta http-equiv="refresh" content="0;url=http://attacker.invalid/refresh">
<a href="javascript:fetch('http://attacker.invalid/click')">lien piégé</a></body></html>"""


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).hits.append(self.path)
        body = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # noqa: ANN002
        pass


@pytest.fixture
def recorder():
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser_page(recorder):
    from playwright.sync_api import sync_playwright

    port = recorder.server_address[1]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
                f"--host-resolver-rules=MAP attacker.invalid 127.0.0.1:{port}",
            ],
        )  # fmt: skip
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        yield page
        context.close()
        browser.close()


@pytest.fixture
def e2e_user(transactional_db, make_user, client, settings, live_server):
    """A fresh user and a verified session, created before the browser starts: Playwright's
    sync API runs an event loop, and ORM calls made inside it would open a connection in
    another context that nobody closes (it then blocks the test database's teardown)."""
    configure_settings(settings)
    user = make_user(f"e{uuid.uuid4().hex[:12]}")
    verify_client(client, user)
    return user, client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def signed_in(e2e_user, browser_page, live_server, settings):
    """The browser carries the user's session cookie; ``box`` is the user's real mailbox."""
    from mail import imap

    user, cookie = e2e_user
    browser_page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    box = imap.connect(user.username)
    yield browser_page, box, live_server.url
    box.close()


def test_read_hostile_html_no_script_no_remote_load_until_images_allowed(signed_in, recorder):
    page, box, base = signed_in
    box.append("INBOX", make_message("Message ordinaire"))
    box.append("INBOX", make_message("Lettre d'information DANE", "Version texte", html=HOSTILE_HTML))

    page.goto(f"{base}/messagerie/")
    assert page.locator("h1").first.inner_text().startswith("Boîte de réception")
    page.get_by_role("link", name="Lettre d'information DANE").click()
    page.wait_for_selector("iframe.mail-body-frame")
    frame = page.frame_locator("iframe.mail-body-frame")
    frame.locator("#titre, h2").first.wait_for()
    assert "Bonjour à toutes et à tous." in frame.locator("body").inner_text()
    page.wait_for_timeout(500)  # give any stray load a chance to happen
    assert recorder.RequestHandlerClass.hits == []
    assert "PIRATE" not in page.title()
    assert frame.locator("script").count() == 0
    # Nothing from the message overlays the portal: the frame keeps its box.
    assert page.locator("header.fr-header").is_visible()

    page.get_by_role("link", name="Afficher les images").click()
    page.frame_locator("iframe.mail-body-frame").locator("img").first.wait_for()
    page.wait_for_timeout(500)
    hits = recorder.RequestHandlerClass.hits
    assert "/pixel.gif" in hits
    assert not [h for h in hits if h != "/pixel.gif"], hits  # images only: no script, CSS, frame or SVG load
    assert "PIRATE" not in page.title()


def test_move_by_select_and_by_drag_and_drop_then_search(signed_in):
    page, box, base = signed_in
    box.create_folder("Conseils")
    box.append("INBOX", make_message("Procès-verbal du conseil"))
    box.append("INBOX", make_message("Convocation jury"))
    box.append("INBOX", make_message("Emploi du temps"))

    page.goto(f"{base}/messagerie/")
    row = page.locator("tr.mail-row", has_text="Procès-verbal du conseil")
    row.locator("input[name=uid]").check()
    page.locator("#mail-target").select_option("Conseils")
    page.get_by_role("button", name="Déplacer", exact=True).click()
    page.wait_for_load_state()
    assert "1 message(s) déplacé(s)." in page.content()
    assert page.locator("tr.mail-row", has_text="Procès-verbal du conseil").count() == 0

    # Drag and drop (static JS file): drag a row onto the folder in the tree.
    page.locator("tr.mail-row", has_text="Convocation jury").drag_to(
        page.locator('li.mail-folder[data-folder="Conseils"]')
    )
    page.wait_for_selector("text=1 message(s) déplacé(s).")
    assert box.status("Conseils").messages == 2
    assert box.status("INBOX").messages == 1

    # Search from the quick box, in all folders.
    page.goto(f"{base}/messagerie/recherche/?f=INBOX&objet=jury&portee=tout")
    assert page.locator("tr.mail-row").count() == 1
    assert "Convocation jury" in page.locator("tr.mail-row").inner_text()
    page.goto(f"{base}/messagerie/")
    page.fill("#mail-q", "Emploi")
    page.press("#mail-q", "Enter")
    page.wait_for_selector("text=1 résultat")
    assert "Emploi du temps" in page.locator("tr.mail-row").inner_text()


def test_keyboard_shortcuts_and_phone_layout(signed_in):
    page, box, base = signed_in
    box.append("INBOX", make_message("Plus ancien"))
    box.append("INBOX", make_message("Plus récent"))
    page.goto(f"{base}/messagerie/")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1.mail-subject")
    assert page.locator("h1.mail-subject").inner_text() == "Plus ancien"
    page.keyboard.press("k")
    page.wait_for_selector("h1.mail-subject:has-text('Plus récent')")
    page.keyboard.press("?")
    assert page.locator("#mail-help").is_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("Delete")
    page.wait_for_selector("text=placé(s) dans la corbeille")
    assert box.status("Trash").messages == 1

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/messagerie/")
    sidebar = page.locator(".mail-sidebar").bounding_box()
    content = page.locator(".mail-content").bounding_box()
    assert content["y"] > sidebar["y"]  # one column: folders above the list
    page.locator("tr.mail-row").first.locator("a.mail-open").click()
    page.wait_for_selector("h1.mail-subject")
    assert not page.locator(".mail-sidebar").is_visible()  # reading: the message alone
