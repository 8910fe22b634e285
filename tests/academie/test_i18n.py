"""French first: English only when the person chose it (language cookie), not from Accept-Language."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_signin_page_stays_french_with_an_english_browser(client):
    response = client.get("/connexion/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Connexion à la messagerie académique" in body
    assert "Sign in to academic mail" not in body


def test_signin_page_in_english_with_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/connexion/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Sign in to academic mail" in body
    assert "Academic identifier" in body


def test_signin_page_in_french_by_default(client):
    response = client.get("/connexion/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Connexion à la messagerie académique" in body
    assert "Sign in to academic mail" not in body
