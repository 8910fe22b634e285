"""Reads of the helpdesk: who may see what, the agents' queue, the account panel, lockouts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from axes.helpers import get_cool_off
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django_otp import devices_for_user

from academie.middleware import is_trusted_ip
from annuaire.identifiers import normalize_identifier
from helpdesk.models import AgentScope, AuditEntry, Category, Message, Ticket

User = get_user_model()

STATUS_TOKEN_SALT = "helpdesk.suivi"
PERM_CONSOLE = "helpdesk.access_console"
PERM_ACT = "helpdesk.act_on_accounts"
PERM_EXPORT = "helpdesk.export_audit"


# --- people and places ------------------------------------------------------------------------
def account_for_identifier(identifier: str) -> User | None:
    ident = normalize_identifier(identifier)
    if not ident:
        return None
    return User.objects.filter(username=ident).first()


@dataclass
class Place:
    establishment: object | None = None
    department: str = ""
    phone: str = ""
    label: str = ""


def place_of(user: User | None) -> Place:
    """Where the account works, from the annuaire: principal assignment first."""
    if user is None:
        return Place()
    assignments = user.assignments.select_related("establishment", "service__establishment").order_by(
        "-principal", "pk"
    )
    for assignment in assignments:
        est = assignment.establishment or (assignment.service.establishment if assignment.service_id else None)
        if est is None:
            continue
        label = str(assignment.establishment or assignment.service)
        return Place(establishment=est, department=est.department or "", phone=est.phone or "", label=label)
    return Place()


def is_verified(user: User) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_verified())


def is_agent(user: User) -> bool:
    """A helpdesk agent: console permission (DSI superusers have it too)."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.has_perm(PERM_CONSOLE))


def agent_departments(agent: User) -> list[str] | None:
    """Departments an agent is limited to; ``None`` means the whole académie."""
    if agent.is_superuser:
        return None
    scope = AgentScope.objects.filter(user=agent).first()
    if scope is None or not scope.department_list:
        return None
    return scope.department_list


def agents() -> QuerySet:
    """Everyone who may be assigned a ticket."""
    perm = Q(groups__permissions__codename="access_console", groups__permissions__content_type__app_label="helpdesk")
    direct = Q(user_permissions__codename="access_console", user_permissions__content_type__app_label="helpdesk")
    return User.objects.filter(is_active=True).filter(perm | direct | Q(is_superuser=True)).distinct()


# --- tickets --------------------------------------------------------------------------------------
def status_token(ticket: Ticket) -> str:
    return signing.Signer(salt=STATUS_TOKEN_SALT).sign(f"{ticket.pk}.{ticket.access_key}")


def status_path(ticket: Ticket) -> str:
    return f"/assistance/suivi/{status_token(ticket)}/"


def ticket_for_status_token(token: str) -> Ticket | None:
    """The ticket of a private status link, or ``None`` (bad signature, unknown ticket, wrong key)."""
    try:
        value = signing.Signer(salt=STATUS_TOKEN_SALT).unsign(token)
    except signing.BadSignature:
        return None
    pk, _, key = value.partition(".")
    if not pk.isdigit() or not key:
        return None
    ticket = Ticket.objects.select_related("category", "assignee").filter(pk=int(pk)).first()
    if ticket is None or not constant_time_compare(ticket.access_key, key):
        return None
    return ticket


def tickets_of_requester(user: User) -> QuerySet:
    return Ticket.objects.filter(requester=user).select_related("category").order_by("-created_at")


def requester_ticket(user: User, number: str) -> Ticket | None:
    return Ticket.objects.select_related("category", "assignee").filter(requester=user, number=number).first()


def tickets_visible_to_agent(agent: User) -> QuerySet:
    qs = Ticket.objects.all()
    departments = agent_departments(agent)
    if departments is not None:
        # Tickets whose account is unknown (typo in the identifier) stay visible for triage.
        qs = qs.filter(Q(department__in=departments) | Q(department=""))
    return qs


def agent_ticket(agent: User, number: str) -> Ticket | None:
    return (
        tickets_visible_to_agent(agent)
        .select_related("category", "assignee", "account", "requester", "establishment")
        .filter(number=number)
        .first()
    )


