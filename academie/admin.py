"""DSI admin: service tiles, sign-in history, sessions, SMS devices, and lockouts (django-axes)."""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from academie import services
from academie.models import KnownNetwork, LoginEvent, RememberedBrowser, ServiceTile, SMSDevice, UserSession


@admin.register(ServiceTile)
class ServiceTileAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["active", "functions"]
    search_fields = ["name", "url", "description"]
    filter_horizontal = ["functions"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(LoginEvent)
class LoginEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "identifier", "result", "ip", "trusted_network", "user_agent"]
    list_filter = ["result", "trusted_network", "at"]
    search_fields = ["identifier", "ip"]
    date_hierarchy = "at"

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(UserSession)
class UserSessionAdmin(ReadOnlyAdmin):
    list_display = ["user", "ip", "trusted_network", "user_agent", "created_at", "last_activity"]
    search_fields = ["user__username", "ip"]
    list_filter = ["trusted_network"]
    actions = ["revoke"]

    @admin.action(description=_("Fermer les sessions sélectionnées"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[UserSession]) -> None:
        count = 0
        for tracked in queryset:
            count += services.revoke_session(user=tracked.user, session_id=tracked.pk)
        self.message_user(request, _("%(count)s session(s) fermée(s).") % {"count": count}, messages.SUCCESS)


@admin.register(RememberedBrowser)
class RememberedBrowserAdmin(ReadOnlyAdmin):
    list_display = ["user", "ip", "user_agent", "created_at", "expires_at"]
    search_fields = ["user__username"]
    exclude = ["token"]


@admin.register(KnownNetwork)
class KnownNetworkAdmin(ReadOnlyAdmin):
    list_display = ["user", "prefix", "first_seen", "last_seen"]
    search_fields = ["user__username", "prefix"]


@admin.register(SMSDevice)
class SMSDeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "number", "confirmed"]
    search_fields = ["user__username", "number"]
    raw_id_fields = ["user"]
    exclude = ["token"]


# Lockouts: axes' own admin with an audited "unlock" action.
if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    actions = ["unlock"]

    @admin.action(description=_("Déverrouiller les identifiants sélectionnés (journalisé)"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        usernames = sorted({a.username for a in queryset if a.username})
        for username in usernames:
            services.unlock_identifier(admin_user=request.user, username=username, request=request)
        self.message_user(
            request,
            ngettext("%(count)d identifiant déverrouillé.", "%(count)d identifiants déverrouillés.", len(usernames))
            % {"count": len(usernames)},
            messages.SUCCESS,
        )
