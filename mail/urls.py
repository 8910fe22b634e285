from django.urls import path, re_path

from mail import views

app_name = "mail"
urlpatterns = [
    path("", views.mailbox, name="mailbox"),
    path("recherche/", views.search, name="search"),
    path("actions/", views.actions, name="actions"),
    path("dossiers/", views.folders, name="folders"),
    path("dossiers/action/", views.folder_action, name="folder_action"),
    path("lire/<int:uid>/", views.read, name="read"),
    path("lire/<int:uid>/corps/", views.body, name="body"),
    path("lire/<int:uid>/source/", views.source, name="source"),
    re_path(r"^lire/(?P<uid>[0-9]+)/partie/(?P<section>TEXT|[0-9]+(?:\.[0-9]+){0,40})/$", views.part, name="part"),
]
