"""Reads for the sign-in flow, the security pages and the home page."""

from __future__ import annotations

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from academie.models import LoginEvent, RememberedBrowser, ServiceTile, SMSDevice, UserSession

HISTORY_LENGTH = 50


def is_identifier_locked(request: HttpRequest, username: str) -> bool:
    """Whether django-axes considers the (normalised) identifier locked."""
    return AxesProxyHandler.is_locked(request, {"username": username})


def confirmed_devices(user) -> list[Device]:  # noqa: ANN001
    return list(devices_for_user(user, confirmed=True))


def has_confirmed_device(user) -> bool:  # noqa: ANN001
    return bool(primary_devices(user))


def primary_devices(user) -> list[Device]:  # noqa: ANN001
    """Confirmed TOTP and SMS devices (backup codes alone do not count as an enrolment)."""
    return [
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *SMSDevice.objects.filter(user=user, confirmed=True),
    ]


def backup_device(user) -> StaticDevice | None:  # noqa: ANN001
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def device_for_user(user, persistent_id: str) -> Device | None:  # noqa: ANN001
    """The confirmed device of ``user`` with this persistent id, or None (never someone else's)."""
    if not isinstance(persistent_id, str) or len(persistent_id) > 255:
        return None
    device = Device.from_persistent_id(persistent_id)
    if device is None or device.user_id != user.pk or not device.confirmed:
        return None
    return device


def device_kind(device: Device) -> str:
    if isinstance(device, TOTPDevice):
        return "totp"
    if isinstance(device, SMSDevice):
        return "sms"
    if isinstance(device, StaticDevice):
        return "backup"
    return "other"


def code_failures_since_last_reset(user) -> int:  # noqa: ANN001
    """Wrong codes since the last successful sign-in or the last code lockout."""
    last_reset = (
        LoginEvent.objects.filter(
            user=user,
            result__in=[LoginEvent.Result.SUCCESS, LoginEvent.Result.REMEMBERED, LoginEvent.Result.CODE_LOCKED],
        )
        .order_by("-at", "-id")
        .values_list("id", flat=True)
        .first()
    )
    qs = LoginEvent.objects.filter(user=user, result=LoginEvent.Result.CODE_FAILED)
    if last_reset is not None:
        qs = qs.filter(id__gt=last_reset)
    return qs.count()


def login_history(user) -> QuerySet[LoginEvent]:  # noqa: ANN001
    return LoginEvent.objects.filter(user=user).order_by("-at", "-id")[:HISTORY_LENGTH]


def recent_sign_in_events(identifier: str, *, limit: int = 20) -> QuerySet[LoginEvent]:
    """Recent sign-in steps typed with this identifier (known account or not), for the helpdesk."""
    from annuaire.identifiers import normalize_identifier

    return LoginEvent.objects.filter(identifier=normalize_identifier(identifier)).order_by("-at", "-id")[:limit]


def active_sessions(user) -> QuerySet[UserSession]:  # noqa: ANN001
    """Tracked sessions whose Django session still exists and has not expired."""
    from django.contrib.sessions.models import Session

    live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    return UserSession.objects.filter(user=user, session_key__in=live).order_by("-last_activity")


def remembered_browsers(user) -> QuerySet[RememberedBrowser]:  # noqa: ANN001
    return RememberedBrowser.objects.filter(user=user, expires_at__gt=timezone.now())


def totp_qr_svg(device: TOTPDevice) -> str:
    """The provisioning URI of ``device`` as an inline SVG QR code (generated server-side)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, omitsize=True, title="QR code", svgclass="portal-qr"
    )


def totp_secret_base32(device: TOTPDevice) -> str:
    import base64

    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def tiles_for(user) -> QuerySet[ServiceTile]:  # noqa: ANN001
    """Active tiles without restriction, plus those restricted to one of the user's functions."""
    return (
        ServiceTile.objects.filter(active=True)
        .filter(Q(functions__isnull=True) | Q(functions__assignments__user=user))
        .distinct()
        .order_by("order", "name")
    )
