"""Identity and the academy directory.

The custom user model lives here from the first migration. Establishments, services, functions
and assignments are the core of the directory; the annuaire issue extends them (groups, privacy,
history).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from annuaire.identifiers import normalize_identifier

UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def uai_check_letter(digits: str) -> str:
    return UAI_LETTERS[int(digits) % 23]


def validate_uai(value: str) -> None:
    """A UAI code is seven digits and a check letter (``0540038Y``)."""
    if not isinstance(value, str) or len(value) != 8 or not value[:7].isdigit() or not value[7].isalpha():
        raise ValidationError(_("Code UAI invalide : sept chiffres suivis d'une lettre sont attendus."), code="format")
    if value[7].upper() != uai_check_letter(value[:7]):
        raise ValidationError(_("Code UAI invalide : la lettre de contrôle ne correspond pas."), code="check_letter")


class AcademicUserManager(UserManager):
    @classmethod
    def normalize_username(cls, username):  # noqa: ANN001, ANN206
        return normalize_identifier(username)

    def get_by_natural_key(self, username):  # noqa: ANN001, ANN201
        return self.get(**{self.model.USERNAME_FIELD: normalize_identifier(username)})


class User(AbstractUser):
    """A member of staff. ``username`` is the academic identifier, always normalised."""

    username = models.CharField(
        _("identifiant académique"),
        max_length=150,
        unique=True,
        help_text=_("Identifiant académique, par exemple jdupont."),
        error_messages={"unique": _("Un compte existe déjà avec cet identifiant.")},
    )
    email = models.EmailField(_("courriel professionnel"), blank=True)
    mobile_phone = models.CharField(_("téléphone mobile"), max_length=32, blank=True)
    must_change_password = models.BooleanField(
        _("doit changer son mot de passe"),
        default=False,
        help_text=_("Imposé par l'assistance ou la DSI : le changement est demandé à la prochaine connexion."),
    )

    objects = AcademicUserManager()

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        ordering = ["last_name", "first_name", "username"]

    def clean(self) -> None:
        super().clean()
        self.username = normalize_identifier(self.username)

    def save(self, *args, **kwargs) -> None:  # invariant, not workflow: identifiers are stored normalised
        self.username = normalize_identifier(self.username)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Establishment(models.Model):
    class Kind(models.TextChoices):
        ECOLE = "ecole", _("École")
        COLLEGE = "college", _("Collège")
        LYCEE = "lycee", _("Lycée")
        LP = "lp", _("Lycée professionnel")
        EREA = "erea", _("EREA")
        CIO = "cio", _("CIO")
        CIRCONSCRIPTION = "circonscription", _("Circonscription")
        DSDEN = "dsden", _("DSDEN")
        RECTORAT = "rectorat", _("Rectorat")
        AUTRE = "autre", _("Autre")

    uai = models.CharField(_("code UAI"), max_length=8, unique=True, validators=[validate_uai])
    name = models.CharField(_("nom officiel"), max_length=255)
    kind = models.CharField(_("type"), max_length=32, choices=Kind.choices)
    public = models.BooleanField(_("public"), default=True)
    commune = models.CharField(_("commune"), max_length=128, blank=True)
    department = models.CharField(_("département"), max_length=3, db_index=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    phone = models.CharField(_("téléphone"), max_length=32, blank=True)
    email = models.EmailField(_("courriel générique"), blank=True)
    active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("établissement")
        verbose_name_plural = _("établissements")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.uai})"

    def clean(self) -> None:
        super().clean()
        self.uai = (self.uai or "").upper()
        if self.uai[:3].isdigit() and not self.department:
            self.department = self.uai[1:3] if self.uai.startswith("0") else self.uai[:3]


class Service(models.Model):
    """A service of the rectorat or of a DSDEN (DSI, DPE, DIPER, cabinet…), nested."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("nom"), max_length=255)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    establishment = models.ForeignKey(
        Establishment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services",
        help_text=_("Rectorat ou DSDEN dont dépend le service."),
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Function(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("intitulé"), max_length=255)

    class Meta:
        verbose_name = _("fonction")
        verbose_name_plural = _("fonctions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """A function held by a person in an establishment or a service; one of them is principal."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    function = models.ForeignKey(Function, on_delete=models.PROTECT, related_name="assignments")
    establishment = models.ForeignKey(
        Establishment, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments")
    principal = models.BooleanField(_("principale"), default=False)

    class Meta:
        verbose_name = _("affectation")
        verbose_name_plural = _("affectations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(establishment__isnull=False) | models.Q(service__isnull=False),
                name="assignment_has_place",
                violation_error_message=_("Une affectation porte sur un établissement ou un service."),
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(principal=True),
                name="one_principal_assignment",
                violation_error_message=_("Une seule affectation principale par agent."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.function} — {self.establishment or self.service}"
