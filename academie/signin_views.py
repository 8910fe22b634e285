"""Sign-in pages: password, one-time code, enrolment, lockout, sign-out, password reset."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from academie import ratelimits, selectors, services
from academie.forms import CodeForm, ConfirmCodeForm, LoginForm, PasswordResetRequestForm
from academie.models import SMSDevice
from academie.sms import SMSError
from academie.views import ratelimited
from annuaire.identifiers import MAX_IDENTIFIER_LENGTH, normalize_identifier

NEXT_SESSION_KEY = "_academie_next"
SMS_SENT_SESSION_KEY = "_academie_sms_device"
GENERIC_LOGIN_ERROR = gettext_lazy("Identifiant ou mot de passe incorrect.")
PASSWORD_CHANGE_URL = "/securite/mot-de-passe/"


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:  # noqa: ANN001
    """``AXES_LOCKOUT_CALLABLE``: send the browser to the French lockout page (no identifier in the URL)."""
    return HttpResponseRedirect(reverse("accounts:locked"))


def _safe_next(request: HttpRequest, value: str | None) -> str | None:
    if (
        value
        and len(value) < 2000
        and url_has_allowed_host_and_scheme(value, {request.get_host()}, require_https=request.is_secure())
    ):
        return value
    return None


def _after_sign_in_url(request: HttpRequest) -> str:
    if request.user.must_change_password:
        return PASSWORD_CHANGE_URL
    return request.session.pop(NEXT_SESSION_KEY, None) or settings.LOGIN_REDIRECT_URL


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(_after_sign_in_url(request))
    if request.method == "POST":
        raw_identifier = request.POST.get("username", "")
        identifier = normalize_identifier(raw_identifier)[:MAX_IDENTIFIER_LENGTH]
        if ratelimits.is_limited(request, group="login", identifier=identifier):
            return ratelimited(request)
        form = LoginForm(request.POST)
        if form.is_valid():
            outcome = services.sign_in_with_password(
                request=request, identifier=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
            if outcome is services.PasswordOutcome.LOCKED:
                return redirect("accounts:locked")
            if outcome is services.PasswordOutcome.FAILED:
                form.add_error(None, GENERIC_LOGIN_ERROR)
            elif outcome is services.PasswordOutcome.NEEDS_ENROLMENT:
                return redirect("accounts:enrol")
            elif outcome is services.PasswordOutcome.NEEDS_CODE:
                return redirect("accounts:code")
            else:
                return redirect(_after_sign_in_url(request))
    else:
        form = LoginForm()
        next_url = _safe_next(request, request.GET.get("next"))
        if next_url:
            request.session[NEXT_SESSION_KEY] = next_url
    return render(request, "academie/signin/login.html", {"form": form})


def _device_label(device) -> str:  # noqa: ANN001
    kind = selectors.device_kind(device)
    if kind == "totp":
        return _("Application d'authentification (%(name)s)") % {"name": device.name}
    if kind == "sms":
        return _("Code reçu par SMS au %(number)s") % {"number": device.masked_number}
    if kind == "backup":
        return _("Code de secours (%(count)s restant(s))") % {"count": device.token_set.count()}
    return str(device)


def _second_step_guard(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if request.user.is_verified():
        return redirect(_after_sign_in_url(request))
    return None


@sensitive_post_parameters("otp_token")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def code_view(request: HttpRequest) -> HttpResponse:
    guard = _second_step_guard(request)
    if guard is not None:
        return guard
    user = request.user
    devices = selectors.confirmed_devices(user)
    if not any(selectors.device_kind(d) in ("totp", "sms") for d in devices):
        return redirect("accounts:enrol")
    by_id = {d.persistent_id: d for d in devices}
    choices = [(d.persistent_id, _device_label(d)) for d in devices]
    allow_remember = bool(getattr(request, "client_ip_trusted", False))
    initial = {}
    sms_device_id = request.session.get(SMS_SENT_SESSION_KEY)
    if sms_device_id:
        initial["device"] = sms_device_id

    if request.method == "POST":
        if ratelimits.is_limited(request, group="code", identifier=user.username):
            return ratelimited(request)
        if "send_sms" in request.POST:
            device = by_id.get(request.POST.get("device", ""))
            if isinstance(device, SMSDevice):
                try:
                    messages.info(request, services.send_sms_code(device=device))
                    request.session[SMS_SENT_SESSION_KEY] = device.persistent_id
                except SMSError:
                    messages.error(request, _("Le SMS n'a pas pu être envoyé. Réessayez ou choisissez un autre moyen."))
            else:
                messages.error(request, _("Choisissez d'abord l'envoi par SMS."))
            return redirect("accounts:code")
        form = CodeForm(request.POST, devices=choices, allow_remember=allow_remember)
        if form.is_valid():
            device = by_id.get(form.cleaned_data["device"])
            if device is None:
                form.add_error("device", _("Choisissez un moyen de vérification."))
            else:
                outcome = services.verify_code(request=request, device=device, token=form.cleaned_data["otp_token"])
                if outcome is services.CodeOutcome.LOCKED:
                    return redirect("accounts:locked")
                if outcome is services.CodeOutcome.THROTTLED:
                    form.add_error(
                        "otp_token",
                        _("Trop de codes erronés avec ce moyen : patientez quelques secondes puis réessayez."),
                    )
                elif outcome is services.CodeOutcome.FAILED:
                    form.add_error("otp_token", _("Code incorrect ou expiré."))
                else:
                    services.complete_sign_in(request=request, device=device)
                    request.session.pop(SMS_SENT_SESSION_KEY, None)
                    response = redirect(_after_sign_in_url(request))
                    if form.cleaned_data.get("remember"):
                        value = services.remember_browser(request=request, device=device)
                        if value:
                            response.set_cookie(
                                settings.ACADEMIE_REMEMBER_COOKIE_NAME,
                                value,
                                max_age=settings.ACADEMIE_REMEMBER_BROWSER_DAYS * 86400,
                                secure=settings.SESSION_COOKIE_SECURE,
                                httponly=True,
                                samesite="Lax",
                            )
                    return response
    else:
        form = CodeForm(initial=initial, devices=choices, allow_remember=allow_remember)
    sms_devices = [d for d in devices if isinstance(d, SMSDevice)]
    return render(request, "academie/signin/code.html", {"form": form, "sms_devices": sms_devices})


@sensitive_post_parameters("otp_token")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    """Forced enrolment at first sign-in: TOTP app by QR code, or SMS to the mobile number of the
    directory (never a number typed here), then backup codes shown once."""
    guard = _second_step_guard(request)
    if guard is not None:
        return guard
    user = request.user
    if selectors.has_confirmed_device(user):
        return redirect("accounts:code")
    device = services.start_totp_enrolment(user=user)
    pending_sms = SMSDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    form = ConfirmCodeForm()
    sms_form = ConfirmCodeForm(prefix="sms")
    if request.method == "POST":
        if ratelimits.is_limited(request, group="code", identifier=user.username):
            return ratelimited(request)
        action = request.POST.get("action", "totp")
        confirmed = None
        if action == "sms_send" and user.mobile_phone:
            try:
                services.start_sms_enrolment(user=user, number=user.mobile_phone)
                messages.info(request, _("Un code a été envoyé par SMS à votre numéro de mobile."))
            except SMSError:
                messages.error(request, _("Le SMS n'a pas pu être envoyé. Utilisez l'application d'authentification."))
            return redirect("accounts:enrol")
        if action == "sms" and pending_sms is not None:
            sms_form = ConfirmCodeForm(request.POST, prefix="sms")
            if sms_form.is_valid():
                if services.confirm_device(device=pending_sms, token=sms_form.cleaned_data["otp_token"]):
                    confirmed = pending_sms
                else:
                    sms_form.add_error("otp_token", _("Code incorrect ou expiré."))
        elif action == "totp":
            form = ConfirmCodeForm(request.POST)
            if form.is_valid():
                if services.confirm_device(device=device, token=form.cleaned_data["otp_token"]):
                    confirmed = device
                else:
                    form.add_error("otp_token", _("Code incorrect. Vérifiez l'heure de votre téléphone et réessayez."))
        if confirmed is not None:
            codes = services.regenerate_backup_codes(user=user)
            services.complete_sign_in(request=request, device=confirmed)
            return render(
                request, "academie/signin/enrol_done.html", {"codes": codes, "next_url": _after_sign_in_url(request)}
            )
    return render(
        request,
        "academie/signin/enrol.html",
        {
            "form": form,
            "sms_form": sms_form,
            "pending_sms": pending_sms,
            "qr_svg": selectors.totp_qr_svg(device),
            "secret": selectors.totp_secret_base32(device),
        },
    )


@never_cache
@require_http_methods(["GET"])
def locked_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and not request.user.is_verified():
        services.sign_out(request=request)
    return render(request, "academie/signin/locked.html", {"cooloff_hours": settings.AXES_COOLOFF_TIME}, status=403)


@csrf_protect
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    services.sign_out(request=request)
    messages.success(request, _("Vous êtes déconnecté."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        identifier = normalize_identifier(request.POST.get("username", ""))[:MAX_IDENTIFIER_LENGTH]
        if ratelimits.is_limited(request, group="reset", identifier=identifier):
            return ratelimited(request)
        form = PasswordResetRequestForm(request.POST)
        if form.is_valid():
            services.send_password_reset(request=request, identifier=form.cleaned_data["username"])
            messages.success(
                request,
                _(
                    "Si un compte actif correspond à cet identifiant, un lien de réinitialisation a été envoyé à "
                    "son adresse professionnelle. Il est valable quelques jours et ne sert qu'une fois."
                ),
            )
            return redirect("accounts:login")
    else:
        form = PasswordResetRequestForm()
    return render(request, "academie/signin/password_reset.html", {"form": form})


@method_decorator(never_cache, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Link sent by e-mail (or by the helpdesk): sets a new password, never signs in, so the
    second factor is still asked at the next sign-in."""

    template_name = "academie/signin/password_reset_confirm.html"
    form_class = SetPasswordForm
    post_reset_login = False
    success_url = "/connexion/"

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        identifier = self.user.username if self.user else ""
        if ratelimits.is_limited(request, group="reset", identifier=identifier):
            return ratelimited(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        services.finish_password_reset(user=self.user, new_password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        messages.success(
            self.request,
            _("Votre mot de passe a été changé. Connectez-vous avec lui ; le code à usage unique reste demandé."),
        )
        return HttpResponseRedirect(self.success_url)
