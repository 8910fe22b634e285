"""State changes of the sign-in flow and of the "my security" pages.

Views call one of these functions; each takes keyword-only arguments.
"""

from __future__ import annotations

import enum
import hashlib
import ipaddress
import logging
import secrets
import time
from datetime import timedelta

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt, AccessFailureLog
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import authenticate, get_user_model, login, logout, update_session_auth_hash
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.backends.db import SessionStore
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from academie import selectors
from academie.middleware import client_ip
from academie.models import KnownNetwork, LoginEvent, RememberedBrowser, SMSDevice, UserSession
from annuaire.identifiers import MAX_IDENTIFIER_LENGTH, normalize_identifier

logger = logging.getLogger(__name__)

REMEMBER_COOKIE_SALT = "academie.remembered-browser"
BACKUP_CODE_COUNT = 10


class PasswordOutcome(enum.Enum):
    FAILED = "failed"
    LOCKED = "locked"
    NEEDS_ENROLMENT = "needs_enrolment"
    NEEDS_CODE = "needs_code"
    SIGNED_IN = "signed_in"  # second factor satisfied by a remembered browser


class CodeOutcome(enum.Enum):
    SUCCESS = "success"
    FAILED = "failed"
    THROTTLED = "throttled"
    LOCKED = "locked"


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def _user_agent(request: HttpRequest) -> str:
    return (request.META.get("HTTP_USER_AGENT", "") or "")[:255]


def _trusted(request: HttpRequest) -> bool:
    return bool(getattr(request, "client_ip_trusted", False))


def record_event(*, request: HttpRequest, identifier: str, user, result: str) -> LoginEvent:  # noqa: ANN001
    return LoginEvent.objects.create(
        user=user,
        identifier=identifier[:MAX_IDENTIFIER_LENGTH],
        ip=client_ip(request),
        trusted_network=_trusted(request),
        result=result,
        user_agent=_user_agent(request),
    )


