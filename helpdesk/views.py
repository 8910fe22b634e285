"""Helpdesk views. /assistance/ is a public prefix (the locked-out case): every view here enforces
its own access rule — public form and status link, signed-in staff, agents of the console."""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from academie.middleware import SECOND_STEP_URL, client_ip
from annuaire.identifiers import normalize_identifier
from helpdesk import selectors, services
from helpdesk.files import attachment_response
from helpdesk.forms import (
    AccountActionForm,
    AgentReplyForm,
    AssignForm,
    PasswordActionForm,
    PortalTicketForm,
    PriorityForm,
    PublicTicketForm,
    RatingForm,
    ReplyForm,
    StatusForm,
)
from helpdesk.models import AuditEntry, Category, Ticket


# --- access rules -------------------------------------------------------------------------------
def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _login_or_second_step(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    if not request.user.is_verified():
        return HttpResponseRedirect(SECOND_STEP_URL)
    return None


def verified_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        return _login_or_second_step(request) or view(request, *args, **kwargs)

    return wrapper


def agent_required(*perms: str) -> Callable:
    """Verified session + console permission (+ ``perms``), else /connexion/ or 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
            redirect = _login_or_second_step(request)
            if redirect:
                return redirect
            if not request.user.has_perms((selectors.PERM_CONSOLE, *perms)):
                raise PermissionDenied
            return never_cache(view)(request, *args, **kwargs)

        return wrapper

    return decorator


# --- rate limits (django-ratelimit on the shared cache) -------------------------------------------
def rate_public_ip(group: str, request: HttpRequest) -> str:
    return settings.HELPDESK_RATE_PUBLIC_IP


def rate_public_identifier(group: str, request: HttpRequest) -> str:
    return settings.HELPDESK_RATE_PUBLIC_IDENTIFIER


def rate_reply_ip(group: str, request: HttpRequest) -> str:
    return settings.HELPDESK_RATE_REPLY_IP


def identifier_key(group: str, request: HttpRequest) -> str:
    return normalize_identifier(request.POST.get("identifier", ""))[:150] or "-"


# --- public and staff pages ------------------------------------------------------------------------
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    context = {"categories": Category.objects.filter(active=True)}
    if selectors.is_verified(request.user):
        context["tickets"] = selectors.tickets_of_requester(request.user)
        context["is_agent"] = selectors.is_agent(request.user)
    return render(request, "helpdesk/index.html", context)


def _public_form_limited(request: HttpRequest) -> bool:
    """Count this anonymous POST per client IP and per identifier (both counters move)."""
    by_ip = is_ratelimited(
        request, group="helpdesk.public-ip", key="ip", rate=rate_public_ip, method="POST", increment=True
    )
    by_identifier = is_ratelimited(
        request,
        group="helpdesk.public-id",
        key=identifier_key,
        rate=rate_public_identifier,
        method="POST",
        increment=True,
    )
    return by_ip or by_identifier


def _max_request_bytes() -> int:
    # every attachment at its largest, plus the text fields
    return settings.HELPDESK_ATTACHMENT_MAX_BYTES * settings.HELPDESK_ATTACHMENTS_PER_MESSAGE + 3 * 1024 * 1024


def _too_big(request: HttpRequest) -> HttpResponse | None:
    """Refuse oversized uploads before Django spools them to disk."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if request.method == "POST" and length > _max_request_bytes():
        message = _("L'envoi est trop volumineux : %(n)d fichiers de %(size)s au plus par message.") % {
            "n": settings.HELPDESK_ATTACHMENTS_PER_MESSAGE,
            "size": filesizeformat(settings.HELPDESK_ATTACHMENT_MAX_BYTES),
        }
        return render(request, "helpdesk/too_big.html", {"message": message}, status=413)
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def new_ticket(request: HttpRequest) -> HttpResponse:
    """/assistance/nouveau/: the public form, or the staff form when signed in with a second factor."""
    refused = _too_big(request)
    if refused:
        return refused
    signed_in = selectors.is_verified(request.user)
    form_class = PortalTicketForm if signed_in else PublicTicketForm
    initial = {}
    slug = request.GET.get("categorie", "")
    if slug and Category.objects.filter(slug=slug, active=True).exists():
        initial["category"] = slug
    if request.method == "POST":
        form = form_class(request.POST, request.FILES)
        if not signed_in and _public_form_limited(request):
            form.add_error(
                None, _("Trop de demandes envoyées depuis ce poste ou pour cet identifiant. Réessayez plus tard.")
            )
            return render(request, "helpdesk/new.html", {"form": form, "signed_in": signed_in}, status=429)
        if not signed_in and form.is_bot:
            return render(request, "helpdesk/received.html", {})
        if form.is_valid():
            data = form.cleaned_data
            if signed_in:
                ticket = services.open_portal_ticket(
                    user=request.user,
                    category=data["category"],
                    subject=data["subject"],
                    description=data["description"],
                    files=data["attachments"],
                    ip=client_ip(request),
                    site_url=_site_url(request),
                )
                messages.success(request, _("Demande %(number)s enregistrée.") % {"number": ticket.number})
                return HttpResponseRedirect(f"/assistance/mes-demandes/{ticket.number}/")
            ticket = services.open_public_ticket(
                identifier=data["identifier"],
                contact_name=data["contact_name"],
                contact_email=data["contact_email"],
                contact_phone=data["contact_phone"],
                category=data["category"],
                subject=data["subject"],
                description=data["description"],
                files=data["attachments"],
                ip=client_ip(request),
                site_url=_site_url(request),
            )
            request.session["helpdesk_new"] = ticket.number
            return HttpResponseRedirect(selectors.status_path(ticket))
    else:
        if not signed_in and request.GET.get("identifiant"):
            initial["identifier"] = request.GET["identifiant"][:150]
        form = form_class(initial=initial)
    return render(request, "helpdesk/new.html", {"form": form, "signed_in": signed_in})


def _requester_context(request: HttpRequest, ticket: Ticket, base: str) -> dict:
    return {
        "ticket": ticket,
        "timeline": selectors.public_timeline(ticket),
        "base": base,
        "reply_form": ReplyForm(),
        "rating_form": RatingForm(),
    }


def _requester_ticket_page(request: HttpRequest, ticket: Ticket, base: str, *, public: bool) -> HttpResponse:
    context = _requester_context(request, ticket, base)
    context["public"] = public
    if public:
        context["status_url"] = request.build_absolute_uri(base)
        context["just_created"] = request.session.pop("helpdesk_new", None) == ticket.number
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "reply":
            form = ReplyForm(request.POST, request.FILES)
            context["reply_form"] = form
            if public and getattr(request, "limited", False):
                form.add_error(None, _("Trop de messages envoyés depuis ce poste. Réessayez plus tard."))
                return render(request, "helpdesk/ticket.html", context, status=429)
            if form.is_valid():
                try:
                    services.add_requester_message(
                        ticket=ticket,
                        author=None if public else request.user,
                        body=form.cleaned_data["body"],
                        files=form.cleaned_data["attachments"],
                        ip=client_ip(request),
                    )
                except services.TicketClosed as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, _("Message envoyé à l'assistance."))
                    return HttpResponseRedirect(base)
        elif action == "rate":
            form = RatingForm(request.POST)
            context["rating_form"] = form
            if form.is_valid():
                try:
                    services.rate_ticket(
                        ticket=ticket, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
                    )
                except services.TicketClosed as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, _("Merci pour votre évaluation."))
                    return HttpResponseRedirect(base)
        else:
            return HttpResponse(status=400)
        return render(request, "helpdesk/ticket.html", context, status=400)
    return render(request, "helpdesk/ticket.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(group="helpdesk.reply-ip", key="ip", rate=rate_reply_ip, method="POST", block=False)
def status_page(request: HttpRequest, token: str) -> HttpResponse:
    """The private status link: signed and unguessable; anything else is a 404."""
    ticket = selectors.ticket_for_status_token(token)
    if ticket is None:
        raise Http404
    refused = _too_big(request)
    if refused:
        return refused
    response = _requester_ticket_page(request, ticket, f"/assistance/suivi/{token}/", public=True)
    response["Referrer-Policy"] = "no-referrer"  # the token never leaks through a Referer header
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_GET
def status_attachment(request: HttpRequest, token: str, attachment_id: int) -> HttpResponse:
    ticket = selectors.ticket_for_status_token(token)
    attachment = selectors.requester_attachment(ticket, attachment_id) if ticket else None
    if attachment is None:
        raise Http404
    return attachment_response(attachment)


@never_cache
@verified_required
@require_http_methods(["GET", "POST"])
def my_ticket(request: HttpRequest, number: str) -> HttpResponse:
    ticket = selectors.requester_ticket(request.user, number)
    if ticket is None:
        raise Http404
    refused = _too_big(request)
    if refused:
        return refused
    return _requester_ticket_page(request, ticket, f"/assistance/mes-demandes/{ticket.number}/", public=False)


@never_cache
@verified_required
@require_GET
def my_attachment(request: HttpRequest, number: str, attachment_id: int) -> HttpResponse:
    ticket = selectors.requester_ticket(request.user, number)
    attachment = selectors.requester_attachment(ticket, attachment_id) if ticket else None
    if attachment is None:
        raise Http404
    return attachment_response(attachment)


# --- agent console ---------------------------------------------------------------------------------
def _flag(request: HttpRequest, name: str) -> bool:
    return request.GET.get(name) in {"1", "on", "oui", "true"}


@agent_required()
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    g = request.GET
    filters = selectors.QueueFilters(
        category=g.get("categorie", ""),
        status=g.get("statut", "") if g.get("statut", "") in Ticket.Status.values else "",
        priority=g.get("priorite", "") if g.get("priorite", "") in Ticket.Priority.values else "",
        department=g.get("departement", "")[:3],
        establishment=g.get("etablissement", "")[:8],
        mine=_flag(request, "moi"),
        overdue=_flag(request, "retard"),
        open_only=not _flag(request, "tous"),
        sort=g.get("tri", "due") if g.get("tri", "due") in selectors.SORTS else "due",
        q=g.get("q", "")[:150],
    )
    tickets, counts = selectors.agent_queue(request.user, filters)
    page = Paginator(tickets, 50).get_page(g.get("page"))
    query = g.copy()
    query.pop("page", None)
    return render(
        request,
        "helpdesk/console/queue.html",
        {
            "page": page,
            "counts": counts,
            "filters": filters,
            "choices": selectors.queue_choices(request.user),
            "query": query.urlencode(),
            "now": timezone.now(),
        },
    )


def _agent_ticket_or_404(request: HttpRequest, number: str) -> Ticket:
    ticket = selectors.agent_ticket(request.user, number)
    if ticket is None:
        raise Http404
    return ticket


def _action_forms(ticket: Ticket, panel: selectors.AccountPanel, data=None) -> dict:  # noqa: ANN001
    label = services.identity_check_label(ticket, panel.account) if panel.account else ""
    return {
        "unlock": AccountActionForm(data, ticket=ticket, identity_label=label, prefix="unlock"),
        "second_factor": AccountActionForm(data, ticket=ticket, identity_label=label, prefix="otp"),
        "password": PasswordActionForm(data, ticket=ticket, identity_label=label, prefix="pwd"),
    }


def _ticket_context(request: HttpRequest, ticket: Ticket, **overrides) -> dict:  # noqa: ANN003
    panel = selectors.account_panel(request.user, ticket)
    context = {
        "ticket": ticket,
        "timeline": selectors.full_timeline(ticket),
        "panel": panel,
        "devices": [(d, selectors.device_kind(d)) for d in panel.devices],
        "can_act": request.user.has_perm(selectors.PERM_ACT),
        "reply_form": AgentReplyForm(),
        "status_form": StatusForm(initial={"status": ticket.status}),
        "priority_form": PriorityForm(initial={"priority": ticket.priority}),
        "assign_form": AssignForm(initial={"assignee": ticket.assignee_id}, agents=selectors.agents()),
        "action_forms": _action_forms(ticket, panel),
        "audit": selectors.audit_entries(ticket=ticket)[:50],
        "status_url": request.build_absolute_uri(selectors.status_path(ticket)) if ticket.source == "public" else "",
    }
    context.update(overrides)
    return context


@agent_required()
@require_GET
def console_ticket(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _agent_ticket_or_404(request, number)
    return render(request, "helpdesk/console/ticket.html", _ticket_context(request, ticket))


def _back(ticket: Ticket, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(f"/assistance/console/tickets/{ticket.number}/{anchor}")


@agent_required()
@require_POST
def console_reply(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _agent_ticket_or_404(request, number)
    refused = _too_big(request)
    if refused:
        return refused
    form = AgentReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        context = _ticket_context(request, ticket, reply_form=form)
        return render(request, "helpdesk/console/ticket.html", context, status=400)
    internal = form.cleaned_data["visibility"] == "note"
    services.add_agent_message(
        agent=request.user,
        ticket=ticket,
        body=form.cleaned_data["body"],
        internal=internal,
        files=form.cleaned_data["attachments"],
        ip=client_ip(request),
        site_url=_site_url(request),
    )
    messages.success(request, _("Note interne ajoutée.") if internal else _("Réponse envoyée au demandeur."))
    return _back(ticket, "#fil")


@agent_required()
@require_POST
def console_status(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _agent_ticket_or_404(request, number)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return render(
            request, "helpdesk/console/ticket.html", _ticket_context(request, ticket, status_form=form), status=400
        )
    if services.change_status(
        agent=request.user,
        ticket=ticket,
        status=form.cleaned_data["status"],
        ip=client_ip(request),
        site_url=_site_url(request),
    ):
        messages.success(request, _("Statut modifié."))
    return _back(ticket)


@agent_required()
@require_POST
def console_priority(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _agent_ticket_or_404(request, number)
    form = PriorityForm(request.POST)
    if not form.is_valid():
        return render(
            request, "helpdesk/console/ticket.html", _ticket_context(request, ticket, priority_form=form), status=400
        )
    if services.change_priority(
        agent=request.user, ticket=ticket, priority=form.cleaned_data["priority"], ip=client_ip(request)
    ):
        messages.success(request, _("Priorité modifiée."))
    return _back(ticket)


@agent_required()
@require_POST
def console_assign(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _agent_ticket_or_404(request, number)
    if request.POST.get("moi"):
        assignee = request.user
    else:
        form = AssignForm(request.POST, agents=selectors.agents())
        if not form.is_valid():
            return render(
                request, "helpdesk/console/ticket.html", _ticket_context(request, ticket, assign_form=form), status=400
            )
        assignee = form.cleaned_data["assignee"]
    if services.assign_ticket(agent=request.user, ticket=ticket, assignee=assignee, ip=client_ip(request)):
        messages.success(request, _("Attribution modifiée."))
    return _back(ticket)


ACCOUNT_ACTIONS = {
    "deverrouiller": ("unlock", services.unlock_account, _("Compte déverrouillé.")),
    "second-facteur": (
        "second_factor",
        services.reset_second_factor,
        _("Second facteur réinitialisé : nouvel enrôlement à la prochaine connexion."),
    ),
    "mot-de-passe": ("password", services.force_password_change, _("Changement de mot de passe imposé.")),
}


@agent_required(selectors.PERM_ACT)
@require_POST
def console_account_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    if action not in ACCOUNT_ACTIONS:
        raise Http404
    ticket = _agent_ticket_or_404(request, number)
    key, service, done = ACCOUNT_ACTIONS[action]
    panel = selectors.account_panel(request.user, ticket)
    if panel.account is None:
        raise Http404
    forms = _action_forms(ticket, panel, request.POST)
    form = forms[key]
    if not form.is_valid():
        blank = _action_forms(ticket, panel)
        blank[key] = form
        return render(
            request, "helpdesk/console/ticket.html", _ticket_context(request, ticket, action_forms=blank), status=400
        )
    kwargs = {
        "agent": request.user,
        "target": panel.account,
        "ticket": ticket,
        "comment": form.cleaned_data["comment"],
        "identity_checked": form.cleaned_data.get("identity_checked", False),
        "ip": client_ip(request),
    }
    if key == "password":
        kwargs["send_link"] = form.cleaned_data["send_link"]
        kwargs["site_url"] = _site_url(request)
    try:
        result = service(**kwargs)
    except services.AccountActionRefused as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(f"/assistance/console/tickets/{ticket.number}/#compte")
    message = str(done)
    if key == "password" and kwargs["send_link"]:
        message = f"{done} " + (_("Lien envoyé.") if result else _("Le lien n'a pas pu être envoyé (voir le journal)."))
    messages.success(request, message)
    return HttpResponseRedirect(f"/assistance/console/tickets/{ticket.number}/#compte")


@agent_required()
@require_GET
def console_attachment(request: HttpRequest, number: str, attachment_id: int) -> HttpResponse:
    ticket = _agent_ticket_or_404(request, number)
    attachment = get_object_or_404(ticket.attachments, pk=attachment_id)
    return attachment_response(attachment)


@agent_required()
@require_GET
def console_lockouts(request: HttpRequest) -> HttpResponse:
    return render(request, "helpdesk/console/lockouts.html", {"lockouts": selectors.current_lockouts(request.user)})


@agent_required(selectors.PERM_EXPORT)
@require_GET
def console_audit(request: HttpRequest) -> HttpResponse:
    action = request.GET.get("action", "")
    action = action if action in AuditEntry.Action.values else ""
    q = request.GET.get("q", "")[:150]
    page = Paginator(selectors.audit_entries(q=q, action=action), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "helpdesk/console/audit.html",
        {"page": page, "q": q, "action": action, "actions": AuditEntry.Action.choices},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_cell(value: object) -> str:
    """Spreadsheets execute cells that start with = + - @: neutralise them."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


AUDIT_CSV_HEADER = [
    "date",
    "auteur",
    "action",
    "compte",
    "ticket",
    "adresse_ip",
    "resultat",
    "verification_identite",
    "commentaire",
    "detail",
]


def audit_csv_rows(entries) -> object:  # noqa: ANN001
    yield AUDIT_CSV_HEADER
    for e in entries.iterator():
        yield [
            _csv_cell(x)
            for x in (
                timezone.localtime(e.created_at).isoformat(),
                e.actor_label,
                e.action,
                e.target_identifier,
                e.ticket.number if e.ticket_id else "",
                e.ip_address or "",
                e.result,
                e.identity_check,
                e.comment,
                e.detail,
            )
        ]


def audit_csv_response(entries) -> StreamingHttpResponse:  # noqa: ANN001
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in audit_csv_rows(entries)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="journal-assistance-{stamp}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@agent_required(selectors.PERM_EXPORT)
@require_GET
def console_audit_csv(request: HttpRequest) -> HttpResponse:
    action = request.GET.get("action", "")
    action = action if action in AuditEntry.Action.values else ""
    return audit_csv_response(selectors.audit_entries(q=request.GET.get("q", "")[:150], action=action))
