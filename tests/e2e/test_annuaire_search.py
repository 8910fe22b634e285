"""Real browser: search a colleague as you type, open the card; the same without JavaScript."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.e2e.conftest import CHROMIUM_ARGS, CHROMIUM_PATH

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def colleagues(transactional_db):
    from annuaire.models import Assignment, Establishment, Function, User

    lycee = Establishment.objects.create(uai="0540038Y", name="Lycée Henri Poincaré", kind="lycee", commune="Nancy")
    fabert = Establishment.objects.create(uai="0570054Z", name="Lycée Fabert", kind="lycee", commune="Metz")
    chef = Function.objects.create(code="chef", name="Chef d'établissement")
    ens = Function.objects.create(code="ens-2d", name="Enseignant du second degré")
    people = [
        ("jdupont", "Jeanne", "Dupont", ens, lycee),
        ("hlefebvre", "Hélène", "Lefèbvre", chef, lycee),
        ("mmartin2", "Marc", "Martin", ens, fabert),
    ]
    users = {}
    for username, first, last, fn, est in people:
        users[username] = User.objects.create(
            username=username, first_name=first, last_name=last, email=f"{username}@ac-nancy-metz.fr", password="!"
        )
        Assignment.objects.create(user=users[username], function=fn, establishment=est, principal=True)
    return users


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        yield b
        b.close()


def signed_in_context(browser, live_server, user, **options):
    from tests.conftest import verify_client

    client = verify_client(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", **options)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    return context


def test_search_a_colleague_as_you_type_and_open_the_card(browser, live_server, colleagues):
    context = signed_in_context(browser, live_server, colleagues["jdupont"])
    page = context.new_page()
    errors = []  # our script's errors and CSP violations (the shared layout's own noise is not ours to judge)
    page.on("pageerror", lambda exc: errors.append(exc.stack) if "/static/annuaire/" in (exc.stack or "") else None)
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" and "Content Security Policy" in msg.text else None,
    )
    page.goto("/annuaire/")
    page.fill("#annuaire-q", "helene")  # no accent, lower case; no submit: results come as you type
    link = page.locator("#annuaire-results a", has_text="Hélène Lefèbvre")
    link.wait_for(timeout=10_000)
    assert "helene" in page.url  # the address follows the query (shareable, back button)
    assert "Chef d'établissement" in page.locator("#annuaire-results").inner_text()
    link.click()
    page.wait_for_url("**/annuaire/personne/hlefebvre/")
    assert page.locator("#person-name").inner_text() == "Hélène Lefèbvre"
    assert "hlefebvre@ac-nancy-metz.fr" in page.content()
    assert errors == [], errors
    context.close()


def test_search_works_without_javascript(browser, live_server, colleagues):
    context = signed_in_context(browser, live_server, colleagues["jdupont"], java_script_enabled=False)
    page = context.new_page()
    page.goto("/annuaire/")
    page.fill("#annuaire-q", "martin")
    page.press("#annuaire-q", "Enter")
    page.wait_for_url("**/annuaire/?q=martin*")
    page.click("text=Marc Martin")
    page.wait_for_url("**/annuaire/personne/mmartin2/")
    assert "Lycée Fabert" in page.locator("main").inner_text()
    context.close()
