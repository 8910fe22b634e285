"""Demonstration helpdesk: ``agent.assistance`` in the "Assistance" group, a locked account with
its public ticket, and a few tickets from signed-in staff. Idempotent."""

from __future__ import annotations

from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from helpdesk import services
from helpdesk.defaults import AGENT_GROUP, AGENT_PERMISSIONS, CATEGORIES
from helpdesk.models import Category, Ticket

User = get_user_model()

LOCKED = "cmoreau"


def ensure_reference_data() -> Group:
    """Categories and the agents' group (also created by the migrations; kept here for databases
    flushed by transactional tests)."""
    for slug, name, help_text, sla, priority, account_related, position in CATEGORIES:
        Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": help_text,
                "sla_hours": sla,
                "default_priority": priority,
                "account_related": account_related,
                "position": position,
            },
        )
    group, _ = Group.objects.get_or_create(name=AGENT_GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="helpdesk", codename__in=AGENT_PERMISSIONS)
    )
    return group


def _lock(identifier: str) -> None:
    if AccessAttempt.objects.filter(username=identifier).exists():
        return
    for _ in range(3):
        AccessFailureLog.objects.create(
            username=identifier,
            ip_address="192.0.2.44",
            user_agent="Mozilla/5.0 (démo)",
            http_accept="*/*",
            path_info="/connexion/",
        )
    AccessAttempt.objects.create(
        username=identifier,
        ip_address="192.0.2.44",
        user_agent="Mozilla/5.0 (démo)",
        http_accept="*/*",
        path_info="/connexion/",
        get_data="",
        post_data="username=" + identifier,
        failures_since_start=3,
    )


def seed(*, stdout) -> None:  # noqa: ANN001
    group = ensure_reference_data()
    agent = User.objects.filter(username="agent.assistance").first()
    if agent is not None:
        agent.groups.add(group)
    if Ticket.objects.exists():
        stdout.write(f"Assistance : {Ticket.objects.count()} tickets déjà présents.")
        return
    cat = {c.slug: c for c in Category.objects.all()}
    locked = User.objects.filter(username=LOCKED).first()
    if locked is not None:
        _lock(LOCKED)
        services.open_public_ticket(
            identifier="CMoreau ",
            contact_name="Claire Moreau",
            contact_email="",
            contact_phone="06 12 34 56 78",
            category=cat["compte-bloque"],
            subject="Compte bloqué après trois essais",
            description="Bonjour, je me suis trompée de mot de passe ce matin et mon compte est bloqué. "
            "Je suis joignable au collège toute la journée.",
            ip="192.0.2.44",
        )
    for username, slug, subject, body in [
        (
            "hlefebvre",
            "hameconnage",
            "Courriel suspect « mise à jour de votre boîte »",
            "Plusieurs collègues ont reçu un message demandant de confirmer leur mot de passe sur un site externe.",
        ),
        (
            "mmartin2",
            "second-facteur-perdu",
            "Nouveau téléphone",
            "J'ai changé de téléphone : l'application d'authentification est vide. Il me reste deux codes de secours.",
        ),
        (
            "evincent",
            "messagerie",
            "Thunderbird ne se connecte plus",
            "Depuis hier Thunderbird refuse mon mot de passe d'application.",
        ),
    ]:
        user = User.objects.filter(username=username).first()
        if user is not None:
            services.open_portal_ticket(user=user, category=cat[slug], subject=subject, description=body)
    stdout.write(f"Assistance : {Ticket.objects.count()} tickets de démonstration ; agent : agent.assistance.")
    if locked is not None:
        stdout.write(f"  Compte verrouillé de démonstration : {LOCKED} (ticket public à traiter dans la console).")
