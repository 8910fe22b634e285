"""Demonstration directory: establishments in the four departments and about twenty staff."""

from __future__ import annotations

import os

from annuaire.models import Assignment, DirectoryGroup, Establishment, Function, GroupMembership, Service, User

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Academie-Demo-2026!")

ESTABLISHMENTS = [
    # uai, name, kind, commune, phone
    ("0542222X", "Rectorat de l'académie de Nancy-Metz", "rectorat", "Nancy", "03 83 86 20 20"),
    ("0540038Y", "Lycée Henri Poincaré", "lycee", "Nancy", "03 83 36 75 42"),
    ("0541000U", "Collège Jacques Callot", "college", "Vandœuvre-lès-Nancy", "03 83 51 24 18"),
    ("0550002D", "Lycée Raymond Poincaré", "lycee", "Bar-le-Duc", "03 29 79 00 46"),
    ("0570054Z", "Lycée Fabert", "lycee", "Metz", "03 87 76 41 41"),
    ("0572000P", "Collège Paul Verlaine", "college", "Metz", "03 87 30 19 42"),
    ("0880020U", "Lycée Jules Ferry", "lycee", "Saint-Dié-des-Vosges", "03 29 56 23 11"),
    ("0881111E", "École élémentaire Jean Macé", "ecole", "Épinal", "03 29 82 15 05"),
]

FUNCTIONS = [
    ("ens-1d", "Enseignant du premier degré"),
    ("ens-2d", "Enseignant du second degré"),
    ("adm", "Personnel administratif"),
    ("chef", "Chef d'établissement"),
    ("adjoint", "Chef d'établissement adjoint"),
    ("cpe", "Conseiller principal d'éducation"),
    ("ien", "Inspecteur de l'éducation nationale"),
    ("dsi", "Ingénieur à la DSI"),
    ("assistance", "Agent d'assistance informatique"),
]

PEOPLE = [
    # identifier, first, last, function, uai or service code
    ("jdupont", "Jeanne", "Dupont", "ens-2d", "0540038Y"),
    ("mmartin2", "Marc", "Martin", "ens-2d", "0570054Z"),
    ("hlefebvre", "Hélène", "Lefèbvre", "chef", "0540038Y"),
    ("pgirard", "Pierre", "Girard", "adjoint", "0570054Z"),
    ("cmoreau", "Claire", "Moreau", "cpe", "0541000U"),
    ("lbernard", "Lucas", "Bernard", "ens-2d", "0541000U"),
    ("sfontaine", "Sophie", "Fontaine", "chef", "0572000P"),
    ("nrousseau", "Nicolas", "Rousseau", "ens-2d", "0572000P"),
    ("evincent", "Émilie", "Vincent", "ens-2d", "0550002D"),
    ("tmercier", "Thomas", "Mercier", "chef", "0550002D"),
    ("agarnier", "Anne", "Garnier", "ens-2d", "0880020U"),
    ("fchevalier", "François", "Chevalier", "adm", "0880020U"),
    ("ibonnet", "Isabelle", "Bonnet", "ens-1d", "0881111E"),
    ("dlambert", "David", "Lambert", "ens-1d", "0881111E"),
    ("mfaure", "Martine", "Faure", "ien", "0881111E"),
    ("rblanc", "Romain", "Blanc", "adm", "dpe"),
    ("vguerin", "Valérie", "Guérin", "adm", "diper"),
    ("omuller", "Olivier", "Muller", "ens-2d", "0570054Z"),
    ("ckieffer", "Camille", "Kieffer", "ens-2d", "0540038Y"),
    ("jschmitt", "Julien", "Schmitt", "adm", "cabinet"),
]

AGENT = ("agent.assistance", "Aurélie", "Thiriet", "assistance", "dsi")
ADMIN = ("admin.dsi", "Bruno", "Colin", "dsi", "dsi")

SERVICES = [
    ("dsi", "Direction des systèmes d'information"),
    ("dpe", "Division des personnels enseignants"),
    ("diper", "Division des personnels"),
    ("cabinet", "Cabinet du recteur"),
]


