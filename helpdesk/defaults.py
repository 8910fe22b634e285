"""Reference data shared by the data migration, the demo and the tests (plain data, no models)."""

from __future__ import annotations

AGENT_GROUP = "Assistance"
# Permissions of the "Assistance" group (codename, in the helpdesk app).
AGENT_PERMISSIONS = ("access_console", "act_on_accounts")

# slug, name, help, SLA hours, default priority, account related, position
CATEGORIES = [
    (
        "compte-bloque",
        "Compte bloqué",
        "Trop de mots de passe erronés : le compte est verrouillé.",
        4,
        "haute",
        True,
        10,
    ),
    (
        "second-facteur-perdu",
        "Second facteur perdu",
        "Téléphone perdu ou changé, codes de secours épuisés.",
        8,
        "haute",
        True,
        20,
    ),
    ("mot-de-passe", "Mot de passe", "Mot de passe oublié ou à changer.", 8, "normale", True, 30),
    (
        "hameconnage",
        "Hameçonnage (signalement)",
        "Courriel suspect qui demande un mot de passe ou un paiement.",
        4,
        "haute",
        False,
        40,
    ),
    ("messagerie", "Messagerie", "Envoi, réception, dossiers, clients de messagerie.", 24, "normale", False, 50),
    ("agenda", "Agenda", "Calendriers, invitations, partages.", 48, "normale", False, 60),
    ("autre", "Autre", "Toute autre demande.", 72, "normale", False, 70),
]
