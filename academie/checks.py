"""System checks of the portal, registered in ``AcademieConfig.ready()``."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_secret_key_not_default(app_configs, **kwargs):  # noqa: ANN001, ANN201
    if settings.SECRET_KEY.startswith("dev-insecure-key"):
        return [Error("SECRET_KEY is the development key.", id="academie.E001")]
    return []


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs, **kwargs):  # noqa: ANN001, ANN201
    backend = settings.CACHES["default"]["BACKEND"]
    if "locmem" in backend:
        return [Warning("Rate limits need a shared cache: set REDIS_URL.", id="academie.W001")]
    return []


@register(Tags.security)
def check_sign_in_protection(app_configs, **kwargs):  # noqa: ANN001, ANN201
    """The lockout only works if axes' backend comes first and locks by identifier (DESIGN §3)."""
    errors = []
    if not settings.AUTHENTICATION_BACKENDS or not settings.AUTHENTICATION_BACKENDS[0].startswith("axes.backends."):
        errors.append(Error("django-axes' backend must be first in AUTHENTICATION_BACKENDS.", id="academie.E002"))
    if "username" not in settings.AXES_LOCKOUT_PARAMETERS:
        errors.append(Error('AXES_LOCKOUT_PARAMETERS must lock the identifier ("username").', id="academie.E003"))
    return errors