def network_prefix(ip: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) network of ``ip``: what "a network not seen before" means."""
    address = ipaddress.ip_address(ip)
    length = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{length}", strict=False))


# ---------------------------------------------------------------------------
# Step 1: password
# ---------------------------------------------------------------------------
def sign_in_with_password(*, request: HttpRequest, identifier: str, password: str) -> PasswordOutcome:
    """Check the password (through django-axes), open a password-only session and say what comes next."""
    identifier = normalize_identifier(identifier)[:MAX_IDENTIFIER_LENGTH]
    user = authenticate(request=request, username=identifier, password=password)
    if getattr(request, "axes_locked_out", False):
        known = get_user_model().objects.filter(username=identifier).first()
        record_event(request=request, identifier=identifier, user=known, result=LoginEvent.Result.LOCKED)
        return PasswordOutcome.LOCKED
    if user is None:
        known = get_user_model().objects.filter(username=identifier).first()
        record_event(request=request, identifier=identifier, user=known, result=LoginEvent.Result.PASSWORD_FAILED)
        return PasswordOutcome.FAILED
    login(request, user)
    record_event(request=request, identifier=identifier, user=user, result=LoginEvent.Result.PASSWORD_OK)
    device = remembered_device(request=request, user=user)
    if device is not None:
        complete_sign_in(request=request, device=device, result=LoginEvent.Result.REMEMBERED)
        return PasswordOutcome.SIGNED_IN
    if not selectors.has_confirmed_device(user):
        return PasswordOutcome.NEEDS_ENROLMENT
    return PasswordOutcome.NEEDS_CODE


# ---------------------------------------------------------------------------
# Step 2: one-time code
# ---------------------------------------------------------------------------
def verify_code(*, request: HttpRequest, device: Device, token: str) -> CodeOutcome:
    """Verify ``token`` against the one device the user chose (never ``match_token``: it throttles
    every device of the user). Five wrong codes in a row lock the identifier."""
    user = request.user
    if selectors.is_identifier_locked(request, user.username):
        logout(request)
        return CodeOutcome.LOCKED
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        return CodeOutcome.THROTTLED
    if device.verify_token(token):
        return CodeOutcome.SUCCESS
    if record_code_failure(request=request, user=user):
        logout(request)
        return CodeOutcome.LOCKED
    return CodeOutcome.FAILED


def record_code_failure(*, request: HttpRequest, user) -> bool:  # noqa: ANN001
    """Record a wrong code; lock the identifier when the limit is reached. Returns True when locked."""
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()  # serialise concurrent failures
        record_event(request=request, identifier=user.username, user=user, result=LoginEvent.Result.CODE_FAILED)
        failures = selectors.code_failures_since_last_reset(user)
        if failures < settings.ACADEMIE_OTP_FAILURE_LIMIT:
            return False
        lock_identifier(request=request, username=user.username, reason="otp")
        record_event(request=request, identifier=user.username, user=user, result=LoginEvent.Result.CODE_LOCKED)
    return True


def lock_identifier(*, request: HttpRequest, username: str, reason: str) -> None:
    """Lock ``username`` as django-axes would, so that an axes reset (helpdesk or admin) unlocks it."""
    AxesProxyHandler.update_request(request)
    limit = get_failure_limit(request, {"username": username})
    now = timezone.now()
    marker = f"[{reason}] {_user_agent(request)}"[:255]
    attempt, created = AccessAttempt.objects.get_or_create(
        username=username,
        ip_address=client_ip(request),
        user_agent=marker,
        defaults={
            "get_data": "",
            "post_data": "",
            "http_accept": (request.META.get("HTTP_ACCEPT", "") or "")[:1025],
            "path_info": request.path[:255],
            "failures_since_start": limit,
            "attempt_time": now,
        },
    )
    if not created:
        AccessAttempt.objects.filter(pk=attempt.pk).update(failures_since_start=limit, attempt_time=now)
    AccessFailureLog.objects.create(
        username=username,
        ip_address=client_ip(request),
        user_agent=marker,
        http_accept=(request.META.get("HTTP_ACCEPT", "") or "")[:1025],
        path_info=request.path[:255],
        attempt_time=now,
        locked_out=True,
    )
    user_locked_out.send("axes", request=request, username=username, ip_address=client_ip(request))


SMS_RESEND_SECONDS = 60


def send_sms_code(*, device: SMSDevice) -> str:
    """Send a fresh code by SMS; returns the message to show. At most one SMS a minute per device
    (SMS cost money and can be used to harass). Raises ``academie.sms.SMSError``."""
    if device.token and device.valid_until:
        sent_at = device.valid_until - timedelta(seconds=settings.ACADEMIE_SMS_CODE_VALIDITY)
        if timezone.now() - sent_at < timedelta(seconds=SMS_RESEND_SECONDS):
            return _("Un code vient d'être envoyé par SMS ; attendez une minute avant d'en demander un autre.")
    return device.generate_challenge()


def complete_sign_in(*, request: HttpRequest, device: Device, result: str = LoginEvent.Result.SUCCESS) -> None:
    """Mark the session verified by ``device``, change the session key, track the session, alert
    on a new network."""
    user = request.user
    django_otp.login(request, device)
    request.session.cycle_key()  # a brand-new key: register it directly
    _forget_dead_sessions(user)
    UserSession.objects.create(
        session_key=request.session.session_key,
        user=user,
        ip=client_ip(request),
        trusted_network=_trusted(request),
        user_agent=_user_agent(request),
    )
    record_event(request=request, identifier=user.username, user=user, result=result)
    note_network(request=request, user=user)


def note_network(*, request: HttpRequest, user) -> bool:  # noqa: ANN001
    """Remember the sign-in network; outside trusted networks, e-mail the user about a new one."""
    ip = client_ip(request)
    try:
        prefix = network_prefix(ip)
    except ValueError:
        return False
    network, created = KnownNetwork.objects.get_or_create(user=user, prefix=prefix)
    if not created:
        KnownNetwork.objects.filter(pk=network.pk).update(last_seen=timezone.now())
        return False
    if _trusted(request) or not user.email:
        return False
    context = {"user": user, "ip": ip, "prefix": prefix, "at": timezone.localtime(), "agent": _user_agent(request)}
    try:
        send_mail(
            _("Nouvelle connexion à votre messagerie académique"),
            render_to_string("academie/email/new_network.txt", context),
            None,
            [user.email],
        )
    except Exception:  # noqa: BLE001 - an alert that cannot be sent must not block the sign-in
        logger.exception("Could not send the new-network alert to %s", user.username)
    return True


# ---------------------------------------------------------------------------
# Remembered browsers (trusted networks only)
# ---------------------------------------------------------------------------
def remember_browser(*, request: HttpRequest, device: Device) -> str | None:
    """Create a remembered browser and return the signed cookie value (None outside trusted networks)."""
    if not _trusted(request):
        return None
    token = secrets.token_urlsafe(32)
    RememberedBrowser.objects.create(
        user=request.user,
        token=token,
        device_persistent_id=device.persistent_id,
        ip=client_ip(request),
        user_agent=_user_agent(request),
        expires_at=timezone.now() + timedelta(days=settings.ACADEMIE_REMEMBER_BROWSER_DAYS),
    )
    return signing.dumps({"u": request.user.pk, "t": token}, salt=REMEMBER_COOKIE_SALT, compress=True)


def remembered_device(*, request: HttpRequest, user) -> Device | None:  # noqa: ANN001
    """The device of a valid remembered-browser cookie for ``user``, only inside trusted networks."""
    if not _trusted(request):
        return None
    raw = request.COOKIES.get(settings.ACADEMIE_REMEMBER_COOKIE_NAME)
    if not raw:
        return None
    try:
        data = signing.loads(
            raw, salt=REMEMBER_COOKIE_SALT, max_age=timedelta(days=settings.ACADEMIE_REMEMBER_BROWSER_DAYS)
        )
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != user.pk:
        return None
    browser = RememberedBrowser.objects.filter(user=user, token=data.get("t"), expires_at__gt=timezone.now()).first()
    if browser is None:
        return None
    device = Device.from_persistent_id(browser.device_persistent_id)
    if device is None or device.user_id != user.pk or not device.confirmed:
        return None
    return device


def forget_browsers(*, user, browser_id: int | None = None) -> int:  # noqa: ANN001
    qs = RememberedBrowser.objects.filter(user=user)
    if browser_id is not None:
        qs = qs.filter(pk=browser_id)
    count, _detail = qs.delete()
    return count


# ---------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------
TRACKED_SESSION_KEY = "_academie_tracked"
TRACK_REFRESH_SECONDS = 60


def _session_key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def track_session(*, request: HttpRequest) -> UserSession | None:
    """Create or refresh the tracked row of the current session (once a minute at most).

    The session remembers when (and under which key) its row was last looked at, so the requests
    in between read nothing: ``None`` is returned then. A new key (``cycle_key`` at sign-in)
    does not match the remembered one, so it is looked up at once. A revoked session loses its
    row and its Django session together, so skipping the lookup never keeps a revoked session
    alive."""
    if request.session.session_key is None:
        request.session.save()
    key = request.session.session_key
    digest = _session_key_digest(key)
    seen = request.session.get(TRACKED_SESSION_KEY)
    moment = time.time()
    if (
        isinstance(seen, dict)
        and seen.get("key") == digest
        and 0 <= moment - float(seen.get("at", 0)) < TRACK_REFRESH_SECONDS
    ):
        return None
    request.session[TRACKED_SESSION_KEY] = {"key": digest, "at": moment}
    now = timezone.now()
    tracked = UserSession.objects.filter(session_key=key).first()
    if tracked is None:
        tracked, _created = UserSession.objects.get_or_create(
            session_key=key,
            defaults={
                "user": request.user,
                "ip": client_ip(request),
                "trusted_network": _trusted(request),
                "user_agent": _user_agent(request),
            },
        )
    elif now - tracked.last_activity > timedelta(seconds=60):
        UserSession.objects.filter(pk=tracked.pk).update(last_activity=now, ip=client_ip(request))
    return tracked


def _forget_dead_sessions(user) -> None:  # noqa: ANN001
    """Drop tracked rows whose Django session has expired or been deleted."""
    from django.contrib.sessions.models import Session

    live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    UserSession.objects.filter(user=user).exclude(session_key__in=live).delete()


def _end_tracked(sessions) -> int:  # noqa: ANN001 - a UserSession queryset
    """Delete each tracked session together with its Django session."""
    count = 0
    for tracked in sessions:
        SessionStore(session_key=tracked.session_key).delete()
        tracked.delete()
        count += 1
    return count


def revoke_session(*, user, session_id: int) -> bool:  # noqa: ANN001
    return _end_tracked(UserSession.objects.filter(user=user, pk=session_id)) == 1


def revoke_other_sessions(*, user, current_session_key: str) -> int:  # noqa: ANN001
    return _end_tracked(UserSession.objects.filter(user=user).exclude(session_key=current_session_key))


def end_all_sessions(*, user) -> int:  # noqa: ANN001
    """Sign ``user`` out everywhere (every tracked session) and forget the remembered browsers.
    Returns the number of sessions ended."""
    ended = _end_tracked(UserSession.objects.filter(user=user))
    forget_browsers(user=user)
    return ended


def sign_out(*, request: HttpRequest) -> None:
    user = request.user
    if user.is_authenticated:
        record_event(request=request, identifier=user.username, user=user, result=LoginEvent.Result.LOGOUT)
        if request.session.session_key:
            UserSession.objects.filter(session_key=request.session.session_key).delete()
    logout(request)


# ---------------------------------------------------------------------------
# Passwords
# ---------------------------------------------------------------------------
def change_password(*, request: HttpRequest, user, new_password: str) -> None:  # noqa: ANN001
    """Set a new password, keep this session, close the others, forget remembered browsers."""
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    update_session_auth_hash(request, user)
    revoke_other_sessions(user=user, current_session_key=request.session.session_key or "")
    forget_browsers(user=user)


def password_reset_path(user) -> str:  # noqa: ANN001
    """The reset link's path (the confirm view checks it with Django's default token generator)."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/connexion/mot-de-passe/{uidb64}/{default_token_generator.make_token(user)}/"


