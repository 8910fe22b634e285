"""Portal middleware: client IP, session timeouts, verified-session requirement."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import urlencode
from django.utils.translation import gettext as _


def _parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _in_networks(ip, networks) -> bool:  # noqa: ANN001
    return ip is not None and any(ip in net for net in networks)


def resolve_client_ip(request: HttpRequest) -> str:
    """The client's IP. ``X-Forwarded-For`` is believed only when the peer is a configured proxy,
    and then only up to the first hop that is not itself a proxy (rightmost untrusted)."""
    remote = _parse_ip(request.META.get("REMOTE_ADDR", "") or "")
    if remote is None:
        return "0.0.0.0"  # noqa: S104 - not a bind address: "unknown client"
    proxies = settings.ACADEMIE_PROXY_NETWORKS
    if not proxies or not _in_networks(remote, proxies):
        return str(remote)
    hops = [h for h in (request.META.get("HTTP_X_FORWARDED_FOR", "") or "").split(",") if h.strip()]
    client = remote
    for hop in reversed(hops):
        ip = _parse_ip(hop)
        if ip is None:
            break
        client = ip
        if not _in_networks(ip, proxies):
            break
    return str(client)


def is_trusted_ip(ip: str) -> bool:
    return _in_networks(_parse_ip(ip), settings.ACADEMIE_TRUSTED_NETWORKS)


def client_ip(request: HttpRequest) -> str:
    ip = getattr(request, "client_ip", None)
    return ip if ip else resolve_client_ip(request)


def axes_client_ip(request: HttpRequest) -> str:
    """``AXES_CLIENT_IP_CALLABLE``."""
    return client_ip(request)


def ratelimit_ip(request: HttpRequest) -> str:
    """``RATELIMIT_IP_META_KEY``: the same client IP for django-ratelimit."""
    return client_ip(request)


class ClientIPMiddleware:
    """Sets ``request.client_ip`` and ``request.client_ip_trusted`` once per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.client_ip = resolve_client_ip(request)
        request.client_ip_trusted = is_trusted_ip(request.client_ip)
        return self.get_response(request)


SESSION_STARTED_KEY = "_academie_started"
SESSION_LAST_SEEN_KEY = "_academie_last_seen"
LAST_SEEN_GRANULARITY = 30  # seconds; the idle timeout is 30 minutes


class SessionTimeoutMiddleware:
    """Idle timeout and absolute lifetime of a signed-in session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            started = request.session.get(SESSION_STARTED_KEY)
            last_seen = request.session.get(SESSION_LAST_SEEN_KEY)
            if started is None:
                request.session[SESSION_STARTED_KEY] = started = now
            expired = (last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT) or (
                now - started > settings.SESSION_ABSOLUTE_TIMEOUT
            )
            if expired:
                logout(request)
                # MessageMiddleware runs after this one: the sign-in page shows the notice instead.
                return HttpResponseRedirect(f"{settings.LOGIN_URL}?{urlencode({'expiree': '1'})}")
            # Write the session back at most every LAST_SEEN_GRANULARITY seconds, not on every request.
            if last_seen is None or now - last_seen >= LAST_SEEN_GRANULARITY:
                request.session[SESSION_LAST_SEEN_KEY] = now
        return self.get_response(request)


PUBLIC_PREFIXES = (
    "/connexion/",
    "/deconnexion/",
    "/assistance/",
    "/sante/",
    "/static/",
    "/i18n/",
    "/favicon.ico",
    "/robots.txt",
)
# Reached with a password-verified but not yet code-verified session (second step, enrolment).
SECOND_STEP_URL = "/connexion/code/"
# Where a user whose password must change is sent until it is changed.
PASSWORD_CHANGE_URL = "/securite/mot-de-passe/"


class VerifiedSessionRequiredMiddleware:
    """Every page except sign-in, the help form and health needs a session verified by a second
    factor (django-otp). The Django admin too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(PUBLIC_PREFIXES):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return HttpResponseRedirect(f"{settings.LOGIN_URL}?{urlencode({'next': request.get_full_path()})}")
        if not user.is_verified():
            return HttpResponseRedirect(SECOND_STEP_URL)
        from academie.services import track_session

        track_session(request=request)  # "Mes sessions": create or refresh the tracked row
        if user.must_change_password and path != PASSWORD_CHANGE_URL:
            messages.warning(
                request, _("Vous devez choisir un nouveau mot de passe avant de continuer."), fail_silently=True
            )
            return HttpResponseRedirect(PASSWORD_CHANGE_URL)
        return self.get_response(request)


class PortalLocaleMiddleware:
    """French first: the portal speaks French unless the person chose another language with the
    header's language button (Django's language cookie). The browser's Accept-Language is not
    followed, so a teacher whose browser is set to English still gets the académie's French UI
    until they choose English."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.utils import translation
        from django.utils.cache import patch_vary_headers

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        # override() restores the previous language afterwards, so nothing leaks between requests
        # (or into code that runs outside a request in the same thread).
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        patch_vary_headers(response, ("Cookie",))
        return response
