"""Real browser (Debian chromium through Playwright): a locked-out teacher gets back in through the
helpdesk.

``test_lockout_to_unlock_to_sign_in`` follows the whole story and needs the sign-in pages
(/connexion/, /connexion/code/, /connexion/verrouille/); it is skipped while /connexion/ answers
404 (helpdesk branch before the sign-in work is merged). ``test_public_ticket_then_agent_unlocks``
covers the helpdesk half on its own, with a real django-axes lockout.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory

from tests.e2e.conftest import CHROMIUM_ARGS, CHROMIUM_PATH

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Correct-Horse-Battery-42"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def world(transactional_db, tmp_path, settings):
    """A teacher with a TOTP app, her establishment in the annuaire, and a helpdesk agent."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from annuaire.models import Assignment, Establishment, Function, User
    from helpdesk.defaults import AGENT_GROUP
    from helpdesk.demo import ensure_reference_data

    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_reference_data()  # transactional tests flush the data migrations' rows
    est = Establishment.objects.create(
        uai="0540038Y", name="Lycée Henri Poincaré", kind="lycee", department="54", phone="03 83 36 75 42"
    )
    function = Function.objects.create(code="ens-2d", name="Enseignant du second degré")
    teacher = User.objects.create_user(
        "jdupont", password=PASSWORD, first_name="Jeanne", last_name="Dupont", email="jeanne.dupont@ac-nancy-metz.fr"
    )
    Assignment.objects.create(user=teacher, function=function, establishment=est, principal=True)
    device = TOTPDevice.objects.create(user=teacher, name="Téléphone", confirmed=True)
    agent = User.objects.create_user("agent.assistance", password=PASSWORD, first_name="Aurélie", last_name="Thiriet")
    agent.groups.add(Group.objects.get(name=AGENT_GROUP))
    return {"teacher": teacher, "device": device, "agent": agent}


def _agent_context(browser, live_server, agent):
    """The agent's browser, signed in by copying a verified session cookie."""
    from tests.conftest import verify_client

    django_client = verify_client(Client(), agent)
    context = browser.new_context(locale="fr-FR")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": django_client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context


def _fill_public_form(page) -> None:
    page.fill("input[name=identifier]", "JDupont")
    page.fill("input[name=contact_name]", "Jeanne Dupont")
    page.fill("input[name=contact_email]", "jeanne.dupont@ac-nancy-metz.fr")
    page.fill("input[name=contact_phone]", "03 83 36 75 42")
    page.fill("input[name=subject]", "Compte bloqué")
    page.fill("textarea[name=description]", "Je me suis trompée trois fois de mot de passe ce matin.")
    page.click("#helpdesk-new button[type=submit]")
    page.wait_for_url(re.compile(r"/assistance/suivi/[^/]+/$"))


def _agent_unlocks(browser, live_server, agent, number: str) -> None:
    context = _agent_context(browser, live_server, agent)
    page = context.new_page()
    page.goto(f"{live_server.url}/assistance/console/comptes-verrouilles/")
    assert "jdupont" in page.inner_text("#lockouts")
    page.click(f"#lockouts a:has-text('{number}')")
    page.wait_for_url(re.compile(rf"/assistance/console/tickets/{number}/$"))
    assert "Oui" in page.text_content("#account-locked")
    page.fill("#unlock-form textarea[name=unlock-comment]", "Identité vérifiée par rappel du lycée Henri Poincaré")
    page.check("#unlock-form input[name=unlock-identity_checked]", force=True)
    page.click("#unlock-form button[type=submit]")
    success = page.locator(".fr-alert--success")
    success.wait_for()
    assert "Compte déverrouillé." in success.inner_text()
    assert "Non" in page.text_content("#account-locked")
    context.close()


def _totp_code(device) -> str:
    from django_otp.oath import totp

    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def test_public_ticket_then_agent_unlocks(browser, live_server, world):
    from helpdesk import selectors
    from helpdesk.models import AuditEntry, Ticket

    factory = RequestFactory()
    for _ in range(3):
        request = factory.post("/connexion/", {"username": "jdupont"}, REMOTE_ADDR="203.0.113.9")
        authenticate(request=request, username="jdupont", password="mauvais")
    assert selectors.is_locked("jdupont")

    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server.url}/assistance/nouveau/?categorie=compte-bloque")
    assert page.input_value("select[name=category]") == "compte-bloque"
    box = page.locator(".helpdesk-hp").bounding_box()
    assert box["x"] + box["width"] <= 0  # honeypot off-screen for people (CSS file loaded under the CSP)
    _fill_public_form(page)
    ticket = Ticket.objects.get()
    assert ticket.number in page.inner_text("h1")
    status_link = page.inner_text("#status-link")
    context.close()

    _agent_unlocks(browser, live_server, world["agent"], ticket.number)
    assert not selectors.is_locked("jdupont")
    entry = AuditEntry.objects.get(action="unlock")
    assert entry.result == "succes" and entry.ticket == ticket and "03 83 36 75 42" in entry.identity_check

    # the requester follows the ticket from a fresh browser through the private link
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(status_link)
    assert ticket.number in page.inner_text("h1")
    assert "Compte déverrouillé" not in page.content()  # internal event, not shown to the requester
    context.close()


def test_lockout_to_unlock_to_sign_in(browser, live_server, world):
    """Three wrong passwords → lockout page → public ticket → agent unlocks with a comment → the
    teacher signs in with the right password and her TOTP code."""
    from helpdesk import selectors
    from helpdesk.models import Ticket

    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    for _ in range(3):
        page.goto(f"{live_server.url}/connexion/")
        page.fill("input[name=username]", "jdupont")
        page.fill("input[name=password]", "Mauvais-mot-de-passe-1")
        page.press("input[name=password]", "Enter")
        page.wait_for_load_state()
    page.wait_for_url(re.compile(r"/connexion/verrouille/"))
    assert selectors.is_locked("jdupont")

    page.click("a[href*='/assistance/nouveau/']")
    page.wait_for_url(re.compile(r"/assistance/nouveau/"))
    assert page.input_value("select[name=category]") == "compte-bloque"
    _fill_public_form(page)
    ticket = Ticket.objects.get()

    _agent_unlocks(browser, live_server, world["agent"], ticket.number)
    assert not selectors.is_locked("jdupont")

    page.goto(f"{live_server.url}/connexion/")
    page.fill("input[name=username]", "jdupont")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r"/connexion/code/"))
    page.fill("input[name=otp_token]", _totp_code(world["device"]))
    page.press("input[name=otp_token]", "Enter")
    page.wait_for_url(lambda url: "/connexion/" not in url)
    assert "/connexion/" not in page.url
    context.close()