def send_password_reset(*, request: HttpRequest, identifier: str) -> bool:
    """E-mail a reset link to an active account with an address. Silent otherwise (no enumeration)."""
    identifier = normalize_identifier(identifier)[:MAX_IDENTIFIER_LENGTH]
    user = get_user_model().objects.filter(username=identifier, is_active=True).exclude(email="").first()
    if user is None:
        return False
    link = request.build_absolute_uri(password_reset_path(user))
    send_mail(
        _("Réinitialisation de votre mot de passe"),
        render_to_string("academie/email/password_reset.txt", {"user": user, "link": link}),
        None,
        [user.email],
    )
    return True


def finish_password_reset(*, user, new_password: str) -> None:  # noqa: ANN001
    """The reset link sets the password but never signs in: the second factor is still asked."""
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    for tracked in UserSession.objects.filter(user=user):
        SessionStore(session_key=tracked.session_key).delete()
        tracked.delete()
    forget_browsers(user=user)


# ---------------------------------------------------------------------------
# Devices
# ---------------------------------------------------------------------------
def start_totp_enrolment(*, user) -> TOTPDevice:  # noqa: ANN001
    """An unconfirmed TOTP device (reused if one is pending), confirmed by a first code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Application d'authentification"), confirmed=False)
    return device


def start_sms_enrolment(*, user, number: str) -> SMSDevice:  # noqa: ANN001
    """An unconfirmed SMS device for ``number`` with a code sent (at most one SMS a minute)."""
    pending = SMSDevice.objects.filter(user=user, confirmed=False, number=number).order_by("-id").first()
    if pending is not None:
        send_sms_code(device=pending)
        return pending
    SMSDevice.objects.filter(user=user, confirmed=False).delete()
    device = SMSDevice.objects.create(user=user, name=_("SMS"), number=number, confirmed=False)
    device.generate_challenge()
    return device


def confirm_device(*, device: Device, token: str) -> bool:
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


def regenerate_backup_codes(*, user) -> list[str]:  # noqa: ANN001
    """Replace the user's backup codes; the returned codes are shown once and never stored in clear."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=user, name=_("Codes de secours"), defaults={"confirmed": True}
        )
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
        device.throttle_reset()
    return codes


