"""Forms of the helpdesk. Limits give clear French messages; what was typed is re-displayed."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helpdesk.files import ALLOWED_TYPES, check_upload
from helpdesk.models import Category, Ticket

PHONE_RE = re.compile(r"^\+?[0-9 .()-]{6,24}$")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Zero or more files; each one checked (size, allow-listed type, content)."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(sorted(ALLOWED_TYPES))}))
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", gettext_lazy("Pièces jointes"))
        super().__init__(*args, **kwargs)

    @property
    def help_text(self) -> str:
        return _(
            "Facultatif. %(n)d fichiers au plus, %(size)s chacun : PDF, images, texte, courriel (.eml), documents bureautiques."
        ) % {
            "n": settings.HELPDESK_ATTACHMENTS_PER_MESSAGE,
            "size": filesizeformat(settings.HELPDESK_ATTACHMENT_MAX_BYTES),
        }

    @help_text.setter
    def help_text(self, value: str) -> None:
        pass

    def clean(self, data, initial=None):  # noqa: ANN001, ANN201
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [f for f in files if f]
        limit = settings.HELPDESK_ATTACHMENTS_PER_MESSAGE
        if len(files) > limit:
            raise ValidationError(_("%(n)d fichiers au plus par message.") % {"n": limit}, code="too_many")
        checked, errors = [], []
        for upload in files:
            try:
                checked.append(check_upload(upload))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return checked


def _text_limit(value: str) -> str:
    limit = settings.HELPDESK_MAX_TEXT_LENGTH
    if len(value) > limit:
        raise ValidationError(
            _(
                "Le texte est limité à %(limit)s caractères (vous en avez saisi %(n)s). Raccourcissez-le ou joignez un fichier."
            )
            % {"limit": f"{limit:,}".replace(",", " "), "n": f"{len(value):,}".replace(",", " ")},
            code="too_long",
        )
    return value


class LongTextField(forms.CharField):
    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 8}))
        super().__init__(*args, **kwargs)

    def clean(self, value):  # noqa: ANN001, ANN201
        value = super().clean(value)
        return _text_limit(value) if value else value


class CategoryField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(
            queryset=Category.objects.filter(active=True),
            to_field_name="slug",
            label=gettext_lazy("Catégorie"),
            empty_label=gettext_lazy("— Choisissez —"),
            *args,  # noqa: B026
            **kwargs,
        )


class PortalTicketForm(forms.Form):
    category = CategoryField()
    subject = forms.CharField(label=gettext_lazy("Objet"), max_length=200)
    description = LongTextField(label=gettext_lazy("Description"))
    attachments = AttachmentsField()


class PublicTicketForm(PortalTicketForm):
    """The form that works without signing in (the locked-out case)."""

    identifier = forms.CharField(
        label=gettext_lazy("Identifiant académique"),
        max_length=150,
        help_text=gettext_lazy("Celui que vous utilisez pour vous connecter, par exemple jdupont."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    contact_name = forms.CharField(label=gettext_lazy("Nom et prénom"), max_length=150)
    contact_email = forms.EmailField(
        label=gettext_lazy("Courriel de contact"),
        required=False,
        help_text=gettext_lazy("Courriel professionnel de préférence."),
    )
    contact_phone = forms.CharField(label=gettext_lazy("Téléphone de contact"), max_length=32, required=False)
    # Honeypot: hidden from people by CSS, filled by robots.
    website = forms.CharField(
        label=gettext_lazy("Site web (laisser vide)"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    field_order = [
        "identifier",
        "contact_name",
        "contact_email",
        "contact_phone",
        "category",
        "subject",
        "description",
        "attachments",
        "website",
    ]

    def clean_contact_phone(self) -> str:
        phone = self.cleaned_data.get("contact_phone", "").strip()
        if phone and not PHONE_RE.match(phone):
            raise ValidationError(_("Numéro de téléphone invalide."), code="phone")
        return phone

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("contact_email") and not data.get("contact_phone") and not self.errors.get("contact_email"):
            raise ValidationError(_("Indiquez un courriel ou un téléphone pour que l'assistance vous recontacte."))
        return data

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class ReplyForm(forms.Form):
    body = LongTextField(label=gettext_lazy("Votre message"))
    attachments = AttachmentsField()


class AgentReplyForm(forms.Form):
    VISIBILITY = [
        ("public", gettext_lazy("Réponse au demandeur (envoyée par courriel)")),
        ("note", gettext_lazy("Note interne")),
    ]
    body = LongTextField(label=gettext_lazy("Message"))
    visibility = forms.ChoiceField(
        label=gettext_lazy("Type"), choices=VISIBILITY, initial="public", widget=forms.RadioSelect
    )
    attachments = AttachmentsField()


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Statut"), choices=Ticket.Status.choices)


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=gettext_lazy("Priorité"), choices=Ticket.Priority.choices)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=gettext_lazy("Attribuer à"), queryset=None, required=False, empty_label=gettext_lazy("— Personne —")
    )

    def __init__(self, *args, agents=None, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = agents


class AccountActionForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Commentaire (obligatoire)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    identity_checked = forms.BooleanField(required=False)

    def __init__(self, *args, ticket: Ticket | None = None, identity_label: str = "", **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.needs_identity = ticket is not None and ticket.source == Ticket.Source.PUBLIC
        if self.needs_identity:
            self.fields["identity_checked"].required = True
            self.fields["identity_checked"].label = identity_label
            self.fields["identity_checked"].error_messages["required"] = _(
                "Demande faite sans connexion : confirmez avoir vérifié l'identité par rappel."
            )
        else:
            del self.fields["identity_checked"]

    def clean_comment(self) -> str:
        comment = self.cleaned_data["comment"].strip()
        if not comment:
            raise ValidationError(_("Un commentaire est obligatoire."))
        return comment


class PasswordActionForm(AccountActionForm):
    send_link = forms.BooleanField(
        label=gettext_lazy("Envoyer aussi un lien de réinitialisation au courriel professionnel de l'annuaire"),
        required=False,
    )


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=gettext_lazy("Votre note"),
        choices=[(i, str(i)) for i in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Commentaire"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