def _person(identifier: str, first: str, last: str, function: str, place: str) -> User:
    domain = "ac-nancy-metz.fr"
    user, created = User.objects.get_or_create(
        username=identifier,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{first}.{last}@{domain}".lower()
            .replace("é", "e")
            .replace("è", "e")
            .replace("ç", "c")
            .replace(" ", ""),
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    est = Establishment.objects.filter(uai=place).first()
    svc = None if est else Service.objects.get(code=place)
    Assignment.objects.get_or_create(
        user=user,
        function=Function.objects.get(code=function),
        establishment=est,
        service=svc,
        defaults={"principal": True},
    )
    return user


SUB_SERVICES = [
    # code, name, parent code
    ("dsi-infra", "DSI — Infrastructures et réseaux", "dsi"),
    ("dsi-assistance", "DSI — Plateforme d'assistance", "dsi"),
]

GROUPS = [
    # address local part, name, kind, post policy, owner, members
    ("chefs-54", "Chefs d'établissement de Meurthe-et-Moselle", "liste", "proprietaires", "admin.dsi", ["hlefebvre"]),
    ("chefs-57", "Chefs d'établissement de Moselle", "liste", "proprietaires", "admin.dsi", ["sfontaine"]),
    ("chefs-academie", "Chefs d'établissement de l'académie", "liste", "membres", "admin.dsi", []),
    ("numerique-educatif", "Numérique éducatif", "discussion", "membres", "ckieffer", ["ckieffer", "jdupont"]),
]


def _groups() -> None:
    domain = "ac-nancy-metz.fr"
    for local, name, kind, policy, owner, members in GROUPS:
        group, _ = DirectoryGroup.objects.get_or_create(
            address=f"{local}@{domain}", defaults={"name": name, "kind": kind, "post_policy": policy}
        )
        group.owners.add(User.objects.get(username=owner))
        for username in members:
            GroupMembership.objects.get_or_create(group=group, user=User.objects.get(username=username))
    top = DirectoryGroup.objects.get(address=f"chefs-academie@{domain}")
    for local in ("chefs-54", "chefs-57"):
        GroupMembership.objects.get_or_create(
            group=top, subgroup=DirectoryGroup.objects.get(address=f"{local}@{domain}")
        )
    GroupMembership.objects.get_or_create(
        group=DirectoryGroup.objects.get(address=f"numerique-educatif@{domain}"),
        external_email="partenaire.canope@example.org",
        defaults={"external_name": "Réseau Canopé (partenaire)"},
    )


def seed(*, stdout) -> None:  # noqa: ANN001
    for uai, name, kind, commune, phone in ESTABLISHMENTS:
        Establishment.objects.get_or_create(
            uai=uai,
            defaults={
                "name": name,
                "kind": kind,
                "commune": commune,
                "department": uai[1:3],
                "phone": phone,
                "email": f"ce.{uai}@ac-nancy-metz.fr",
            },
        )
    rectorat = Establishment.objects.get(uai="0542222X")
    for code, name in SERVICES:
        Service.objects.get_or_create(code=code, defaults={"name": name, "establishment": rectorat})
    for code, name in FUNCTIONS:
        Function.objects.get_or_create(code=code, defaults={"name": name})
    for code, name, parent in SUB_SERVICES:
        Service.objects.get_or_create(
            code=code, defaults={"name": name, "parent": Service.objects.get(code=parent), "establishment": rectorat}
        )
    for row in PEOPLE:
        _person(*row)
    # a few phones to show the privacy rules (mobile numbers are private by default)
    for username, office, mobile in (
        ("hlefebvre", "03 83 36 75 40", "06 12 34 56 78"),
        ("mmartin2", "03 87 76 41 42", ""),
    ):
        User.objects.filter(username=username, office_phone="").update(office_phone=office, mobile_phone=mobile)
    _person(*AGENT)
    admin = _person(*ADMIN)
    if not admin.is_superuser:
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
    _groups()
    from annuaire.search import rebuild_index

    rebuild_index()
    stdout.write(f"Annuaire : {Establishment.objects.count()} établissements, {User.objects.count()} comptes.")
    stdout.write(f"  Mot de passe de démonstration commun : {DEMO_PASSWORD}")
    stdout.write("  Agents : jdupont, mmartin2, hlefebvre… ; assistance : agent.assistance ; DSI : admin.dsi")
