"""Staff directory pages at /annuaire/ (thin views: parse, call a selector/service, render)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from annuaire import search, selectors, services, vcard
from annuaire.models import DirectoryGroup, Establishment, JoinRequest, Service, Visibility

MAX_QUERY = 100
KIND_PARAMS = {
    "personnes": search.PERSON,
    "etablissements": search.ESTABLISHMENT,
    "services": search.SERVICE,
    "groupes": search.GROUP,
}


def _filters(request: HttpRequest) -> dict:
    filters = {}
    dep = request.GET.get("departement", "").strip()[:3]
    if dep.isdigit():
        filters["department"] = dep
    kind = request.GET.get("type_etablissement", "").strip()
    if kind in Establishment.Kind.values:
        filters["establishment_kind"] = kind
    fn = request.GET.get("fonction", "").strip()
    if fn.isdigit():
        filters["function_id"] = int(fn)
    return filters


def _kinds(request: HttpRequest) -> tuple[str, ...]:
    kind = KIND_PARAMS.get(request.GET.get("quoi", ""))
    return (kind,) if kind else search.ALL_KINDS


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:MAX_QUERY]
    filters = _filters(request)
    results = None
    if query.strip() or filters:
        results = selectors.directory_search(
            viewer=request.user, query=query, kinds=_kinds(request), filters=filters, lean=True
        )
    context = {
        "query": query,
        "results": results,
        "filters": filters,
        "quoi": request.GET.get("quoi", ""),
        "choices": selectors.establishments_filter_choices(),
        "vcard_query": request.GET.urlencode(),
    }
    if request.GET.get("fragment") == "1":
        return render(request, "annuaire/_results.html", context)
    return render(request, "annuaire/index.html", context)


@login_required
@require_GET
def autocomplete(request: HttpRequest) -> JsonResponse:
    query = request.GET.get("q", "")[:MAX_QUERY]
    requested = [t.strip() for t in request.GET.get("types", "person,group").split(",")]
    kinds = tuple(t for t in requested if t in search.ALL_KINDS) or (search.PERSON, search.GROUP)
    try:
        limit = max(1, min(int(request.GET.get("limit", 10)), 25))
    except ValueError:
        limit = 10
    results = selectors.autocomplete(viewer=request.user, query=query, kinds=kinds, limit=limit)
    return JsonResponse({"query": query, "results": results})


@login_required
@require_GET
def person(request: HttpRequest, username: str) -> HttpResponse:
    person = selectors.get_person(viewer=request.user, username=username)
    if person is None:
        raise Http404
    privacy = selectors.PrivacyContext(request.user)
    return render(
        request,
        "annuaire/person.html",
        {
            "person": person,
            "fields": privacy.fields(person),
            "assignments": list(person.assignments.all()),
            "groups": selectors.person_groups(person),
            "is_self": person.pk == request.user.pk,
            "visibility_choices": Visibility.choices,
        },
    )


@login_required
@require_GET
def person_vcard(request: HttpRequest, username: str) -> HttpResponse:
    person = selectors.get_person(viewer=request.user, username=username)
    if person is None:
        raise Http404
    body = vcard.person_vcard(person, selectors.PrivacyContext(request.user))
    return _vcard_response(body, person.username)


@login_required
@require_POST
def privacy(request: HttpRequest) -> HttpResponse:
    try:
        services.update_privacy(
            person=request.user,
            actor=request.user,
            email=request.POST.get("email_visibility", ""),
            office_phone=request.POST.get("office_phone_visibility", ""),
            mobile_phone=request.POST.get("mobile_phone_visibility", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Vos choix de visibilité sont enregistrés."))
    return redirect("annuaire:person", username=request.user.username)


@login_required
@require_GET
def establishment(request: HttpRequest, uai: str) -> HttpResponse:
    est = get_object_or_404(Establishment, uai=uai.upper())
    return render(
        request,
        "annuaire/establishment.html",
        {
            "establishment": est,
            "staff": selectors.establishment_staff_by_function(est),
            "services": list(est.services.order_by("name")),
        },
    )


@login_required
@require_GET
def services_tree(request: HttpRequest) -> HttpResponse:
    return render(request, "annuaire/services.html", {"tree": selectors.services_tree()})


@login_required
@require_GET
def service(request: HttpRequest, code: str) -> HttpResponse:
    svc = get_object_or_404(Service.objects.select_related("parent", "establishment"), code=code)
    return render(
        request,
        "annuaire/service.html",
        {"service": svc, "staff": selectors.service_staff(svc), "children": list(svc.children.order_by("name"))},
    )


@login_required
@require_GET
def groups(request: HttpRequest) -> HttpResponse:
    return render(request, "annuaire/groups.html", {"groups": selectors.groups_list()})


def _group_or_404(pk: int) -> DirectoryGroup:
    return get_object_or_404(DirectoryGroup, pk=pk, active=True)


@login_required
@require_GET
def group(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.group_page(viewer=request.user, group=_group_or_404(pk))
    return render(request, "annuaire/group.html", {"page": page, "group": page.group})


@login_required
@require_POST
def group_join(request: HttpRequest, pk: int) -> HttpResponse:
    grp = _group_or_404(pk)
    try:
        services.request_to_join(group=grp, user=request.user, message=request.POST.get("message", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Votre demande a été transmise aux propriétaires du groupe."))
    return redirect("annuaire:group", pk=grp.pk)


@login_required
@require_POST
def group_decide(request: HttpRequest, pk: int, request_id: int) -> HttpResponse:
    grp = _group_or_404(pk)
    jr = get_object_or_404(JoinRequest.objects.select_related("group", "user"), pk=request_id, group=grp)
    approve = request.POST.get("decision") == "accepter"
    try:
        services.decide_join_request(join_request=jr, actor=request.user, approve=approve)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if approve:
            messages.success(request, _("%(name)s fait désormais partie du groupe.") % {"name": jr.user.display_name})
        else:
            messages.info(request, _("La demande de %(name)s est refusée.") % {"name": jr.user.display_name})
    return redirect("annuaire:group", pk=grp.pk)


@login_required
@require_GET
def group_vcard(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.group_page(viewer=request.user, group=_group_or_404(pk))
    privacy = selectors.PrivacyContext(request.user)
    members = [privacy.fields(p).get("email") for p in page.people]
    members += [g.address for g in page.subgroups]
    members += [m.external_email for m in page.externals]
    body = vcard.group_vcard(page.group, [m for m in members if m])
    return _vcard_response(body, f"groupe-{page.group.pk}")


@login_required
@require_GET
def search_vcard(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:MAX_QUERY]
    results = selectors.directory_search(
        viewer=request.user, query=query, kinds=(search.PERSON,), filters=_filters(request), per_kind=200
    )
    body = vcard.people_vcards(results.people, selectors.PrivacyContext(request.user))
    return _vcard_response(body, "annuaire-recherche")


def _vcard_response(body: str, name: str) -> HttpResponse:
    safe = "".join(ch for ch in name if ch.isalnum() or ch in "-._") or "contact"
    response = HttpResponse(body, content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{safe}.vcf"'
    return response