@dataclass
class QueueFilters:
    category: str = ""
    status: str = ""
    priority: str = ""
    department: str = ""
    establishment: str = ""
    mine: bool = False
    overdue: bool = False
    open_only: bool = True
    sort: str = "due"
    q: str = ""


SORTS = {
    "due": ("due_at", "pk"),
    "-due": ("-due_at", "-pk"),
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
}


def agent_queue(agent: User, filters: QueueFilters) -> tuple[QuerySet, dict]:
    """The agent's queue and its counts (per status, overdue, unassigned, mine)."""
    now = timezone.now()
    base = tickets_visible_to_agent(agent)
    qs = base
    if filters.category:
        qs = qs.filter(category__slug=filters.category)
    if filters.status:
        qs = qs.filter(status=filters.status)
    elif filters.open_only:
        qs = qs.filter(status__in=Ticket.OPEN_STATUSES)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.department:
        qs = qs.filter(department=filters.department)
    if filters.establishment:
        qs = qs.filter(establishment__uai=filters.establishment)
    if filters.mine:
        qs = qs.filter(assignee=agent)
    if filters.overdue:
        qs = qs.filter(status__in=Ticket.OPEN_STATUSES, due_at__lt=now)
    if filters.q:
        term = filters.q.strip()
        qs = qs.filter(Q(number__iexact=term) | Q(identifier__icontains=term) | Q(subject__icontains=term))
    qs = qs.select_related("category", "assignee", "establishment").order_by(*SORTS.get(filters.sort, SORTS["due"]))
    open_q = Q(status__in=Ticket.OPEN_STATUSES)
    counts = base.aggregate(
        open=Count("pk", filter=open_q),
        overdue=Count("pk", filter=open_q & Q(due_at__lt=now)),
        unassigned=Count("pk", filter=open_q & Q(assignee__isnull=True)),
        mine=Count("pk", filter=open_q & Q(assignee=agent)),
        **{f"status_{value}": Count("pk", filter=Q(status=value)) for value in Ticket.Status.values},
    )
    counts["shown"] = qs.count()
    return qs, counts


def queue_choices(agent: User) -> dict:
    visible = tickets_visible_to_agent(agent)
    return {
        "categories": Category.objects.all(),
        "departments": sorted({d for d in visible.exclude(department="").values_list("department", flat=True)}),
        "establishments": list(
            visible.exclude(establishment=None)
            .values_list("establishment__uai", "establishment__name")
            .distinct()
            .order_by("establishment__name")
        ),
        "statuses": Ticket.Status.choices,
        "priorities": Ticket.Priority.choices,
    }


def public_timeline(ticket: Ticket) -> QuerySet:
    """What the requester sees: never internal notes or internal events."""
    return (
        Message.objects.filter(ticket=ticket, visible_to_requester=True)
        .exclude(kind=Message.Kind.NOTE)
        .prefetch_related("attachments")
    )


def full_timeline(ticket: Ticket) -> QuerySet:
    return Message.objects.filter(ticket=ticket).select_related("author").prefetch_related("attachments")


def requester_attachment(ticket: Ticket, attachment_id: int):  # noqa: ANN201
    """An attachment the requester may download: on a message visible to them."""
    return (
        ticket.attachments.filter(pk=attachment_id, message__visible_to_requester=True)
        .exclude(message__kind=Message.Kind.NOTE)
        .first()
    )


# --- lockouts and the account panel ------------------------------------------------------------
def _attempts_for(identifier: str | None = None) -> QuerySet:
    qs = AccessAttempt.objects.all()
    if identifier is not None:
        qs = qs.filter(username=identifier)
    cool_off = get_cool_off()
    if cool_off is not None:
        qs = qs.filter(attempt_time__gte=timezone.now() - cool_off)
    return qs


def lockout_failures(identifier: str) -> int:
    ident = normalize_identifier(identifier)
    return _attempts_for(ident).aggregate(n=Sum("failures_since_start"))["n"] or 0


def is_locked(identifier: str) -> bool:
    return lockout_failures(identifier) >= settings.AXES_FAILURE_LIMIT


@dataclass
class Lockout:
    identifier: str
    failures: int
    last_attempt: datetime
    account: User | None = None
    place: Place = field(default_factory=Place)
    ticket: Ticket | None = None


