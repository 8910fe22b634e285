from django.urls import path

from helpdesk import views

app_name = "helpdesk"

# Agent console: every URL here answers 403 to a signed-in user without the console permission
# (tests/helpdesk/test_console_permissions.py walks this list).
console_urlpatterns = [
    path("console/", views.console, name="console"),
    path("console/comptes-verrouilles/", views.console_lockouts, name="lockouts"),
    path("console/journal/", views.console_audit, name="audit"),
    path("console/journal/export.csv", views.console_audit_csv, name="audit_csv"),
    path("console/tickets/<str:number>/", views.console_ticket, name="console_ticket"),
    path("console/tickets/<str:number>/repondre/", views.console_reply, name="console_reply"),
    path("console/tickets/<str:number>/statut/", views.console_status, name="console_status"),
    path("console/tickets/<str:number>/priorite/", views.console_priority, name="console_priority"),
    path("console/tickets/<str:number>/attribuer/", views.console_assign, name="console_assign"),
    path(
        "console/tickets/<str:number>/compte/<slug:action>/",
        views.console_account_action,
        name="console_account_action",
    ),
    path(
        "console/tickets/<str:number>/pieces/<int:attachment_id>/",
        views.console_attachment,
        name="console_attachment",
    ),
]

urlpatterns = [
    path("", views.index, name="index"),
    path("nouveau/", views.new_ticket, name="new"),
    path("suivi/<str:token>/", views.status_page, name="status"),
    path("suivi/<str:token>/pieces/<int:attachment_id>/", views.status_attachment, name="status_attachment"),
    path("mes-demandes/<str:number>/", views.my_ticket, name="my_ticket"),
    path("mes-demandes/<str:number>/pieces/<int:attachment_id>/", views.my_attachment, name="my_attachment"),
    *console_urlpatterns,
]
