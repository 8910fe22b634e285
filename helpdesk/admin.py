"""Admin of the helpdesk (DSI): categories, agent scopes, tickets, and the read-only audit trail."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from helpdesk.models import AgentScope, Attachment, AuditEntry, Category, Message, Ticket


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "sla_hours", "default_priority", "account_related", "active", "position"]
    list_editable = ["sla_hours", "active", "position"]
    list_filter = ["active", "account_related"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(AgentScope)
class AgentScopeAdmin(admin.ModelAdmin):
    list_display = ["user", "departments"]
    search_fields = ["user__username", "user__last_name"]
    autocomplete_fields = ["user"]


class ReadOnlyInline(admin.TabularInline):
    """A ticket's timeline and files are shown, never added, edited or deleted from the admin."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:  # noqa: ANN001
        return list(self.fields)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:  # noqa: ANN001
        return False


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["created_at", "kind", "visible_to_requester", "author_name", "body"]


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["created_at", "filename", "content_type", "size", "uploaded_by"]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "subject",
        "identifier",
        "category",
        "status",
        "priority",
        "department",
        "assignee",
        "due_at",
    ]
    list_filter = ["status", "priority", "category", "source", "department"]
    search_fields = ["number", "identifier", "subject", "contact_email", "contact_name"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "number",
        "source",
        "identifier",
        "account",
        "requester",
        "contact_name",
        "contact_email",
        "contact_phone",
        "description",
        "created_at",
        "updated_at",
        "resolved_at",
        "created_ip",
        "rating",
        "rating_comment",
        "rated_at",
        # Statuses, priorities and assignment change from the console, where every change is audited.
        "status",
        "priority",
        "assignee",
    ]
    fields = [
        "number",
        "category",
        "subject",
        "status",
        "priority",
        "assignee",
        "due_at",
        "source",
        "identifier",
        "account",
        "requester",
        "contact_name",
        "contact_email",
        "contact_phone",
        "establishment",
        "department",
        "description",
        "created_at",
        "updated_at",
        "resolved_at",
        "created_ip",
        "rating",
        "rating_comment",
        "rated_at",
    ]
    raw_id_fields = ["establishment"]
    inlines = [MessageInline, AttachmentInline]
    list_select_related = ["category", "assignee"]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:  # noqa: ANN001
        # Audit entries point at tickets (PROTECT); a ticket is closed, never deleted.
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for everyone, DSI superusers included; export as CSV."""

    list_display = ["created_at", "actor_label", "action", "target_identifier", "ticket", "ip_address", "result"]
    list_filter = ["action", "result", "created_at"]
    search_fields = ["actor_label", "target_identifier", "ticket__number", "comment", "ip_address"]
    date_hierarchy = "created_at"
    list_select_related = ["ticket"]
    actions = ["export_csv"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("helpdesk.export_audit")

    @admin.action(description=_("Exporter la sélection en CSV"), permissions=["export"])
    def export_csv(self, request: HttpRequest, queryset):  # noqa: ANN001, ANN201
        from helpdesk.views import audit_csv_response

        return audit_csv_response(queryset.select_related("ticket").order_by("-created_at", "-pk"))

    def get_actions(self, request: HttpRequest) -> dict:
        # The default "delete selected" action is gone with has_delete_permission; keep export only.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
