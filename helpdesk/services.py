"""Everything that changes helpdesk state: tickets, replies, statuses, account actions, audit."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from academie import services as academie_services
from annuaire.identifiers import normalize_identifier
from helpdesk import selectors
from helpdesk.files import CheckedFile
from helpdesk.models import Attachment, AuditEntry, Category, Message, Ticket

User = get_user_model()
log = logging.getLogger(__name__)

REQUESTER_LABEL = "demandeur (lien de suivi)"


class AccountActionRefused(Exception):
    """The agent may not act on this account (permission, DSI admin, other agent, scope…)."""


class TicketClosed(Exception):
    """A closed ticket takes no more messages."""


# --- audit -------------------------------------------------------------------------------------------
def record_audit(
    *,
    actor: User | None,
    action: str,
    result: str,
    target: User | None = None,
    target_identifier: str = "",
    ticket: Ticket | None = None,
    ip: str | None = None,
    comment: str = "",
    identity_check: str = "",
    detail: str = "",
    actor_label: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=(
            actor.username if actor is not None and actor.is_authenticated else actor_label or REQUESTER_LABEL
        ),
        target=target,
        target_identifier=target.username if target is not None else target_identifier,
        action=action,
        ticket=ticket,
        ip_address=ip or None,
        comment=comment,
        identity_check=identity_check,
        result=result,
        detail=detail,
    )


# --- tickets -------------------------------------------------------------------------------------------
def _site_url(site_url: str) -> str:
    return (settings.HELPDESK_SITE_URL or site_url or "").rstrip("/")


def _notify(ticket: Ticket, *, template: str, subject: str, site_url: str, extra: dict | None = None) -> bool:
    """E-mail the requester; a mail failure never loses the ticket or the reply."""
    to = ticket.notification_email
    if not to:
        return False
    if ticket.requester_id:
        link = f"{_site_url(site_url)}/assistance/mes-demandes/{ticket.number}/"
    else:
        link = f"{_site_url(site_url)}{selectors.status_path(ticket)}"
    context = {"ticket": ticket, "link": link, **(extra or {})}
    body = render_to_string(f"helpdesk/email/{template}.txt", context)
    try:
        send_mail(f"[{ticket.number}] {subject}", body, None, [to])
    except Exception:  # noqa: BLE001 - SMTP down: logged, the agent sees the reply saved
        log.exception("helpdesk: notification for %s failed", ticket.number)
        return False
    return True


def _save_files(*, ticket: Ticket, message: Message, files: Iterable[CheckedFile], user: User | None) -> None:
    for checked in files:
        attachment = Attachment(
            ticket=ticket,
            message=message,
            filename=checked.filename,
            content_type=checked.content_type,
            size=checked.size,
            uploaded_by=user if user is not None and user.is_authenticated else None,
        )
        attachment.file.save("upload", checked.upload, save=False)
        attachment.save()


def _create_ticket(*, ticket: Ticket, files: Iterable[CheckedFile], author: User | None) -> Ticket:
    ticket.access_key = secrets.token_hex(16)
    ticket.priority = (
        ticket.category.default_priority
        if ticket.category.default_priority in Ticket.Priority.values
        else Ticket.Priority.NORMALE
    )
    ticket.created_at = timezone.now()
    ticket.compute_due_at()
    place = selectors.place_of(ticket.account)
    ticket.establishment = place.establishment
    ticket.department = place.department
    with transaction.atomic():
        ticket.save()
        ticket.number = f"AS-{ticket.created_at:%Y}-{ticket.pk:05d}"
        ticket.save(update_fields=["number"])
        message = Message.objects.create(
            ticket=ticket,
            kind=Message.Kind.REQUEST,
            author=author,
            author_name=(author.display_name if author else ticket.contact_name) or _("Demandeur"),
            body=ticket.description,
            created_at=ticket.created_at,
        )
        _save_files(ticket=ticket, message=message, files=files, user=author)
    return ticket


def open_public_ticket(
    *,
    identifier: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str,
    category: Category,
    subject: str,
    description: str,
    files: Iterable[CheckedFile] = (),
    ip: str | None = None,
    site_url: str = "",
) -> Ticket:
    """A request from someone who is not signed in (typically locked out)."""
    ident = normalize_identifier(identifier)
    ticket = Ticket(
        source=Ticket.Source.PUBLIC,
        category=category,
        subject=subject,
        description=description,
        identifier=ident,
        account=selectors.account_for_identifier(ident),
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        created_ip=ip or None,
    )
    _create_ticket(ticket=ticket, files=files, author=None)
    _notify(ticket, template="created", subject=_("Demande enregistrée"), site_url=site_url)
    return ticket


def open_portal_ticket(
    *,
    user: User,
    category: Category,
    subject: str,
    description: str,
    files: Iterable[CheckedFile] = (),
    ip: str | None = None,
    site_url: str = "",
) -> Ticket:
    """A request from a signed-in member of staff, about their own account."""
    ticket = Ticket(
        source=Ticket.Source.PORTAIL,
        category=category,
        subject=subject,
        description=description,
        identifier=user.username,
        account=user,
        requester=user,
        contact_name=user.display_name,
        contact_email=user.email,
        contact_phone=user.mobile_phone,
        created_ip=ip or None,
    )
    _create_ticket(ticket=ticket, files=files, author=user)
    return ticket


def _set_status(*, ticket: Ticket, status: str, actor: User | None, ip: str | None, comment: str = "") -> bool:
    old = ticket.status
    if old == status:
        return False
    ticket.status = status
    fields = ["status", "updated_at"]
    if status == Ticket.Status.RESOLU:
        ticket.resolved_at = timezone.now()
        fields.append("resolved_at")
    ticket.save(update_fields=fields)
    Message.objects.create(
        ticket=ticket,
        kind=Message.Kind.EVENT,
        author=actor if actor is not None and actor.is_authenticated else None,
        author_name=actor.display_name if actor is not None and actor.is_authenticated else _("Demandeur"),
        body=_("Statut : %(old)s → %(new)s") % {"old": Ticket.Status(old).label, "new": Ticket.Status(status).label},
    )
    record_audit(
        actor=actor,
        action=AuditEntry.Action.STATUS_CHANGE,
        result=AuditEntry.Result.SUCCESS,
        target=ticket.account,
        target_identifier=ticket.identifier,
        ticket=ticket,
        ip=ip,
        comment=comment,
        detail=f"{old} -> {status}",
    )
    return True


def add_requester_message(
    *, ticket: Ticket, author: User | None, body: str, files: Iterable[CheckedFile] = (), ip: str | None = None
) -> Message:
    """The requester answers (status link or portal). A waiting or resolved ticket is reopened."""
    if ticket.status == Ticket.Status.CLOS:
        raise TicketClosed(_("Ce ticket est clos : ouvrez une nouvelle demande."))
    with transaction.atomic():
        message = Message.objects.create(
            ticket=ticket,
            kind=Message.Kind.REQUEST,
            author=author if author is not None and author.is_authenticated else None,
            author_name=(author.display_name if author is not None and author.is_authenticated else ticket.contact_name)
            or _("Demandeur"),
            body=body,
        )
        _save_files(ticket=ticket, message=message, files=files, user=author)
        if ticket.status in (Ticket.Status.EN_ATTENTE, Ticket.Status.RESOLU):
            _set_status(
                ticket=ticket, status=Ticket.Status.EN_COURS, actor=author, ip=ip, comment=_("Réponse du demandeur")
            )
        else:
            ticket.save(update_fields=["updated_at"])
    return message


def add_agent_message(
    *,
    agent: User,
    ticket: Ticket,
    body: str,
    internal: bool,
    files: Iterable[CheckedFile] = (),
    ip: str | None = None,
    site_url: str = "",
) -> Message:
    """A public reply (e-mailed to the requester) or an internal note (never shown to them)."""
    with transaction.atomic():
        message = Message.objects.create(
            ticket=ticket,
            kind=Message.Kind.NOTE if internal else Message.Kind.REPLY,
            visible_to_requester=not internal,
            author=agent,
            author_name=agent.display_name,
            body=body,
        )
        _save_files(ticket=ticket, message=message, files=files, user=agent)
        if ticket.status == Ticket.Status.NOUVEAU:
            _set_status(ticket=ticket, status=Ticket.Status.EN_COURS, actor=agent, ip=ip)
        else:
            ticket.save(update_fields=["updated_at"])
    if not internal:
        _notify(
            ticket,
            template="reply",
            subject=_("Réponse de l'assistance"),
            site_url=site_url,
            extra={"message": message},
        )
    return message


def change_status(*, agent: User, ticket: Ticket, status: str, ip: str | None = None, site_url: str = "") -> bool:
    with transaction.atomic():
        changed = _set_status(ticket=ticket, status=status, actor=agent, ip=ip)
    if changed and status == Ticket.Status.RESOLU:
        _notify(ticket, template="resolved", subject=_("Demande résolue"), site_url=site_url)
    return changed


def change_priority(*, agent: User, ticket: Ticket, priority: str, ip: str | None = None) -> bool:
    old = ticket.priority
    if old == priority:
        return False
    with transaction.atomic():
        ticket.priority = priority
        ticket.save(update_fields=["priority", "updated_at"])
        Message.objects.create(
            ticket=ticket,
            kind=Message.Kind.EVENT,
            visible_to_requester=False,
            author=agent,
            author_name=agent.display_name,
            body=_("Priorité : %(old)s → %(new)s")
            % {"old": Ticket.Priority(old).label, "new": Ticket.Priority(priority).label},
        )
        record_audit(
            actor=agent,
            action=AuditEntry.Action.PRIORITY_CHANGE,
            result=AuditEntry.Result.SUCCESS,
            target=ticket.account,
            target_identifier=ticket.identifier,
            ticket=ticket,
            ip=ip,
            detail=f"{old} -> {priority}",
        )
    return True


def assign_ticket(*, agent: User, ticket: Ticket, assignee: User | None, ip: str | None = None) -> bool:
    if assignee is not None and not selectors.is_agent(assignee):
        raise AccountActionRefused(_("Seul un agent de l'assistance peut se voir attribuer un ticket."))
    if ticket.assignee_id == (assignee.pk if assignee else None):
        return False
    with transaction.atomic():
        old = ticket.assignee.username if ticket.assignee_id else "-"
        ticket.assignee = assignee
        ticket.save(update_fields=["assignee", "updated_at"])
        Message.objects.create(
            ticket=ticket,
            kind=Message.Kind.EVENT,
            visible_to_requester=False,
            author=agent,
            author_name=agent.display_name,
            body=_("Attribué à %(name)s") % {"name": assignee.display_name} if assignee else _("Attribution retirée"),
        )
        record_audit(
            actor=agent,
            action=AuditEntry.Action.ASSIGNMENT,
            result=AuditEntry.Result.SUCCESS,
            target=ticket.account,
            target_identifier=ticket.identifier,
            ticket=ticket,
            ip=ip,
            detail=f"{old} -> {assignee.username if assignee else '-'}",
        )
    return True


def rate_ticket(*, ticket: Ticket, rating: int, comment: str) -> None:
    if not ticket.can_be_rated:
        raise TicketClosed(_("Ce ticket ne peut pas (ou plus) être noté."))
    if not 1 <= int(rating) <= 5:
        raise ValueError("rating")
    ticket.rating = int(rating)
    ticket.rating_comment = comment
    ticket.rated_at = timezone.now()
    ticket.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])


# --- account actions -------------------------------------------------------------------------------
def check_can_act(*, agent: User, target: User) -> None:
    """The one rule for acting on an account from the helpdesk."""
    if not agent.is_active or not agent.has_perm(selectors.PERM_ACT):
        raise AccountActionRefused(_("Vous n'avez pas le droit d'agir sur les comptes."))
    if agent.pk == target.pk:
        raise AccountActionRefused(_("Vous ne pouvez pas agir sur votre propre compte depuis l'assistance."))
    if agent.is_superuser:
        return
    if target.is_superuser or target.is_staff:
        raise AccountActionRefused(_("Ce compte est un compte d'administration de la DSI : seule la DSI peut agir."))
    if target.has_perm(selectors.PERM_CONSOLE) or target.has_perm(selectors.PERM_ACT):
        raise AccountActionRefused(_("Ce compte est celui d'un agent de l'assistance : seule la DSI peut agir."))
    departments = selectors.agent_departments(agent)
    if departments is not None:
        department = selectors.place_of(target).department
        if department not in departments:
            raise AccountActionRefused(
                _("Ce compte relève d'un département hors de votre périmètre (%(dep)s).")
                % {"dep": department or _("inconnu")}
            )


def identity_check_label(ticket: Ticket | None, target: User) -> str:
    phone = selectors.place_of(target).phone
    if phone:
        return _("Identité vérifiée en rappelant l'établissement au %(phone)s (annuaire)") % {"phone": phone}
    return _("Identité vérifiée par rappel (aucun numéro d'établissement dans l'annuaire)")


def _guard(
    *,
    agent: User,
    target: User,
    ticket: Ticket | None,
    action: str,
    comment: str,
    identity_checked: bool,
    ip: str | None,
) -> str:
    """Checks shared by every account action; refusals are audited, then raised."""
    comment = (comment or "").strip()
    identity = ""
    try:
        if not comment:
            raise AccountActionRefused(_("Un commentaire est obligatoire."))
        check_can_act(agent=agent, target=target)
        if ticket is not None and ticket.source == Ticket.Source.PUBLIC:
            if not identity_checked:
                raise AccountActionRefused(
                    _("Demande faite sans connexion : confirmez d'abord avoir vérifié l'identité par rappel.")
                )
            identity = identity_check_label(ticket, target)
    except AccountActionRefused as exc:
        record_audit(
            actor=agent,
            action=action,
            result=AuditEntry.Result.REFUSED,
            target=target,
            ticket=ticket,
            ip=ip,
            comment=comment,
            detail=str(exc),
        )
        raise
    return identity


def _act_message(*, ticket: Ticket | None, agent: User, text: str) -> None:
    if ticket is not None:
        Message.objects.create(
            ticket=ticket,
            kind=Message.Kind.EVENT,
            visible_to_requester=False,
            author=agent,
            author_name=agent.display_name,
            body=text,
        )


def _perform(
    *,
    agent: User,
    target: User,
    ticket: Ticket | None,
    action: str,
    comment: str,
    ip: str | None,
    identity_checked: bool,
    work: Callable[[], tuple[object, str, str, str]],
) -> object:
    """Check the action (refusals audited by ``_guard``), then run ``work()`` — returning (value,
    timeline text, audit detail, audit result) — atomically with its audit entry. If it raises,
    the failure itself is audited and the error re-raised."""
    identity = _guard(
        agent=agent,
        target=target,
        ticket=ticket,
        action=action,
        comment=comment,
        identity_checked=identity_checked,
        ip=ip,
    )
    comment = comment.strip()
    try:
        with transaction.atomic():
            value, event, detail, result = work()
            _act_message(ticket=ticket, agent=agent, text=f"{event} " + _("Commentaire : %(c)s") % {"c": comment})
            record_audit(
                actor=agent,
                action=action,
                result=result,
                target=target,
                ticket=ticket,
                ip=ip,
                comment=comment,
                identity_check=identity,
                detail=detail,
            )
    except Exception as exc:
        log.exception("helpdesk: %s on %s failed", action, target.username)
        record_audit(
            actor=agent,
            action=action,
            result=AuditEntry.Result.FAILED,
            target=target,
            ticket=ticket,
            ip=ip,
            comment=comment,
            identity_check=identity,
            detail=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    return value


def unlock_account(
    *,
    agent: User,
    target: User,
    comment: str,
    ip: str | None,
    ticket: Ticket | None = None,
    identity_checked: bool = False,
) -> int:
    """Reset django-axes for the identifier. Returns the number of lockout records removed."""
    action = AuditEntry.Action.UNLOCK

    def work() -> tuple[object, str, str, str]:
        failures = selectors.lockout_failures(target.username)
        removed = axes_reset(username=target.username)
        detail = f"{removed} enregistrement(s) django-axes supprimé(s), {failures} échec(s) effacé(s)"
        return removed, _("Compte déverrouillé."), detail, AuditEntry.Result.SUCCESS

    return _perform(
        agent=agent,
        target=target,
        ticket=ticket,
        action=action,
        comment=comment,
        ip=ip,
        identity_checked=identity_checked,
        work=work,
    )


def reset_second_factor(
    *,
    agent: User,
    target: User,
    comment: str,
    ip: str | None,
    ticket: Ticket | None = None,
    identity_checked: bool = False,
) -> int:
    """Remove every second-factor device (enrolment is forced at next sign-in) and end sessions."""
    action = AuditEntry.Action.RESET_SECOND_FACTOR

    def work() -> tuple[object, str, str, str]:
        names, sessions = academie_services.reset_second_factor(user=target)
        detail = f"{len(names)} dispositif(s) supprimé(s) ({', '.join(names) or '-'}), {sessions} session(s) fermée(s)"
        return len(names), _("Second facteur réinitialisé."), detail, AuditEntry.Result.SUCCESS

    return _perform(
        agent=agent,
        target=target,
        ticket=ticket,
        action=action,
        comment=comment,
        ip=ip,
        identity_checked=identity_checked,
        work=work,
    )


def force_password_change(
    *,
    agent: User,
    target: User,
    comment: str,
    ip: str | None,
    ticket: Ticket | None = None,
    identity_checked: bool = False,
    send_link: bool = False,
    site_url: str = "",
) -> bool:
    """The next sign-in asks for a new password; optionally e-mail a reset link to the account's
    own address from the annuaire (never to the contact typed in a ticket). Returns whether a
    link was sent."""
    action = AuditEntry.Action.SEND_RESET_LINK if send_link else AuditEntry.Action.FORCE_PASSWORD_CHANGE

    def work() -> tuple[object, str, str, str]:
        sent = False
        detail = []
        target.must_change_password = True
        target.save(update_fields=["must_change_password"])
        detail.append("must_change_password=True")
        detail.append(f"{academie_services.end_all_sessions(user=target)} session(s) fermée(s)")
        if send_link:
            if not target.email:
                detail.append("pas de courriel dans l'annuaire : lien non envoyé")
            else:
                link = f"{_site_url(site_url)}{academie_services.password_reset_path(target)}"
                body = render_to_string("helpdesk/email/password_reset.txt", {"user": target, "link": link})
                try:
                    send_mail(_("Réinitialisation de votre mot de passe"), body, None, [target.email])
                    sent = True
                    detail.append(f"lien envoyé à {target.email}")
                except Exception as exc:  # noqa: BLE001 - the forced change stands; the failure is audited
                    log.exception("helpdesk: reset link to %s failed", target.username)
                    detail.append(f"échec d'envoi du lien : {type(exc).__name__}")
        event = (
            _("Changement de mot de passe imposé, lien envoyé.") if sent else _("Changement de mot de passe imposé.")
        )
        result = AuditEntry.Result.SUCCESS if (sent or not send_link) else AuditEntry.Result.FAILED
        return sent, event, "; ".join(detail), result

    return _perform(
        agent=agent,
        target=target,
        ticket=ticket,
        action=action,
        comment=comment,
        ip=ip,
        identity_checked=identity_checked,
        work=work,
    )
