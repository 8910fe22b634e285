"""Forms of the sign-in flow and of the security pages. Every field is bounded: over-long or
missing input is a form error, never a 500."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from annuaire.identifiers import MAX_IDENTIFIER_LENGTH, normalize_identifier

MAX_PASSWORD_LENGTH = 1024


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Identifiant académique"),
        max_length=MAX_IDENTIFIER_LENGTH,
        help_text=_("Par exemple : jdupont"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        max_length=MAX_PASSWORD_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_username(self) -> str:
        value = normalize_identifier(self.cleaned_data["username"])
        if not value:
            raise forms.ValidationError(_("Saisissez votre identifiant académique."), code="required")
        return value


class CodeForm(forms.Form):
    device = forms.ChoiceField(label=_("Moyen de vérification"), widget=forms.RadioSelect)
    otp_token = forms.CharField(
        label=_("Code à usage unique"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
    remember = forms.BooleanField(label=_("Se souvenir de ce navigateur pendant 30 jours"), required=False)

    def __init__(self, *args, devices: list[tuple[str, str]], allow_remember: bool, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["device"].choices = devices
        if devices:
            self.fields["device"].initial = devices[0][0]
        if not allow_remember:
            del self.fields["remember"]

    def clean_otp_token(self) -> str:
        return "".join(self.cleaned_data["otp_token"].split())


class SendSMSForm(forms.Form):
    device = forms.CharField(max_length=255)


class ConfirmCodeForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Code affiché par l'application"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_otp_token(self) -> str:
        return "".join(self.cleaned_data["otp_token"].split())


class PasswordResetRequestForm(forms.Form):
    username = forms.CharField(label=_("Identifiant académique"), max_length=MAX_IDENTIFIER_LENGTH)

    def clean_username(self) -> str:
        value = normalize_identifier(self.cleaned_data["username"])
        if not value:
            raise forms.ValidationError(_("Saisissez votre identifiant académique."), code="required")
        return value


class ReauthForm(forms.Form):
    password = forms.CharField(
        label=_("Mot de passe actuel"),
        max_length=MAX_PASSWORD_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        value = self.cleaned_data["password"]
        if not self.user.check_password(value):
            raise forms.ValidationError(_("Mot de passe incorrect."), code="invalid")
        return value


class SMSNumberForm(forms.Form):
    number = forms.RegexField(
        label=_("Numéro de mobile"),
        regex=r"^\+?[0-9 .]{10,20}$",
        max_length=20,
        error_messages={"invalid": _("Saisissez un numéro de mobile, par exemple 06 12 34 56 78.")},
    )
