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
