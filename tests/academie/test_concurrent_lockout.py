"""Twenty concurrent wrong-password POSTs for one identifier against the live (threaded) server."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from axes.models import AccessAttempt


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None


def _browser():  # noqa: ANN202
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())


def _post_login(base: str, username: str, password: str) -> tuple[int, str]:
    opener = _browser()
    page = opener.open(f"{base}/connexion/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password}).encode()
    request = urllib.request.Request(f"{base}/connexion/", data=body, headers={"Referer": f"{base}/connexion/"})
    try:
        response = opener.open(request, timeout=60)
        return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_wrong_passwords_leave_the_identifier_locked(live_server, make_user, password, settings):
    settings.ACADEMIE_RATELIMITS = {g: {"ip": "1000/m", "identifier": "1000/m"} for g in ("login", "code", "reset")}
    make_user("jdupont")
    spellings = ["jdupont", "JDupont ", "ＪＤＵＰＯＮＴ", "JDUPONT"]
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda i: _post_login(live_server.url, spellings[i % 4], f"faux-{i}"), range(20)))
    assert all(status in (200, 302) for status, _location in results), results  # never a 500
    assert sum(a.failures_since_start for a in AccessAttempt.objects.filter(username="jdupont")) >= 3
    status, location = _post_login(live_server.url, "jdupont", password)
    assert status == 302 and location == "/connexion/verrouille/"
