from django.urls import path

from annuaire import views

app_name = "annuaire"
urlpatterns = [
    path("", views.index, name="index"),
    path("autocomplete/", views.autocomplete, name="autocomplete"),
    path("vcard/", views.search_vcard, name="search_vcard"),
    path("personne/<str:username>/", views.person, name="person"),
    path("personne/<str:username>/vcard/", views.person_vcard, name="person_vcard"),
    path("ma-fiche/visibilite/", views.privacy, name="privacy"),
    path("etablissement/<str:uai>/", views.establishment, name="establishment"),
    path("services/", views.services_tree, name="services"),
    path("service/<slug:code>/", views.service, name="service"),
    path("groupes/", views.groups, name="groups"),
    path("groupe/<int:pk>/", views.group, name="group"),
    path("groupe/<int:pk>/rejoindre/", views.group_join, name="group_join"),
    path("groupe/<int:pk>/demandes/<int:request_id>/", views.group_decide, name="group_decide"),
    path("groupe/<int:pk>/vcard/", views.group_vcard, name="group_vcard"),
]
