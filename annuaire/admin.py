from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from annuaire.models import Assignment, Establishment, Function, Service, User


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ["establishment", "service", "function"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "email", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups"]
    search_fields = ["username", "last_name", "first_name", "email"]
    inlines = [AssignmentInline]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Compte académique"), {"fields": ("mobile_phone", "must_change_password")}),
    )


@admin.register(Establishment)
class EstablishmentAdmin(admin.ModelAdmin):
    list_display = ["uai", "name", "kind", "commune", "department", "active"]
    list_filter = ["department", "kind", "public", "active"]
    search_fields = ["uai", "name", "commune"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "establishment"]
    search_fields = ["code", "name"]


@admin.register(Function)
class FunctionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
