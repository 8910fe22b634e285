from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from academie.health import run_checks
from academie.selectors import tiles_for


def home(request: HttpRequest) -> HttpResponse:
    from mail.selectors import unread_count

    return render(
        request,
        "academie/home.html",
        {"tiles": tiles_for(request.user), "unread_mail": unread_count(request.user)},
    )


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    checks = run_checks(settings.ACADEMIE_HEALTH_CHECKS)
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if ok else "degraded", "checks": checks}, status=200 if ok else 503)


def ratelimited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """French 429 page for django-ratelimit (``RATELIMIT_VIEW``)."""
    return render(request, "429.html", status=429)
