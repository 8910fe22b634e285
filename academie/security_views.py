""" "Ma sécurité" pages under /securite/: sessions, history, password, devices."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from academie import ratelimits, selectors, services
from academie.forms import ConfirmCodeForm, ReauthForm, SMSNumberForm
from academie.models import SMSDevice
from academie.sms import SMSError
from academie.views import ratelimited

REAUTH_SESSION_KEY = "_academie_reauth_at"


def _recently_reauthenticated(request: HttpRequest) -> bool:
    at = request.session.get(REAUTH_SESSION_KEY)
    return isinstance(at, (int, float)) and time.time() - at < settings.ACADEMIE_REAUTH_SECONDS


@never_cache
@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "academie/security/overview.html",
        {
            "devices": selectors.confirmed_devices(user),
            "session_count": selectors.active_sessions(user).count(),
            "last_events": selectors.login_history(user)[:5],
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def sessions(request: HttpRequest) -> HttpResponse:
    user = request.user
    current = request.session.session_key
    if request.method == "POST":
        if "revoke_others" in request.POST:
            count = services.revoke_other_sessions(user=user, current_session_key=current or "")
            messages.success(request, _("%(count)s autre(s) session(s) fermée(s).") % {"count": count})
        else:
            try:
                session_id = int(request.POST.get("session", ""))
            except ValueError:
                session_id = 0
            tracked = selectors.active_sessions(user).filter(pk=session_id).first()
            if tracked is None:
                messages.error(request, _("Session introuvable."))
            elif tracked.session_key == current:
                messages.error(request, _("Pour fermer la session en cours, utilisez « Se déconnecter »."))
            else:
                services.revoke_session(user=user, session_id=session_id)
                messages.success(request, _("La session a été fermée."))
        return redirect("accounts:security_sessions")
    return render(
        request,
        "academie/security/sessions.html",
        {
            "sessions": selectors.active_sessions(user),
            "current_key": current,
            "browsers": selectors.remembered_browsers(user),
        },
    )


@never_cache
@require_http_methods(["POST"])
def forget_browser(request: HttpRequest) -> HttpResponse:
    try:
        browser_id = int(request.POST.get("browser", ""))
    except ValueError:
        browser_id = None
    if "all" in request.POST:
        browser_id = None
    elif browser_id is None:
        return redirect("accounts:security_sessions")
    services.forget_browsers(user=request.user, browser_id=browser_id)
    messages.success(request, _("Navigateur(s) oublié(s) : le code sera de nouveau demandé."))
    return redirect("accounts:security_sessions")


@never_cache
@require_http_methods(["GET"])
def history(request: HttpRequest) -> HttpResponse:
    return render(request, "academie/security/history.html", {"events": selectors.login_history(request.user)})


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def change_password(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        if ratelimits.is_limited(request, group="code", identifier=user.username):
            return ratelimited(request)
        form = PasswordChangeForm(user, request.POST)
        if form.is_valid():
            services.change_password(request=request, user=user, new_password=form.cleaned_data["new_password1"])
            messages.success(request, _("Votre mot de passe a été changé. Vos autres sessions ont été fermées."))
            return redirect("home")
    else:
        form = PasswordChangeForm(user)
    return render(request, "academie/security/password.html", {"form": form})


@sensitive_post_parameters("password", "otp_token")
@never_cache
@require_http_methods(["GET", "POST"])
def devices(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _recently_reauthenticated(request):
        if request.method == "POST" and ratelimits.is_limited(request, group="code", identifier=user.username):
            return ratelimited(request)
        form = ReauthForm(request.POST or None, user=user)
        if request.method == "POST" and form.is_valid():
            request.session[REAUTH_SESSION_KEY] = time.time()
            return redirect("accounts:security_devices")
        return render(request, "academie/security/reauth.html", {"form": form})

    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "backup":
            codes = services.regenerate_backup_codes(user=user)
            return render(request, "academie/security/backup_codes.html", {"codes": codes})
        if action == "remove":
            device = selectors.device_for_user(user, request.POST.get("device", ""))
            if device is None or not services.remove_device(user=user, device=device):
                messages.error(
                    request, _("Ce moyen ne peut pas être supprimé : gardez au moins une application ou un SMS.")
                )
            else:
                messages.success(request, _("Le moyen de vérification a été supprimé."))
        return redirect("accounts:security_devices")
    return render(
        request,
        "academie/security/devices.html",
        {
            "totp_devices": TOTPDevice.objects.filter(user=user, confirmed=True),
            "sms_devices": SMSDevice.objects.filter(user=user, confirmed=True),
            "backup": selectors.backup_device(user),
        },
    )


@sensitive_post_parameters("otp_token")
@never_cache
@require_http_methods(["GET", "POST"])
def add_totp(request: HttpRequest) -> HttpResponse:
    if not _recently_reauthenticated(request):
        return redirect("accounts:security_devices")
    user = request.user
    device = services.start_totp_enrolment(user=user)
    form = ConfirmCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_device(device=device, token=form.cleaned_data["otp_token"]):
            messages.success(request, _("L'application d'authentification a été ajoutée."))
            return redirect("accounts:security_devices")
        form.add_error("otp_token", _("Code incorrect. Vérifiez l'heure de votre téléphone et réessayez."))
    return render(
        request,
        "academie/security/add_totp.html",
        {"form": form, "qr_svg": selectors.totp_qr_svg(device), "secret": selectors.totp_secret_base32(device)},
    )


@sensitive_post_parameters("otp_token")
@never_cache
@require_http_methods(["GET", "POST"])
def add_sms(request: HttpRequest) -> HttpResponse:
    if not _recently_reauthenticated(request):
        return redirect("accounts:security_devices")
    user = request.user
    pending = SMSDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    number_form = SMSNumberForm(initial={"number": user.mobile_phone})
    code_form = ConfirmCodeForm()
    if request.method == "POST":
        if "number" in request.POST:
            number_form = SMSNumberForm(request.POST)
            if number_form.is_valid():
                try:
                    pending = services.start_sms_enrolment(user=user, number=number_form.cleaned_data["number"])
                    messages.info(request, _("Un code a été envoyé par SMS. Saisissez-le pour confirmer."))
                except SMSError:
                    messages.error(request, _("Le SMS n'a pas pu être envoyé. Réessayez plus tard."))
                return redirect("accounts:security_add_sms")
        elif pending is not None:
            code_form = ConfirmCodeForm(request.POST)
            if code_form.is_valid():
                if services.confirm_device(device=pending, token=code_form.cleaned_data["otp_token"]):
                    messages.success(request, _("Le numéro de mobile a été ajouté."))
                    return redirect("accounts:security_devices")
                code_form.add_error("otp_token", _("Code incorrect ou expiré."))
    return render(
        request,
        "academie/security/add_sms.html",
        {"number_form": number_form, "code_form": code_form, "pending": pending},
    )
