"""Portal models: SMS second factor, sign-in history, tracked sessions, remembered browsers,
known networks and the home page's service tiles."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.models import SideChannelDevice, ThrottlingMixin


class SMSDevice(ThrottlingMixin, SideChannelDevice):
    """A django-otp device that sends a six-digit code by SMS through ``academie.sms``."""

    number = models.CharField(_("numéro de mobile"), max_length=32)

    class Meta:
        verbose_name = _("appareil SMS")
        verbose_name_plural = _("appareils SMS")

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_SMS_THROTTLE_FACTOR", 1)

    @property
    def masked_number(self) -> str:
        digits = "".join(ch for ch in self.number if ch.isdigit())
        return f"•• •• •• {digits[-4:-2]} {digits[-2:]}" if len(digits) >= 4 else "••"

    def generate_challenge(self) -> str:
        from academie import sms

        self.generate_token(valid_secs=settings.ACADEMIE_SMS_CODE_VALIDITY)
        sms.send_sms(
            to=self.number,
            text=gettext("Messagerie académique : votre code de connexion est %(code)s. Ne le communiquez à personne.")
            % {"code": self.token},
        )
        return gettext("Un code a été envoyé par SMS au %(number)s.") % {"number": self.masked_number}

    def verify_token(self, token: str) -> bool:
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        verified = super().verify_token(token)
        if verified:
            self.throttle_reset()
        else:
            self.throttle_increment()
        return verified


class LoginEvent(models.Model):
    """One step of a sign-in, kept for the user's history and for the helpdesk."""

    class Result(models.TextChoices):
        PASSWORD_FAILED = "password_failed", _("mot de passe refusé")
        LOCKED = "locked", _("refusée : compte verrouillé")
        PASSWORD_OK = "password_ok", _("mot de passe accepté")
        CODE_FAILED = "code_failed", _("code refusé")
        CODE_LOCKED = "code_locked", _("verrouillage après des codes erronés")
        SUCCESS = "success", _("connexion réussie")
        REMEMBERED = "remembered", _("connexion réussie (navigateur reconnu)")
        LOGOUT = "logout", _("déconnexion")

    SUCCESSES = (Result.SUCCESS, Result.REMEMBERED)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="login_events"
    )
    identifier = models.CharField(_("identifiant saisi (normalisé)"), max_length=150, db_index=True)
    at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(_("adresse IP"))
    trusted_network = models.BooleanField(_("réseau de confiance"), default=False)
    result = models.CharField(_("résultat"), max_length=32, choices=Result.choices)
    user_agent = models.CharField(_("navigateur"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("événement de connexion")
        verbose_name_plural = _("historique des connexions")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.identifier} {self.get_result_display()}"


def describe_user_agent(user_agent: str) -> str:
    """A short "Firefox · Windows" label for a User-Agent string (unknown parts omitted)."""
    ua = user_agent or ""
    browser = next(
        (
            name
            for token, name in (
                ("Edg/", "Edge"),
                ("OPR/", "Opera"),
                ("Firefox/", "Firefox"),
                ("Chromium/", "Chromium"),
                ("Chrome/", "Chrome"),
                ("Safari/", "Safari"),
                ("Thunderbird/", "Thunderbird"),
            )
            if token in ua
        ),
        "",
    )
    system = next(
        (
            name
            for token, name in (
                ("Android", "Android"),
                ("iPhone", "iOS"),
                ("iPad", "iPadOS"),
                ("Windows", "Windows"),
                ("Mac OS X", "macOS"),
                ("CrOS", "ChromeOS"),
                ("Linux", "Linux"),
            )
            if token in ua
        ),
        "",
    )
    return " · ".join(part for part in (browser, system) if part) or gettext("Navigateur inconnu")


class UserSession(models.Model):
    """A signed-in session of a user, keyed by the session key, so that it can be listed and revoked."""

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tracked_sessions")
    ip = models.GenericIPAddressField(_("adresse IP"))
    trusted_network = models.BooleanField(_("réseau de confiance"), default=False)
    user_agent = models.CharField(_("navigateur"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("ouverte le"), default=timezone.now)
    last_activity = models.DateTimeField(_("dernière activité"), default=timezone.now)

    class Meta:
        verbose_name = _("session ouverte")
        verbose_name_plural = _("sessions ouvertes")
        ordering = ["-last_activity"]

    def __str__(self) -> str:
        return f"{self.user} {self.ip} {self.last_activity:%Y-%m-%d %H:%M}"

    @property
    def browser(self) -> str:
        return describe_user_agent(self.user_agent)


class RememberedBrowser(models.Model):
    """A browser remembered for N days inside a trusted network. The cookie holds a signed
    ``user id:token``; deleting the row (or changing the password) revokes it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="remembered_browsers")
    token = models.CharField(max_length=64, unique=True)
    device_persistent_id = models.CharField(max_length=255)
    ip = models.GenericIPAddressField(_("adresse IP"))
    user_agent = models.CharField(_("navigateur"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))

    class Meta:
        verbose_name = _("navigateur mémorisé")
        verbose_name_plural = _("navigateurs mémorisés")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.user_agent[:40]}"


class KnownNetwork(models.Model):
    """Network prefixes (/24 in IPv4, /48 in IPv6) a user has signed in from."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="known_networks")
    prefix = models.CharField(_("réseau"), max_length=64)
    first_seen = models.DateTimeField(_("vu la première fois"), default=timezone.now)
    last_seen = models.DateTimeField(_("vu la dernière fois"), default=timezone.now)

    class Meta:
        verbose_name = _("réseau connu")
        verbose_name_plural = _("réseaux connus")
        constraints = [models.UniqueConstraint(fields=["user", "prefix"], name="known_network_unique")]

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}"


class ServiceTile(models.Model):
    """A tile on the home page linking to an application of the académie."""

    name = models.CharField(_("nom"), max_length=80)
    url = models.URLField(_("adresse"), max_length=500)
    description = models.CharField(_("description"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=100)
    active = models.BooleanField(_("visible"), default=True)
    functions = models.ManyToManyField(
        "annuaire.Function",
        blank=True,
        related_name="service_tiles",
        verbose_name=_("réservée aux fonctions"),
        help_text=_(
            "Vide : visible par tous les agents. Sinon, seulement par les agents ayant l'une de ces fonctions."
        ),
    )

    class Meta:
        verbose_name = _("tuile de service")
        verbose_name_plural = _("tuiles de services")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name
