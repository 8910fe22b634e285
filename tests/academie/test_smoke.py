import pytest


@pytest.mark.django_db
def test_health_reports_database_and_cache(client):
    response = client.get("/sante/")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["database"]["detail"] == "postgresql"
    assert body["checks"]["cache"]["ok"] is True


@pytest.mark.django_db
def test_home_requires_verified_session(client, user):
    assert client.get("/").status_code == 302
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/connexion/code/"


def test_verified_client_reaches_home(verified_client):
    response = verified_client.get("/")
    assert response.status_code == 200
    assert "Bonjour Jeanne Dupont" in response.content.decode()


def test_french_first_whatever_the_browser_language(client, db):
    response = client.get("/connexion/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "fr-fr"
    assert "Identifiant académique" in response.content.decode()


def test_english_when_chosen_with_the_language_button(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/connexion/"})
    assert response.status_code == 302
    response = client.get("/connexion/")
    assert response["Content-Language"] == "en"
    # the header offers the way back to French
    assert 'value="fr" lang="fr">Français</button>' in response.content.decode()
