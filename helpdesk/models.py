"""Helpdesk: tickets, their timeline and attachments, agent scopes and the append-only audit trail.

Models carry invariants (constraints, immutability of the audit trail); workflows live in
``helpdesk.services``.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PRIORITY_CHOICES = [
    ("basse", _("Basse")),
    ("normale", _("Normale")),
    ("haute", _("Haute")),
    ("urgente", _("Urgente")),
]


class Category(models.Model):
    """A kind of request (compte bloqué, hameçonnage…), managed in the admin."""

    slug = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("intitulé"), max_length=128)
    description = models.CharField(_("aide"), max_length=255, blank=True)
    sla_hours = models.PositiveIntegerField(
        _("délai de traitement (heures)"),
        default=72,
        validators=[MinValueValidator(1)],
        help_text=_("L'échéance d'un ticket est sa date de création plus ce délai."),
    )
    default_priority = models.CharField(
        _("priorité par défaut"), max_length=16, choices=PRIORITY_CHOICES, default="normale"
    )
    account_related = models.BooleanField(
        _("concerne un compte"),
        default=False,
        help_text=_("Catégories pour lesquelles l'agent agit sur le compte (déverrouillage, second facteur…)."),
    )
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=100)

    class Meta:
        verbose_name = _("catégorie")
        verbose_name_plural = _("catégories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    class Status(models.TextChoices):
        NOUVEAU = "nouveau", _("Nouveau")
        EN_COURS = "en_cours", _("En cours")
        EN_ATTENTE = "en_attente", _("En attente")
        RESOLU = "resolu", _("Résolu")
        CLOS = "clos", _("Clos")

    class Priority(models.TextChoices):
        BASSE = "basse", _("Basse")
        NORMALE = "normale", _("Normale")
        HAUTE = "haute", _("Haute")
        URGENTE = "urgente", _("Urgente")

    class Source(models.TextChoices):
        PUBLIC = "public", _("Formulaire public")
        PORTAIL = "portail", _("Portail (connecté)")

    OPEN_STATUSES = (Status.NOUVEAU, Status.EN_COURS, Status.EN_ATTENTE)
    PRIORITY_ORDER = {"urgente": 0, "haute": 1, "normale": 2, "basse": 3}

    number = models.CharField(_("numéro"), max_length=20, unique=True, null=True, editable=False)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("catégorie")
    )
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices, default=Status.NOUVEAU)
    priority = models.CharField(_("priorité"), max_length=16, choices=Priority.choices, default=Priority.NORMALE)
    source = models.CharField(_("origine"), max_length=16, choices=Source.choices)
    subject = models.CharField(_("objet"), max_length=200)
    description = models.TextField(_("description"))
    # Who asked. ``identifier`` is what was typed (normalised); ``account`` the matching account.
    identifier = models.CharField(_("identifiant indiqué"), max_length=150, blank=True, db_index=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="helpdesk_tickets_about",
        verbose_name=_("compte concerné"),
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="helpdesk_tickets",
        verbose_name=_("demandeur connecté"),
        help_text=_("Vide pour une demande faite sans être connecté (suivie par lien privé)."),
    )
    contact_name = models.CharField(_("nom du demandeur"), max_length=150, blank=True)
    contact_email = models.EmailField(_("courriel de contact"), blank=True)
    contact_phone = models.CharField(_("téléphone de contact"), max_length=32, blank=True)
    # Snapshot of where the account works, for the agents' filters and department scopes.
    establishment = models.ForeignKey(
        "annuaire.Establishment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="helpdesk_tickets",
        verbose_name=_("établissement"),
    )
    department = models.CharField(_("département"), max_length=3, blank=True, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="helpdesk_assigned",
        verbose_name=_("attribué à"),
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    due_at = models.DateTimeField(_("échéance"), db_index=True)
    resolved_at = models.DateTimeField(_("résolu le"), null=True, blank=True)
    # Secret part of the requester's private status link (the link is also signed).
    access_key = models.CharField(max_length=64, editable=False)
    created_ip = models.GenericIPAddressField(_("adresse IP de création"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("note"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.TextField(_("commentaire de la note"), blank=True)
    rated_at = models.DateTimeField(_("noté le"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["due_at", "pk"]
        permissions = [
            ("access_console", _("Accéder à la console d'assistance")),
            ("act_on_accounts", _("Agir sur les comptes (déverrouiller, second facteur, mot de passe)")),
            ("export_audit", _("Exporter le journal d'audit de l'assistance")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="helpdesk_ticket_rating_1_5",
                violation_error_message=_("La note va de 1 à 5."),
            ),
            models.CheckConstraint(
                condition=~models.Q(contact_email="", contact_phone="", requester__isnull=True),
                name="helpdesk_ticket_has_contact",
                violation_error_message=_("Une demande sans compte connecté indique un courriel ou un téléphone."),
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.number or '—'} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()

    @property
    def can_be_rated(self) -> bool:
        return self.status in (self.Status.RESOLU, self.Status.CLOS) and self.rating is None

    @property
    def notification_email(self) -> str:
        if self.contact_email:
            return self.contact_email
        if self.requester_id and self.requester.email:
            return self.requester.email
        return ""

    def compute_due_at(self) -> None:
        self.due_at = (self.created_at or timezone.now()) + timedelta(hours=self.category.sla_hours)


class Message(models.Model):
    """One line of a ticket's timeline: a request or reply, an internal note, or an event."""

    class Kind(models.TextChoices):
        REQUEST = "demande", _("Message du demandeur")
        REPLY = "reponse", _("Réponse de l'assistance")
        NOTE = "note", _("Note interne")
        EVENT = "evenement", _("Événement")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    visible_to_requester = models.BooleanField(_("visible par le demandeur"), default=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(_("auteur"), max_length=150, blank=True)
    body = models.TextField(_("texte"))
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="note", visible_to_requester=True),
                name="helpdesk_note_never_public",
                violation_error_message=_("Une note interne n'est jamais visible par le demandeur."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.ticket.number}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """Random name, no extension: what the requester called the file is never a path."""
    now = timezone.now()
    return f"helpdesk/{now:%Y}/{now:%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("fichier"), upload_to=attachment_path, max_length=200)
    filename = models.CharField(_("nom du fichier"), max_length=120)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("taille (octets)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.filename


class AgentScope(models.Model):
    """Limits an agent to the accounts and tickets of some departments (none: the whole académie)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="helpdesk_scope", verbose_name=_("agent")
    )
    departments = models.CharField(
        _("départements"),
        max_length=64,
        blank=True,
        help_text=_("Codes séparés par des virgules, par exemple « 54,55 ». Vide : toute l'académie."),
    )

    class Meta:
        verbose_name = _("périmètre d'agent")
        verbose_name_plural = _("périmètres d'agents")

    def __str__(self) -> str:
        return f"{self.user} : {self.departments or _('toute l’académie')}"

    @property
    def department_list(self) -> list[str]:
        return [d.strip().upper() for d in self.departments.split(",") if d.strip()]


class AuditImmutableError(Exception):
    """The audit trail is append-only."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ANN003, ANN201
        raise AuditImmutableError("Le journal d'audit ne peut pas être modifié.")

    def delete(self):  # noqa: ANN201
        raise AuditImmutableError("Le journal d'audit ne peut pas être supprimé.")

    def bulk_update(self, objs, fields, batch_size=None):  # noqa: ANN001, ANN201
        raise AuditImmutableError("Le journal d'audit ne peut pas être modifié.")

    def update_or_create(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        raise AuditImmutableError("Le journal d'audit ne peut pas être modifié.")

    def _raw_delete(self, using):  # noqa: ANN001, ANN202
        raise AuditImmutableError("Le journal d'audit ne peut pas être supprimé.")


class AuditEntry(models.Model):
    """Append-only: who did what on which account, when, from where, for which ticket, with which
    result. Refused in Python (save of an existing row, delete, queryset update/delete) and, on
    PostgreSQL, by a trigger (migration 0002) that raises on UPDATE and DELETE."""

    class Action(models.TextChoices):
        UNLOCK = "unlock", _("Déverrouillage du compte")
        RESET_SECOND_FACTOR = "reset_second_factor", _("Réinitialisation du second facteur")
        FORCE_PASSWORD_CHANGE = "force_password_change", _("Changement de mot de passe imposé")
        SEND_RESET_LINK = "send_reset_link", _("Envoi d'un lien de réinitialisation")
        STATUS_CHANGE = "status_change", _("Changement de statut")
        PRIORITY_CHANGE = "priority_change", _("Changement de priorité")
        ASSIGNMENT = "assignment", _("Attribution")

    class Result(models.TextChoices):
        SUCCESS = "succes", _("Effectué")
        REFUSED = "refuse", _("Refusé")
        FAILED = "echec", _("Échec")

    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="helpdesk_audit_done",
        verbose_name=_("auteur"),
    )
    actor_label = models.CharField(_("auteur (texte)"), max_length=150)
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="helpdesk_audit_received",
        verbose_name=_("compte concerné"),
    )
    target_identifier = models.CharField(_("identifiant concerné"), max_length=150, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices, db_index=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_entries", verbose_name=_("ticket")
    )
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    comment = models.TextField(_("commentaire"), blank=True)
    identity_check = models.CharField(_("vérification d'identité"), max_length=255, blank=True)
    result = models.CharField(_("résultat"), max_length=16, choices=Result.choices)
    detail = models.TextField(_("détail"), blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("entrée du journal d'audit")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-created_at", "-pk"]
        base_manager_name = "objects"

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.get_action_display()} {self.target_identifier}"
        )

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None or not self._state.adding:
            raise AuditImmutableError("Une entrée du journal d'audit ne peut pas être modifiée.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        raise AuditImmutableError("Une entrée du journal d'audit ne peut pas être supprimée.")