def current_lockouts(agent: User) -> list[Lockout]:
    """Every identifier currently locked by django-axes, with its account and latest ticket."""
    rows = (
        _attempts_for()
        .exclude(username=None)
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last")
    )
    rows = list(rows)
    identifiers = [r["username"] for r in rows]
    accounts = {u.username: u for u in User.objects.filter(username__in=identifiers)}
    tickets: dict[str, Ticket] = {}
    for ticket in Ticket.objects.filter(identifier__in=identifiers).order_by("created_at"):
        if ticket.is_open or ticket.identifier not in tickets:
            tickets[ticket.identifier] = ticket  # latest open ticket wins, else latest ticket
    departments = agent_departments(agent)
    result = []
    for row in rows:
        account = accounts.get(row["username"])
        place = place_of(account)
        if departments is not None and account is not None and place.department not in departments:
            continue
        result.append(
            Lockout(
                identifier=row["username"],
                failures=row["failures"],
                last_attempt=row["last"],
                account=account,
                place=place,
                ticket=tickets.get(row["username"]),
            )
        )
    return result


@dataclass
class FailedAttempt:
    at: datetime
    ip: str
    trusted: bool
    user_agent: str


@dataclass
class AccountPanel:
    identifier: str
    account: User | None
    place: Place
    locked: bool = False
    failures: int = 0
    recent_failures: list[FailedAttempt] = field(default_factory=list)
    devices: list = field(default_factory=list)
    last_login: datetime | None = None
    last_access: AccessLog | None = None
    refusal: str = ""
    must_change_password: bool = False


def recent_failures(identifier: str, limit: int | None = None) -> list[FailedAttempt]:
    limit = limit or settings.HELPDESK_RECENT_FAILURES
    logs = AccessFailureLog.objects.filter(username=identifier).order_by("-attempt_time")[:limit]
    result = [
        FailedAttempt(
            at=log.attempt_time,
            ip=log.ip_address or "",
            trusted=is_trusted_ip(log.ip_address or ""),
            user_agent=log.user_agent,
        )
        for log in logs
    ]
    if not result:  # failure log disabled or purged: fall back to the lockout counters
        for attempt in AccessAttempt.objects.filter(username=identifier).order_by("-attempt_time")[:limit]:
            result.append(
                FailedAttempt(
                    at=attempt.attempt_time,
                    ip=attempt.ip_address or "",
                    trusted=is_trusted_ip(attempt.ip_address or ""),
                    user_agent=attempt.user_agent,
                )
            )
    return result


def account_panel(agent: User, ticket: Ticket) -> AccountPanel:
    from helpdesk.services import AccountActionRefused, check_can_act  # one rule, kept in services

    account = ticket.account or account_for_identifier(ticket.identifier)
    identifier = account.username if account else normalize_identifier(ticket.identifier)
    panel = AccountPanel(identifier=identifier, account=account, place=place_of(account))
    if identifier:
        panel.failures = lockout_failures(identifier)
        panel.locked = panel.failures >= settings.AXES_FAILURE_LIMIT
        panel.recent_failures = recent_failures(identifier)
        panel.last_access = AccessLog.objects.filter(username=identifier).order_by("-attempt_time").first()
    if account is not None:
        panel.devices = list(devices_for_user(account, confirmed=None))
        panel.last_login = account.last_login
        panel.must_change_password = account.must_change_password
        try:
            check_can_act(agent=agent, target=account)
        except AccountActionRefused as exc:
            panel.refusal = str(exc)
    return panel


def device_kind(device: object) -> str:
    from django.utils.translation import gettext as _

    name = type(device).__name__.lower()
    if "totp" in name:
        return _("Application (TOTP)")
    if "static" in name:
        return _("Codes de secours")
    if "sms" in name:
        return _("SMS")
    return type(device)._meta.verbose_name


# --- audit ------------------------------------------------------------------------------------------
def audit_entries(*, q: str = "", action: str = "", ticket: Ticket | None = None) -> QuerySet:
    qs = AuditEntry.objects.select_related("ticket").order_by("-created_at", "-pk")
    if ticket is not None:
        qs = qs.filter(ticket=ticket)
    if action:
        qs = qs.filter(action=action)
    if q:
        qs = qs.filter(Q(actor_label__icontains=q) | Q(target_identifier__icontains=q) | Q(ticket__number__iexact=q))
    return qs