def remove_device(*, user, device: Device) -> bool:  # noqa: ANN001
    """Remove a device of ``user``; refuse to remove the last TOTP/SMS device."""
    if device.user_id != user.pk:
        return False
    primaries = selectors.primary_devices(user)
    if not isinstance(device, StaticDevice) and len(primaries) <= 1 and device.confirmed:
        return False
    RememberedBrowser.objects.filter(user=user, device_persistent_id=device.persistent_id).delete()
    device.delete()
    return True


def reset_second_factor(*, user) -> tuple[list[str], int]:  # noqa: ANN001
    """Helpdesk action "reset second factor": remove every device (of any kind), remembered browser
    and open session of ``user``; the next sign-in forces a new enrolment. Returns the labels of the
    removed devices and the number of sessions ended. (Audit is the caller's job.)"""
    with transaction.atomic():
        devices = list(django_otp.devices_for_user(user, confirmed=None))
        labels = [f"{type(d).__name__}:{d.name}" for d in devices]
        for device in devices:
            device.delete()
        return labels, end_all_sessions(user=user)


def unlock_identifier(*, admin_user, username: str, request: HttpRequest | None = None) -> int:  # noqa: ANN001
    """DSI admin action: reset axes attempts of ``username`` and keep an audit entry in the admin log."""
    username = normalize_identifier(username)
    count = AxesProxyHandler.reset_attempts(username=username)
    user = get_user_model().objects.filter(username=username).first()
    if user is not None:
        LogEntry.objects.log_actions(
            user_id=admin_user.pk,
            queryset=[user],
            action_flag=CHANGE,
            change_message=f"Déverrouillage de l'identifiant {username} ({count} enregistrement(s) axes supprimé(s)).",
            single_object=True,
        )
    # The append-only audit trail of the helpdesk records DSI unlocks too (DESIGN §3, §6).
    from helpdesk.models import AuditEntry
    from helpdesk.services import record_audit

    record_audit(
        actor=admin_user,
        action=AuditEntry.Action.UNLOCK,
        result=AuditEntry.Result.SUCCESS,
        target=user,
        target_identifier=username,
        ip=getattr(request, "client_ip", None) if request is not None else None,
        comment="Action d'administration DSI (admin Django)",
        detail=f"{count} enregistrement(s) axes supprimé(s)",
    )
    return count
