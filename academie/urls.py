from django.contrib import admin
from django.urls import include, path

from academie import views

urlpatterns = [
    path("", views.home, name="home"),
    path("sante/", views.health, name="health"),
    path("", include("academie.urls_accounts")),
    path("admin/", admin.site.urls),
    path("annuaire/", include("annuaire.urls")),
    path("messagerie/", include("mail.urls")),
    path("agenda/", include("agenda.urls")),
    path("assistance/", include("helpdesk.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler400 = "academie.errors.bad_request"
handler403 = "academie.errors.permission_denied"
handler404 = "academie.errors.page_not_found"
handler500 = "academie.errors.server_error"
