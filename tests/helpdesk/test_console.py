"""Agent console through HTTP: queue, timeline, statuses, notifications, account actions, scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from helpdesk import selectors, services
from helpdesk.models import AgentScope, AuditEntry, Category, Ticket
from tests.helpdesk.conftest import lock_out, open_public_ticket, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_ticket(client, teacher):
    _, ticket, _ = open_public_ticket(client)
    mail.outbox.clear()
    return ticket


def _url(ticket: Ticket, suffix: str = "") -> str:
    return f"/assistance/console/tickets/{ticket.number}/{suffix}"


# --- queue --------------------------------------------------------------------------------------
def test_queue_filters_counts_and_sorts_by_due_date(
    agent_client, agent, teacher, make_user, make_establishment, assign
):
    metz = make_establishment("0570054Z", "Lycée Fabert", "57", "03 87 76 41 41")
    other = make_user("mmartin2")
    assign(other, metz)
    t_lock = services.open_portal_ticket(
        user=teacher, category=Category.objects.get(slug="compte-bloque"), subject="A", description="a"
    )
    t_mail = services.open_portal_ticket(
        user=other, category=Category.objects.get(slug="messagerie"), subject="B", description="b"
    )
    t_late = services.open_portal_ticket(
        user=other, category=Category.objects.get(slug="autre"), subject="C", description="c"
    )
    Ticket.objects.filter(pk=t_late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    t_done = services.open_portal_ticket(
        user=teacher, category=Category.objects.get(slug="agenda"), subject="D", description="d"
    )
    services.change_status(agent=agent, ticket=t_done, status=Ticket.Status.RESOLU)
    services.assign_ticket(agent=agent, ticket=t_mail, assignee=agent)

    def numbers(query: str = "") -> list[str]:
        response = agent_client.get(f"/assistance/console/{query}")
        assert response.status_code == 200
        return [t.number for t in response.context["page"].object_list]

    # default: open tickets, soonest due first (overdue first, then 4 h, 24 h)
    assert numbers() == [t_late.number, t_lock.number, t_mail.number]
    assert numbers("?tri=-due") == [t_mail.number, t_lock.number, t_late.number]
    assert numbers("?retard=1") == [t_late.number]
    assert numbers("?moi=1") == [t_mail.number]
    assert numbers("?categorie=compte-bloque") == [t_lock.number]
    assert numbers("?departement=57") == [t_late.number, t_mail.number]
    assert numbers("?etablissement=0540038Y") == [t_lock.number]
    assert numbers("?priorite=haute") == [t_lock.number]
    assert numbers("?statut=resolu") == [t_done.number]
    assert set(numbers("?tous=1")) == {t_lock.number, t_mail.number, t_late.number, t_done.number}
    assert numbers("?q=jdupont") == [t_lock.number]
    counts = agent_client.get("/assistance/console/").context["counts"]
    assert counts["open"] == 3 and counts["overdue"] == 1 and counts["mine"] == 1 and counts["unassigned"] == 2
    assert counts["status_resolu"] == 1
    html = agent_client.get("/assistance/console/").content.decode()
    assert "en retard" in html


def test_queue_query_count_does_not_grow_with_tickets(agent_client, teacher, django_assert_max_num_queries):
    cat = Category.objects.get(slug="autre")
    for n in range(3):
        services.open_portal_ticket(user=teacher, category=cat, subject=f"s{n}", description="d")
    with django_assert_max_num_queries(20) as small:
        agent_client.get("/assistance/console/")
    for n in range(15):
        services.open_portal_ticket(user=teacher, category=cat, subject=f"t{n}", description="d")
    with django_assert_max_num_queries(len(small.captured_queries)):
        agent_client.get("/assistance/console/")


# --- timeline, statuses, notifications --------------------------------------------------------------
def test_public_reply_is_emailed_internal_note_is_not(agent_client, public_ticket, client):
    response = agent_client.post(
        _url(public_ticket, "repondre/"), {"body": "NOTE: rappel à 14 h", "visibility": "note"}
    )
    assert response.status_code == 302
    assert not mail.outbox
    response = agent_client.post(
        _url(public_ticket, "repondre/"), {"body": "Nous allons vous rappeler.", "visibility": "public"}
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["jeanne.dupont@ac-nancy-metz.fr"] and public_ticket.number in sent.subject
    assert "Nous allons vous rappeler." in sent.body and "NOTE: rappel" not in sent.body
    assert f"https://messagerie.example.test{selectors.status_path(public_ticket)}" in sent.body
    public_ticket.refresh_from_db()
    assert public_ticket.status == Ticket.Status.EN_COURS  # first answer takes it in hand
    # the agent sees both, labelled
    html = agent_client.get(_url(public_ticket)).content.decode()
    assert "NOTE: rappel à 14 h" in html and "Note interne" in html
    # the requester sees only the reply
    html = client.get(selectors.status_path(public_ticket)).content.decode()
    assert "Nous allons vous rappeler." in html and "NOTE: rappel" not in html


def test_portal_requester_is_notified_at_their_address(agent_client, teacher):
    ticket = services.open_portal_ticket(
        user=teacher, category=Category.objects.get(slug="agenda"), subject="x", description="y"
    )
    agent_client.post(_url(ticket, "repondre/"), {"body": "Réglé.", "visibility": "public"})
    assert mail.outbox[-1].to == [teacher.email]
    assert f"/assistance/mes-demandes/{ticket.number}/" in mail.outbox[-1].body


def test_status_priority_and_assignment_changes_are_audited(agent_client, agent, public_ticket, client):
    assert agent_client.post(_url(public_ticket, "statut/"), {"status": "en_attente"}).status_code == 302
    assert agent_client.post(_url(public_ticket, "priorite/"), {"priority": "urgente"}).status_code == 302
    assert agent_client.post(_url(public_ticket, "attribuer/"), {"moi": "1"}).status_code == 302
    assert agent_client.post(_url(public_ticket, "statut/"), {"status": "resolu"}).status_code == 302
    assert agent_client.post(_url(public_ticket, "statut/"), {"status": "n_importe"}).status_code == 400
    public_ticket.refresh_from_db()
    assert public_ticket.status == "resolu" and public_ticket.priority == "urgente" and public_ticket.assignee == agent
    assert public_ticket.resolved_at is not None
    entries = list(
        AuditEntry.objects.filter(ticket=public_ticket).order_by("pk").values_list("action", "detail", "actor")
    )
    assert entries == [
        ("status_change", "nouveau -> en_attente", agent.pk),
        ("priority_change", "haute -> urgente", agent.pk),
        ("assignment", "- -> agent.assistance", agent.pk),
        ("status_change", "en_attente -> resolu", agent.pk),
    ]
    entry = AuditEntry.objects.filter(ticket=public_ticket).first()
    assert entry.ip_address == "127.0.0.1" and entry.target_identifier == "jdupont"
    # resolution e-mail invites to rate
    assert "résolue" in mail.outbox[-1].body
    # status changes are visible to the requester, assignment and priority are not
    html = client.get(selectors.status_path(public_ticket)).content.decode()
    assert "En attente" in html and "Urgente" not in html and "Attribué à" not in html


def test_assignment_only_to_agents(agent_client, public_ticket, make_user):
    someone = make_user("lbernard")
    response = agent_client.post(_url(public_ticket, "attribuer/"), {"assignee": someone.pk})
    assert response.status_code == 400
    public_ticket.refresh_from_db()
    assert public_ticket.assignee is None


# --- account panel and actions -------------------------------------------------------------------
def test_account_panel_shows_lock_failures_devices_and_last_login(agent_client, public_ticket, teacher):
    TOTPDevice.objects.create(user=teacher, name="Téléphone", confirmed=True)
    StaticDevice.objects.create(user=teacher, name="Codes de secours", confirmed=True)
    teacher.last_login = timezone.now() - timedelta(days=1)
    teacher.save(update_fields=["last_login"])
    lock_out("jdupont", ip="203.0.113.9")
    lock_out("jdupont", ip="127.0.0.1", times=1)
    response = agent_client.get(_url(public_ticket))
    panel = response.context["panel"]
    assert panel.locked and panel.failures >= 3
    assert {f.ip for f in panel.recent_failures} == {"203.0.113.9", "127.0.0.1"}
    assert {f.ip: f.trusted for f in panel.recent_failures} == {"203.0.113.9": False, "127.0.0.1": True}
    html = response.content.decode()
    assert "hors réseau académique" in html and "réseau académique" in html
    assert "Application (TOTP)" in html and "Codes de secours" in html
    assert "03 83 36 75 42" in html  # call-back number from the annuaire
    assert teacher.last_login.astimezone(timezone.get_current_timezone()).strftime("%d/%m/%Y") in html


def test_unlock_requires_comment_and_identity_check_then_unlocks_and_audits(
    agent_client, agent, public_ticket, teacher
):
    lock_out("jdupont")
    assert selectors.is_locked("jdupont")
    url = _url(public_ticket, "compte/deverrouiller/")
    response = agent_client.post(url, {"unlock-comment": "   ", "unlock-identity_checked": "on"})
    assert response.status_code == 400 and "obligatoire" in response.content.decode()
    response = agent_client.post(url, {"unlock-comment": "Rappel du lycée fait"})
    assert response.status_code == 400 and "vérifié l&#x27;identité" in response.content.decode()
    assert selectors.is_locked("jdupont")
    response = agent_client.post(url, {"unlock-comment": "Rappel du lycée fait", "unlock-identity_checked": "on"})
    assert response.status_code == 302
    assert not selectors.is_locked("jdupont")
    entry = AuditEntry.objects.get(action="unlock")
    assert entry.actor == agent and entry.target == teacher and entry.ticket == public_ticket
    assert entry.result == "succes" and entry.comment == "Rappel du lycée fait" and entry.ip_address == "127.0.0.1"
    assert "03 83 36 75 42" in entry.identity_check
    # the account panel now says unlocked; the lockouts page no longer lists it
    assert agent_client.get(_url(public_ticket)).context["panel"].locked is False
    assert "jdupont" not in agent_client.get("/assistance/console/comptes-verrouilles/").content.decode()


def test_portal_ticket_needs_no_identity_check(agent_client, teacher):
    ticket = services.open_portal_ticket(
        user=teacher, category=Category.objects.get(slug="mot-de-passe"), subject="x", description="y"
    )
    response = agent_client.post(_url(ticket, "compte/deverrouiller/"), {"unlock-comment": "Demande depuis le portail"})
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="unlock").identity_check == ""


def test_reset_second_factor_removes_every_device_and_ends_sessions(agent_client, public_ticket, teacher):
    TOTPDevice.objects.create(user=teacher, name="Téléphone", confirmed=True)
    TOTPDevice.objects.create(user=teacher, name="Ancien", confirmed=False)
    StaticDevice.objects.create(user=teacher, name="Codes", confirmed=True)
    teacher_client = signed_in(teacher)
    assert teacher_client.get("/").status_code == 200
    response = agent_client.post(
        _url(public_ticket, "compte/second-facteur/"), {"otp-comment": "Téléphone perdu", "otp-identity_checked": "on"}
    )
    assert response.status_code == 302
    assert list(devices_for_user(teacher, confirmed=None)) == []
    assert teacher_client.get("/").status_code == 302  # signed out everywhere
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(teacher.pk)]
    entry = AuditEntry.objects.get(action="reset_second_factor")
    assert entry.result == "succes" and "3 dispositif(s)" in entry.detail


def test_force_password_change_and_reset_link(agent_client, public_ticket, teacher):
    response = agent_client.post(
        _url(public_ticket, "compte/mot-de-passe/"),
        {"pwd-comment": "Mot de passe divulgué", "pwd-identity_checked": "on", "pwd-send_link": "on"},
    )
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.must_change_password is True
    sent = mail.outbox[-1]
    assert sent.to == [teacher.email]  # the annuaire address, never the ticket's contact
    link = [line for line in sent.body.splitlines() if "/connexion/mot-de-passe/" in line][0].strip()
    assert link.startswith("https://messagerie.example.test/connexion/mot-de-passe/")
    uidb64, token = link.rstrip("/").split("/")[-2:]
    assert force_str(urlsafe_base64_decode(uidb64)) == str(teacher.pk)
    assert default_token_generator.check_token(teacher, token)
    entry = AuditEntry.objects.get(action="send_reset_link")
    assert entry.result == "succes" and "must_change_password=True" in entry.detail


def test_reset_link_never_goes_to_the_public_contact(agent_client, client, teacher):
    _, ticket, _ = open_public_ticket(client, contact_email="attaquant@example.org")
    mail.outbox.clear()
    agent_client.post(
        _url(ticket, "compte/mot-de-passe/"),
        {"pwd-comment": "Demande", "pwd-identity_checked": "on", "pwd-send_link": "on"},
    )
    assert [m.to for m in mail.outbox] == [[teacher.email]]


@pytest.mark.parametrize("kind", ["dsi", "agent", "self"])
def test_agents_cannot_act_on_dsi_admins_other_agents_or_themselves(agent_client, agent, client, make_user, kind):
    from django.contrib.auth.models import Group

    if kind == "dsi":
        target = make_user("admin.dsi", is_staff=True, is_superuser=True)
    elif kind == "agent":
        target = make_user("agent2")
        target.groups.add(Group.objects.get(name="Assistance"))
    else:
        target = agent
    lock_out(target.username)
    _, ticket, _ = open_public_ticket(client, identifier=target.username)
    response = agent_client.get(_url(ticket))
    assert response.context["panel"].refusal
    assert "unlock-form" not in response.content.decode()
    response = agent_client.post(
        _url(ticket, "compte/deverrouiller/"), {"unlock-comment": "essai", "unlock-identity_checked": "on"}
    )
    assert response.status_code == 302
    assert selectors.is_locked(target.username)
    entry = AuditEntry.objects.get(action="unlock")
    assert entry.result == "refuse" and entry.target == target


def test_dsi_superuser_can_act_on_an_agent(dsi_client, client, make_user):
    from django.contrib.auth.models import Group

    target = make_user("agent2")
    target.groups.add(Group.objects.get(name="Assistance"))
    lock_out("agent2")
    _, ticket, _ = open_public_ticket(client, identifier="agent2")
    response = dsi_client.post(
        _url(ticket, "compte/deverrouiller/"), {"unlock-comment": "ok", "unlock-identity_checked": "on"}
    )
    assert response.status_code == 302 and not selectors.is_locked("agent2")


def test_department_scope_limits_tickets_and_actions(
    agent, agent_client, client, make_user, make_establishment, assign, teacher
):
    AgentScope.objects.create(user=agent, departments="57, 88")
    metz_user = make_user("mmartin2")
    assign(metz_user, make_establishment("0570054Z", "Lycée Fabert", "57", "03 87 76 41 41"))
    _, nancy_ticket, _ = open_public_ticket(client, identifier="jdupont")
    _, metz_ticket, _ = open_public_ticket(client, identifier="mmartin2")
    _, unknown_ticket, _ = open_public_ticket(client, identifier="inconnu")
    numbers = {t.number for t in agent_client.get("/assistance/console/").context["page"].object_list}
    assert numbers == {metz_ticket.number, unknown_ticket.number}
    assert agent_client.get(_url(nancy_ticket)).status_code == 404
    lock_out("jdupont")
    response = agent_client.post(
        _url(nancy_ticket, "compte/deverrouiller/"), {"unlock-comment": "x", "unlock-identity_checked": "on"}
    )
    assert response.status_code == 404 and selectors.is_locked("jdupont")
    # a ticket typed with a wrong identifier still cannot reach an out-of-scope account
    with pytest.raises(services.AccountActionRefused):
        services.unlock_account(
            agent=agent, target=teacher, comment="x", ip="127.0.0.1", ticket=unknown_ticket, identity_checked=True
        )
    assert AuditEntry.objects.filter(action="unlock", result="refuse").count() == 1
    lock_out("mmartin2")
    response = agent_client.post(
        _url(metz_ticket, "compte/deverrouiller/"), {"unlock-comment": "ok", "unlock-identity_checked": "on"}
    )
    assert response.status_code == 302 and not selectors.is_locked("mmartin2")


def test_locked_accounts_view_lists_lockouts_with_ticket_links(agent_client, client, teacher, make_user):
    lock_out("jdupont")
    lock_out("fantome")  # no account
    make_user("lbernard")
    lock_out("lbernard", times=2)  # not locked yet
    _, ticket, _ = open_public_ticket(client)
    response = agent_client.get("/assistance/console/comptes-verrouilles/")
    assert response.status_code == 200
    lockouts = {lo.identifier: lo for lo in response.context["lockouts"]}
    assert set(lockouts) == {"jdupont", "fantome"}
    assert lockouts["jdupont"].ticket == ticket and lockouts["fantome"].ticket is None
    assert f'href="/assistance/console/tickets/{ticket.number}/"' in response.content.decode()


def test_agent_without_act_permission_sees_panel_but_cannot_act(client, make_user, public_ticket):
    from django.contrib.auth.models import Permission

    reader = make_user("lecteur")
    reader.user_permissions.add(Permission.objects.get(codename="access_console"))
    reader_client = signed_in(reader)
    assert reader_client.get(_url(public_ticket)).status_code == 200
    for action in ("deverrouiller", "second-facteur", "mot-de-passe"):
        response = reader_client.post(_url(public_ticket, f"compte/{action}/"), {"unlock-comment": "x"})
        assert response.status_code == 403
    assert not AuditEntry.objects.exists()


def test_unknown_account_action_is_404(agent_client, public_ticket):
    assert agent_client.post(_url(public_ticket, "compte/supprimer/"), {}).status_code == 404


def test_anonymous_and_half_signed_in_users_are_sent_to_sign_in(public_ticket, agent):
    response = Client().get("/assistance/console/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/?next=/assistance/console/")
    half = Client()
    half.force_login(agent, backend="django.contrib.auth.backends.ModelBackend")
    response = half.get("/assistance/console/")
    assert response.status_code == 302 and response["Location"] == "/connexion/code/"


def test_reply_is_kept_when_the_mail_server_is_down(agent_client, public_ticket, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    response = agent_client.post(
        _url(public_ticket, "repondre/"), {"body": "Réponse malgré tout", "visibility": "public"}
    )
    assert response.status_code == 302
    assert public_ticket.messages.filter(body="Réponse malgré tout", kind="reponse").exists()


def test_a_failing_account_action_is_audited_as_failed(agent, public_ticket, monkeypatch):
    def broken_reset(**kwargs):
        raise RuntimeError("axes indisponible")

    monkeypatch.setattr(services, "axes_reset", broken_reset)
    lock_out("jdupont")
    with pytest.raises(RuntimeError):
        services.unlock_account(
            agent=agent,
            target=public_ticket.account,
            comment="essai",
            ip="127.0.0.1",
            ticket=public_ticket,
            identity_checked=True,
        )
    entry = AuditEntry.objects.get(action="unlock")
    assert entry.result == "echec" and "axes indisponible" in entry.detail
    assert selectors.is_locked("jdupont")


def test_ticket_page_query_count_does_not_grow_with_the_timeline(
    agent, agent_client, public_ticket, django_assert_max_num_queries
):
    services.add_agent_message(agent=agent, ticket=public_ticket, body="un", internal=False)
    with django_assert_max_num_queries(60) as small:
        agent_client.get(_url(public_ticket))
    for n in range(10):
        services.add_agent_message(agent=agent, ticket=public_ticket, body=f"r{n}", internal=n % 2 == 0)
        services.change_priority(agent=agent, ticket=public_ticket, priority=["basse", "haute"][n % 2])
    with django_assert_max_num_queries(len(small.captured_queries)):
        agent_client.get(_url(public_ticket))
