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


class Visibility(models.TextChoices):
    """Who may see one field of a person's card."""

    EVERYONE = "tous", _("Tous les personnels")
    ESTABLISHMENT = "etablissement", _("Mon établissement ou service")
    AGENTS = "agents", _("Assistance et DSI uniquement")


def uai_check_letter(digits: str) -> str:
    return UAI_LETTERS[int(digits) % 23]


def validate_uai(value: str) -> None:
    """A UAI code is seven digits and a check letter (``0540038Y``)."""
    if not isinstance(value, str) or len(value) != 8 or not value[:7].isdigit() or not value[7].isalpha():
        raise ValidationError(_("Code UAI invalide : sept chiffres suivis d'une lettre sont attendus."), code="format")
    if value[7].upper() != uai_check_letter(value[:7]):
        raise ValidationError(_("Code UAI invalide : la lettre de contrôle ne correspond pas."), code="check_letter")


def department_from_uai(uai: str) -> str:
    """The first three digits of a UAI give the department: ``0540038Y`` → ``54``, ``9760001A`` → ``976``."""
    head = (uai or "")[:3]
    if not head.isdigit():
        return ""
    return head[1:] if head.startswith("0") else head


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
    office_phone = models.CharField(_("téléphone professionnel"), max_length=32, blank=True)
    email_visibility = models.CharField(
        _("visibilité du courriel"), max_length=16, choices=Visibility.choices, default=Visibility.EVERYONE
    )
    office_phone_visibility = models.CharField(
        _("visibilité du téléphone professionnel"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.EVERYONE,
    )
    mobile_phone_visibility = models.CharField(
        _("visibilité du téléphone mobile"), max_length=16, choices=Visibility.choices, default=Visibility.AGENTS
    )
    managed_by_import = models.BooleanField(
        _("géré par l'import"),
        default=False,
        help_text=_(
            "Fiche tenue à jour par les exports du rectorat : désactivée si elle disparaît d'un export complet."
        ),
    )

    objects = AcademicUserManager()

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        ordering = ["last_name", "first_name", "username"]
        permissions = [("view_private_fields", _("Voir les coordonnées réservées à l'assistance et à la DSI"))]

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

    def save(self, *args, **kwargs) -> None:  # invariant: the department is the UAI's
        self.uai = (self.uai or "").strip().upper()
        self.department = department_from_uai(self.uai) or self.department
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        self.uai = (self.uai or "").strip().upper()
        if department_from_uai(self.uai):
            self.department = department_from_uai(self.uai)


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


class DirectoryGroup(models.Model):
    """A distribution list (with an address) or a thematic discussion group."""

    class Kind(models.TextChoices):
        LIST = "liste", _("Liste de diffusion")
        DISCUSSION = "discussion", _("Groupe de discussion")

    class PostPolicy(models.TextChoices):
        OWNERS = "proprietaires", _("Les propriétaires")
        MEMBERS = "membres", _("Les membres")
        ACADEMY = "academie", _("Tous les personnels de l'académie")

    name = models.CharField(_("nom"), max_length=255)
    address = models.EmailField(_("adresse"), unique=True)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.LIST)
    post_policy = models.CharField(
        _("qui peut écrire"), max_length=16, choices=PostPolicy.choices, default=PostPolicy.MEMBERS
    )
    owners = models.ManyToManyField(
        User, blank=True, related_name="owned_directory_groups", verbose_name=_("propriétaires")
    )
    active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("groupe")
        verbose_name_plural = _("groupes")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    def save(self, *args, **kwargs) -> None:
        self.address = (self.address or "").strip().lower()
        super().save(*args, **kwargs)


def subgroup_ids(group_id: int) -> set[int]:
    """Every group reachable from ``group_id`` through nested memberships (itself excluded unless cyclic)."""
    seen: set[int] = set()
    frontier = {group_id}
    while frontier:
        children = set(
            GroupMembership.objects.filter(group_id__in=frontier, subgroup__isnull=False).values_list(
                "subgroup_id", flat=True
            )
        )
        frontier = children - seen
        seen |= children
    return seen


def check_no_cycle(*, parent: DirectoryGroup, child: DirectoryGroup) -> None:
    """Refuse nesting ``child`` inside ``parent`` when ``parent`` is ``child`` or already inside it."""
    if parent.pk == child.pk:
        raise ValidationError(
            _("Le groupe « %(name)s » ne peut pas être membre de lui-même.") % {"name": parent.name}, code="cycle"
        )
    if parent.pk in subgroup_ids(child.pk):
        raise ValidationError(
            _(
                "Impossible d'ajouter « %(child)s » à « %(parent)s » : « %(parent)s » fait déjà partie de "
                "« %(child)s », cela créerait une boucle."
            )
            % {"child": child.name, "parent": parent.name},
            code="cycle",
        )


