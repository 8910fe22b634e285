"""Real browser (Debian chromium through Playwright): two-step sign-in, lockout."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.e2e.conftest import CHROMIUM_ARGS, CHROMIUM_PATH

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.csp_errors = errors
        yield page
        # The test body ran while Playwright's event loop was set: Django opened a connection in that
        # context; close it here, in the same context, or the test database cannot be dropped.
        from django.db import connections

        connections.close_all()
        context.close()
        browser.close()


def _code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_sign_in_with_password_and_totp_reaches_home(live_server, page, make_user, password):
    user = make_user("jdupont", first_name="Jeanne", last_name="Dupont")
    device = TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=True)
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant académique").fill("JDupont ")
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server.url}/connexion/code/")
    page.get_by_label("Code à usage unique").fill(_code(device))
    page.get_by_role("button", name="Valider").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Bonjour Jeanne Dupont"
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]


def test_three_wrong_passwords_show_the_lockout_page_and_lock_the_right_one(live_server, page, make_user, password):
    user = make_user("jdupont")
    TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=True)
    page.goto(f"{live_server.url}/connexion/")
    for attempt in range(3):
        page.get_by_label("Identifiant académique").fill("jdupont")
        page.get_by_label("Mot de passe").fill(f"mauvais-{attempt}")
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()
    page.wait_for_url(f"{live_server.url}/connexion/verrouille/")
    assert "Votre compte est verrouillé" in page.content()
    link = page.get_by_role("link", name="Contacter l'assistance (compte bloqué)")
    assert link.get_attribute("href") == "/assistance/nouveau/?categorie=compte-bloque"
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant académique").fill("jdupont")
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server.url}/connexion/verrouille/")
    assert "Votre compte est verrouillé" in page.content()


def test_first_sign_in_enrols_with_the_qr_code_and_shows_backup_codes(live_server, page, make_user, password):
    make_user("ckieffer", first_name="Camille", last_name="Kieffer")
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant académique").fill("ckieffer")
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server.url}/connexion/enrolement/")
    qr = page.locator(".portal-qr-box svg")
    box = qr.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100  # the server-side SVG is rendered
    device = TOTPDevice.objects.get(user__username="ckieffer", confirmed=False)
    page.get_by_label("Code affiché par l'application").fill(_code(device))
    page.get_by_role("button", name="Activer", exact=True).click()
    page.wait_for_load_state()
    codes = page.locator(".portal-backup-codes li")
    assert codes.count() == 10
    page.get_by_role("link", name="J'ai noté mes codes, continuer").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Bonjour Camille Kieffer"
