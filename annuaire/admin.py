"""The DSI's daily tool: people, establishments, services, functions, groups, history, CSV import."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from annuaire import services
from annuaire.importer import ImportRefused, import_file
from annuaire.models import (
    Assignment,
    ChangeRecord,
    DirectoryGroup,
    Establishment,
    Function,
    GroupMembership,
    JoinRequest,
    Service,
    User,
)


def _history(obj: object) -> str:
    if obj is None or obj.pk is None:
        return "—"
    records = ChangeRecord.objects.filter(object_type=obj._meta.model_name, object_id=str(obj.pk)).select_related(
        "actor"
    )[:30]
    if not records:
        return _("Aucune modification enregistrée.")
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                f"{r.at:%d/%m/%Y %H:%M}",
                r.actor or "—",
                r.source,
                r.action,
                ", ".join(f"{k}: {v}" for k, v in r.changes.items()),
            )
            for r in records
        ),
    )
    return format_html(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
        _("date"),
        _("auteur"),
        _("origine"),
        _("action"),
        _("modifications"),
        rows,
    )


class HistoryMixin:
    """Read-only change history on the change page, and a record for each admin save."""

    @admin.display(description=_("historique des modifications"))
    def change_history(self, obj: object) -> str:
        return _history(obj)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:  # noqa: ANN001
        super().save_model(request, obj, form, change)
        changed = {name: str(form.cleaned_data.get(name))[:200] for name in form.changed_data if name != "password"}
        services.record_change(
            actor=request.user, source="admin", obj=obj, action="change" if change else "create", changes=changed
        )


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ["establishment", "service", "function"]


class DepartmentFilter(admin.SimpleListFilter):
    title = _("département")
    parameter_name = "departement"

    def lookups(self, request, model_admin):  # noqa: ANN001, ANN201
        deps = Establishment.objects.order_by("department").values_list("department", flat=True).distinct()
        return [(d, d) for d in deps if d]

    def queryset(self, request, queryset):  # noqa: ANN001, ANN201
        if self.value():
            return queryset.filter(assignments__establishment__department=self.value()).distinct()
        return queryset


class EstablishmentKindFilter(admin.SimpleListFilter):
    title = _("type d'établissement")
    parameter_name = "type_etablissement"

    def lookups(self, request, model_admin):  # noqa: ANN001, ANN201
        return Establishment.Kind.choices

    def queryset(self, request, queryset):  # noqa: ANN001, ANN201
        if self.value():
            return queryset.filter(assignments__establishment__kind=self.value()).distinct()
        return queryset


class FunctionFilter(admin.SimpleListFilter):
    title = _("fonction")
    parameter_name = "fonction"

    def lookups(self, request, model_admin):  # noqa: ANN001, ANN201
        return [(str(f.pk), f.name) for f in Function.objects.order_by("name")]

    def queryset(self, request, queryset):  # noqa: ANN001, ANN201
        if self.value():
            return queryset.filter(assignments__function_id=self.value()).distinct()
        return queryset


class MoveForm(forms.Form):
    establishment = forms.ModelChoiceField(
        queryset=Establishment.objects.filter(active=True), label=_("nouvel établissement principal")
    )
    function = forms.ModelChoiceField(
        queryset=Function.objects.all(), required=False, label=_("nouvelle fonction (facultatif)")
    )


class AddToGroupForm(forms.Form):
    group = forms.ModelChoiceField(queryset=DirectoryGroup.objects.filter(active=True), label=_("groupe"))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("fichier CSV (séparé par des points-virgules)"))
    dry_run = forms.BooleanField(
        label=_("simulation : montrer ce qui changerait sans rien enregistrer"), required=False, initial=True
    )
    full = forms.BooleanField(
        label=_("export complet : désactiver les personnes gérées par l'import absentes du fichier"), required=False
    )


@admin.register(User)
class UserAdmin(HistoryMixin, BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "email", "is_active", "is_staff"]
    list_filter = [
        "is_active",
        DepartmentFilter,
        EstablishmentKindFilter,
        FunctionFilter,
        "managed_by_import",
        "is_staff",
    ]
    search_fields = ["username", "last_name", "first_name", "email", "assignments__establishment__uai"]
    inlines = [AssignmentInline]
    readonly_fields = ["change_history", "last_login", "date_joined"]
    actions = ["deactivate", "move_to_establishment", "add_to_group"]
    change_list_template = "admin/annuaire/user/change_list.html"
    fieldsets = BaseUserAdmin.fieldsets + (
        (
            _("Compte académique"),
            {
                "fields": (
                    "office_phone",
                    "mobile_phone",
                    "must_change_password",
                    "managed_by_import",
                    "email_visibility",
                    "office_phone_visibility",
                    "mobile_phone_visibility",
                )
            },
        ),
        (_("Historique"), {"fields": ("change_history",)}),
    )

    def get_urls(self):  # noqa: ANN201
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="annuaire_import"),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not (request.user.has_perm("annuaire.add_user") and request.user.has_perm("annuaire.change_user")):
            raise PermissionDenied
        report = error = None
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = import_file(
                    upload.file,
                    dry_run=form.cleaned_data["dry_run"],
                    full=form.cleaned_data["full"],
                    actor=request.user,
                )
            except ImportRefused as exc:
                error = str(exc)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Importer un export CSV du rectorat"),
            "form": form,
            "report": report,
            "error": error,
        }
        return TemplateResponse(request, "admin/annuaire/import.html", context)

    @admin.action(description=_("Désactiver les agents sélectionnés"), permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        n = services.deactivate_people(people=list(queryset), actor=request.user)
        self.message_user(request, ngettext("%d compte désactivé.", "%d comptes désactivés.", n) % n, messages.SUCCESS)

    def _intermediate(
        self, request: HttpRequest, queryset: QuerySet, form: forms.Form, action: str, title: str
    ) -> HttpResponse:
        return TemplateResponse(
            request,
            "admin/annuaire/bulk_action.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                "form": form,
                "queryset": queryset,
                "action": action,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("Déplacer vers un établissement…"), permissions=["change"])
    def move_to_establishment(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        form = MoveForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            try:
                n = services.move_people_to_establishment(
                    people=list(queryset),
                    establishment=form.cleaned_data["establishment"],
                    function=form.cleaned_data["function"],
                    actor=request.user,
                )
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                return None
            self.message_user(request, ngettext("%d agent déplacé.", "%d agents déplacés.", n) % n, messages.SUCCESS)
            return None
        return self._intermediate(request, queryset, form, "move_to_establishment", _("Déplacer vers un établissement"))

    @admin.action(description=_("Ajouter à un groupe…"), permissions=["change"])
    def add_to_group(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        form = AddToGroupForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            n = services.add_people_to_group(
                people=list(queryset), group=form.cleaned_data["group"], actor=request.user
            )
            self.message_user(request, ngettext("%d membre ajouté.", "%d membres ajoutés.", n) % n, messages.SUCCESS)
            return None
        return self._intermediate(request, queryset, form, "add_to_group", _("Ajouter à un groupe"))


@admin.register(Establishment)
class EstablishmentAdmin(HistoryMixin, admin.ModelAdmin):
    list_display = ["uai", "name", "kind", "public", "commune", "department", "active"]
    list_filter = ["department", "kind", "public", "active"]
    search_fields = ["uai", "name", "commune"]
    readonly_fields = ["department", "change_history"]
    actions = ["deactivate"]

    @admin.action(description=_("Marquer les établissements sélectionnés comme inactifs"), permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Establishment]) -> None:
        for est in queryset.filter(active=True):
            est.active = False
            est.save(update_fields=["active"])
            services.record_change(actor=request.user, source="admin", obj=est, action="deactivate")
        self.message_user(request, _("Établissements désactivés."), messages.SUCCESS)


@admin.register(Service)
class ServiceAdmin(HistoryMixin, admin.ModelAdmin):
    list_display = ["code", "name", "parent", "establishment"]
    search_fields = ["code", "name"]
    list_filter = ["establishment"]
    autocomplete_fields = ["parent", "establishment"]
    readonly_fields = ["change_history"]


@admin.register(Function)
class FunctionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class MembershipForm(forms.ModelForm):
    class Meta:
        model = GroupMembership
        fields = ["user", "subgroup", "external_email", "external_name"]


class MembershipInline(admin.TabularInline):
    model = GroupMembership
    fk_name = "group"
    form = MembershipForm
    extra = 1
    autocomplete_fields = ["user", "subgroup"]


class JoinRequestInline(admin.TabularInline):
    model = JoinRequest
    extra = 0
    fields = ["user", "status", "message", "created_at", "decided_by", "decided_at"]
    # decisions go through the group page (services.decide_join_request adds the member)
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(DirectoryGroup)
class DirectoryGroupAdmin(HistoryMixin, admin.ModelAdmin):
    list_display = ["name", "address", "kind", "post_policy", "active"]
    list_filter = ["kind", "post_policy", "active"]
    search_fields = ["name", "address"]
    autocomplete_fields = ["owners"]
    inlines = [MembershipInline, JoinRequestInline]
    readonly_fields = ["change_history"]


@admin.register(ChangeRecord)
class ChangeRecordAdmin(admin.ModelAdmin):
    """Append-only: nobody adds, edits or deletes history, not even a superuser."""

    list_display = ["at", "actor", "source", "action", "object_type", "object_repr"]
    list_filter = ["source", "action", "object_type"]
    search_fields = ["object_repr", "object_id", "actor__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