class GroupMembership(models.Model):
    """One member of a group: a person, another group, or an external address (parents, partners)."""

    group = models.ForeignKey(DirectoryGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="group_memberships")
    subgroup = models.ForeignKey(
        DirectoryGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="parent_memberships"
    )
    external_email = models.EmailField(_("adresse externe"), blank=True)
    external_name = models.CharField(_("nom (externe)"), max_length=255, blank=True)
    added_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, subgroup__isnull=True, external_email="")
                    | models.Q(user__isnull=True, subgroup__isnull=False, external_email="")
                    | (models.Q(user__isnull=True, subgroup__isnull=True) & ~models.Q(external_email=""))
                ),
                name="membership_exactly_one_member",
                violation_error_message=_("Un membre est soit un agent, soit un groupe, soit une adresse externe."),
            ),
            models.UniqueConstraint(fields=["group", "user"], name="membership_unique_user"),
            models.UniqueConstraint(fields=["group", "subgroup"], name="membership_unique_subgroup"),
            models.UniqueConstraint(
                fields=["group", "external_email"],
                condition=~models.Q(external_email=""),
                name="membership_unique_external",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user or self.subgroup or self.external_email)

    def clean(self) -> None:
        super().clean()
        self.external_email = (self.external_email or "").strip().lower()
        if self.subgroup_id and self.group_id:
            check_no_cycle(parent=self.group, child=self.subgroup)


class JoinRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "attente", _("En attente")
        APPROVED = "acceptee", _("Acceptée")
        REFUSED = "refusee", _("Refusée")

    group = models.ForeignKey(DirectoryGroup, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="join_requests")
    message = models.TextField(_("message"), blank=True, max_length=2000)
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("décidée par")
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("demande d'adhésion")
        verbose_name_plural = _("demandes d'adhésion")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=models.Q(status="attente"),
                name="one_pending_join_request",
                violation_error_message=_("Une demande est déjà en attente pour ce groupe."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.group}"


class ChangeRecord(models.Model):
    """Append-only history of directory changes (admin, import, services)."""

    at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("auteur")
    )
    source = models.CharField(_("origine"), max_length=16)  # admin, import, service
    object_type = models.CharField(_("type d'objet"), max_length=32)
    object_id = models.CharField(_("identifiant de l'objet"), max_length=64)
    object_repr = models.CharField(_("objet"), max_length=255)
    action = models.CharField(_("action"), max_length=32)
    changes = models.JSONField(_("modifications"), default=dict, blank=True)

    class Meta:
        verbose_name = _("historique des modifications")
        verbose_name_plural = _("historique des modifications")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="annuaire_change_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class SearchEntry(models.Model):
    """Search index row: one per person, establishment, service or group (kept by annuaire.search)."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Personne")
        ESTABLISHMENT = "establishment", _("Établissement")
        SERVICE = "service", _("Service")
        GROUP = "group", _("Groupe")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.BigIntegerField()
    folded = models.CharField(max_length=400)  # canonical folded label, for sorting and trigram similarity
    terms = models.TextField()  # " tok1 tok2 … " with aliases: contains-matching on any database
    active = models.BooleanField(default=True)
    department = models.CharField(max_length=3, blank=True)
    establishment_id = models.BigIntegerField(null=True, blank=True)
    establishment_kind = models.CharField(max_length=32, blank=True)
    function_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique_object")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.folded}"


class SearchToken(models.Model):
    """One folded word of an entry; PostgreSQL indexes ``token COLLATE "C"`` for prefix scans."""

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="tokens", db_index=False)
    kind = models.CharField(max_length=16, default="")  # the entry's kind, filtered inside the index scan
    token = models.CharField(max_length=64)
    # the entry's words again, so the other words of a query are checked inside the index scan
    terms = models.TextField(default="")
    field = models.PositiveSmallIntegerField(default=0)  # 0 surname/name, 1 first name, 2 identifier/code

    class Meta:
        indexes = [models.Index(fields=["entry", "token"], name="search_token_entry")]

    def __str__(self) -> str:
        return self.token


class SearchWord(models.Model):
    """Vocabulary of indexed words, for typo correction by trigram similarity (PostgreSQL)."""

    word = models.CharField(max_length=64, primary_key=True)

    def __str__(self) -> str:
        return self.word
