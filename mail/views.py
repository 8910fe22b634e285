"""Webmail views: thin wrappers around ``selectors`` (reads) and ``services`` (changes).

Every view opens at most one IMAP connection (``request_mailbox``), logged in as
``<request.user>*<master>``: a URL can only ever reach the signed-in user's own mailbox.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from mail import imap, selectors, services
from mail.mime import safe_filename

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- plumbing


def request_mailbox(request: HttpRequest, *, condstore: bool = True) -> imap.Mailbox:
    """The request's IMAP connection, opened on first use and closed by ``mail_view``.

    ``condstore=False`` for views that never sort a whole folder (reading): one round trip less."""
    box = getattr(request, "_mailbox", None)
    if box is None:
        box = imap.connect(request.user.get_username(), condstore=condstore)
        request._mailbox = box
    return box


def unavailable(request: HttpRequest, *, auth: bool = False) -> HttpResponse:
    response = render(
        request, "mail/unavailable.html", {"auth": auth, "retry_url": request.get_full_path()}, status=503
    )
    response["Retry-After"] = "30"
    return response


def mail_view(view: Callable) -> Callable:
    """Open/close the IMAP connection around a view; map mail errors to 404/503 pages."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (imap.FolderNotFound, imap.MessageNotFound) as exc:
            logger.info("mail 404: %r", exc)
            raise Http404(str(exc))
        except imap.ServerUnavailable as exc:
            logger.warning("IMAP indisponible: %s", exc)
            return unavailable(request)
        except imap.AuthenticationRefused:
            logger.error("IMAP a refusé la connexion maître pour %s", request.user.get_username())
            return unavailable(request, auth=True)
        except imap.OperationRefused as exc:
            logger.warning("IMAP a refusé une opération: %s", exc)
            return unavailable(request, refused=True)
        finally:
            box = getattr(request, "_mailbox", None)
            if box is not None:
                box.close()
                request._mailbox = None

    return never_cache(wrapper)


def _folder_param(request: HttpRequest, source: dict | None = None) -> str:
    value = (source if source is not None else request.GET).get("f", "INBOX") or "INBOX"
    if len(value) > 500 or any(ch in value for ch in "\r\n\0"):
        raise Http404
    return value


def _int_param(source, name: str, default: int | None = None) -> int | None:  # noqa: ANN001
    try:
        value = int(source.get(name, ""))
    except (TypeError, ValueError):
        return default
    return value if value >= 0 else default


def list_url(folder: str, **params) -> str:
    query = {"f": folder, **{k: v for k, v in params.items() if v not in (None, "", 1) or k == "page" and v != 1}}
    return "/messagerie/?" + urlencode(query)


def message_url(folder: str, uid: int, uidvalidity: int, suffix: str = "") -> str:
    return f"/messagerie/lire/{uid}/{suffix}?" + urlencode({"f": folder, "v": uidvalidity})


def _sidebar(box: imap.Mailbox, current: str) -> dict:
    return {
        "folders": selectors.folder_tree(box),
        "quota": selectors.quota(box),
        "current_folder": current,
    }


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if (
        target
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        and target.startswith("/messagerie/")
    ):
        return target
    return fallback


# --------------------------------------------------------------------------- list and search


@require_GET
@mail_view
def mailbox(request: HttpRequest) -> HttpResponse:
    box = request_mailbox(request)
    folder = _folder_param(request)
    # Folder counts first: before any SELECT, LIST-STATUS needs no NOOP to be current.
    sidebar = _sidebar(box, folder)
    page = selectors.message_page(
        box,
        folder=folder,
        page=_int_param(request.GET, "page", 1) or 1,
        sort=request.GET.get("tri", "date"),
        order=request.GET.get("ordre", "desc"),
        filter_=request.GET.get("filtre", ""),
    )
    base = {"tri": page.sort, "ordre": page.order, "filtre": page.filter}
    context = {
        **sidebar,
        "folder": folder,
        "folder_label": selectors.folder_label(box, folder),
        "folder_obj": box.folder(folder),
        "page": page,
        "prev_url": list_url(folder, page=page.page - 1, **base) if page.page > 1 else "",
        "next_url": list_url(folder, page=page.page + 1, **base) if page.page < page.pages else "",
        "sort_choices": [
            ("date", _("Date")),
            ("sender", _("Expéditeur")),
            ("subject", _("Objet")),
            ("size", _("Taille")),
        ],
        "filter_choices": [
            ("", _("Tous")),
            ("unread", _("Non lus")),
            ("flagged", _("Suivis")),
            ("attachments", _("Avec pièce jointe")),
        ],
        "current_url": request.get_full_path(),
    }
    return render(request, "mail/list.html", context)


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@require_GET
@mail_view
def search(request: HttpRequest) -> HttpResponse:
    box = request_mailbox(request)
    folder = _folder_param(request)
    query = selectors.SearchQuery(
        sender=request.GET.get("de", "").strip()[:200],
        recipient=request.GET.get("a", "").strip()[:200],
        subject=request.GET.get("objet", "").strip()[:200],
        body=request.GET.get("texte", "").strip()[:200],
        since=_parse_date(request.GET.get("depuis", "")),
        before=_parse_date(request.GET.get("jusqua", "")),
    )
    everywhere = request.GET.get("portee") == "tout"
    hits, total = ([], 0)
    if not query.empty:
        box.folder(folder)
        hits, total = selectors.search_messages(box, query=query, folder=None if everywhere else folder)
    context = {
        **_sidebar(box, folder),
        "folder": folder,
        "folder_label": selectors.folder_label(box, folder),
        "query": query,
        "everywhere": everywhere,
        "hits": hits,
        "total": total,
        "searched": not query.empty,
        "params": request.GET,
        "current_url": request.get_full_path(),
    }
    return render(request, "mail/search.html", context)


# --------------------------------------------------------------------------- reading


def _uidvalidity(request: HttpRequest) -> int | None:
    return _int_param(request.GET, "v")


@require_GET
@mail_view
def read(request: HttpRequest, uid: int) -> HttpResponse:
    box = request_mailbox(request, condstore=False)
    folder = _folder_param(request)
    # Folder counts first: before any SELECT, LIST-STATUS needs no NOOP to be current.
    sidebar = _sidebar(box, folder)
    message = selectors.read_message(box, folder=folder, uid=uid, uidvalidity=_uidvalidity(request))
    if not message.summary.seen:
        services.mark_read(box=box, folder=folder, uid=uid)
        selectors.count_as_read(sidebar["folders"], folder)
    images = request.GET.get("images") == "1"
    v = message.state.uidvalidity
    context = {
        **sidebar,
        "folder": folder,
        "folder_label": selectors.folder_label(box, folder),
        "folder_obj": box.folder(folder),
        "message": message,
        "uidvalidity": v,
        "body_url": message_url(folder, uid, v, "corps/") + ("&images=1" if images else ""),
        "images_url": message_url(folder, uid, v) + "&images=1",
        "images": images,
        "eml_url": message_url(folder, uid, v, "source/"),
        "prev_url": message_url(folder, message.prev_uid, v) if message.prev_uid else "",
        "next_url": message_url(folder, message.next_uid, v) if message.next_uid else "",
        "back_url": list_url(folder),
        "current_url": request.get_full_path(),
        "in_trash": box.folder(folder).special_use == "\\Trash",
    }
    for attachment in message.attachments:
        attachment.url = message_url(folder, uid, v, f"partie/{attachment.section}/")
    if message.html_source is not None:
        # Sanitised now, served to the body frame from the cache (no second IMAP login).
        result = selectors.sanitized_body(
            box, uid=uid, parts=message.parts, text=message.html_source, allow_images=images
        )
        selectors.remember_body(
            result, user_pk=request.user.pk, folder=folder, uidvalidity=v, uid=uid, allow_images=images
        )
    return render(request, "mail/read.html", context)


BODY_DOCUMENT = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<style>body{{font-family:Marianne,Arial,sans-serif;font-size:15px;line-height:1.5;margin:0;padding:8px;color:#161616;word-wrap:break-word}}img{{max-width:100%;height:auto}}table{{max-width:100%}}pre{{white-space:pre-wrap}}</style>
</head><body>{body}</body></html>"""


@require_GET
@xframe_options_sameorigin
@mail_view
def body(request: HttpRequest, uid: int) -> HttpResponse:
    """The sanitised HTML body, alone, for the sandboxed iframe (its own CSP: no script at all).

    Usually the reading page has just sanitised it and left it in the cache for this user,
    folder state and message: then no IMAP connection is opened at all."""
    folder = _folder_param(request)
    allow_images = request.GET.get("images") == "1"
    uidvalidity = _uidvalidity(request)
    result = selectors.remembered_body(
        user_pk=request.user.pk, folder=folder, uidvalidity=uidvalidity, uid=uid, allow_images=allow_images
    )
    if result is None:
        box = request_mailbox(request, condstore=False)
        result = selectors.html_body(box, folder=folder, uid=uid, uidvalidity=uidvalidity, allow_images=allow_images)
        if uidvalidity is not None:
            selectors.remember_body(
                result,
                user_pk=request.user.pk,
                folder=folder,
                uidvalidity=uidvalidity,
                uid=uid,
                allow_images=allow_images,
            )
    response = HttpResponse(BODY_DOCUMENT.format(body=result.html), content_type="text/html; charset=utf-8")
    img_src = "'self' data: https: http:" if allow_images else "data:"
    response["Content-Security-Policy"] = (
        f"default-src 'none'; img-src {img_src}; style-src 'unsafe-inline'; font-src 'none'; "
        "form-action 'none'; base-uri 'none'; frame-ancestors 'self'; "
        "sandbox allow-popups allow-popups-to-escape-sandbox"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


# Types the browser may show inline from the app's origin; everything else is downloaded.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"}


def content_disposition(kind: str, filename: str) -> str:
    """RFC 6266/5987: an ASCII fallback plus the UTF-8 name, both already sanitised."""
    name = safe_filename(filename)
    ascii_name = name.encode("ascii", "ignore").decode() or "piece-jointe"
    ascii_name = ascii_name.replace('"', "_").replace("\\", "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


@require_GET
@mail_view
def part(request: HttpRequest, uid: str, section: str) -> HttpResponse:
    uid = int(uid)
    box = request_mailbox(request)
    folder = _folder_param(request)
    info, data = selectors.message_part(box, folder=folder, uid=uid, uidvalidity=_uidvalidity(request), section=section)
    content_type = info.content_type if "/" in info.content_type else "application/octet-stream"
    inline = request.GET.get("voir") == "1" and content_type in INLINE_TYPES
    if not inline:
        content_type = "application/octet-stream" if content_type in {"text/html", "image/svg+xml"} else content_type
    response = HttpResponse(data, content_type=content_type if inline else content_type)
    name = info.filename or f"partie-{section}"
    response["Content-Disposition"] = content_disposition("inline" if inline else "attachment", name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
@mail_view
def source(request: HttpRequest, uid: int) -> HttpResponse:
    box = request_mailbox(request)
    folder = _folder_param(request)
    summary, data = selectors.raw_message(box, folder=folder, uid=uid, uidvalidity=_uidvalidity(request))
    response = HttpResponse(data, content_type="message/rfc822")
    response["Content-Disposition"] = content_disposition("attachment", (summary.subject or "message")[:80] + ".eml")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --------------------------------------------------------------------------- actions


ACTION_DONE = {
    "read": _("Messages marqués comme lus."),
    "unread": _("Messages marqués comme non lus."),
    "flag": _("Messages suivis."),
    "unflag": _("Suivi retiré."),
}


@require_POST
@mail_view
def actions(request: HttpRequest) -> HttpResponse:
    box = request_mailbox(request)
    folder = _folder_param(request, request.POST)
    fallback = list_url(folder)
    next_url = _safe_next(request, fallback)
    uids = sorted({int(u) for u in request.POST.getlist("uid") if u.isdigit()})
    action = request.POST.get("action", "")
    target = request.POST.get("target", "")
    v = _int_param(request.POST, "v")
    state = box.select(folder)
    if v is not None and v != state.uidvalidity:
        messages.error(
            request, _("Le dossier a été recréé entre-temps : rien n'a été modifié, la liste est rechargée.")
        )
        return HttpResponseRedirect(fallback)
    if not uids:
        messages.warning(request, _("Sélectionnez au moins un message."))
        return HttpResponseRedirect(next_url)
    uids = box.existing_uids(uids)
    if not uids:
        raise Http404
    try:
        if action in services.FLAG_ACTIONS:
            services.set_flags(box=box, folder=folder, uids=uids, action=action)
            messages.success(request, ACTION_DONE[action])
        elif action == "move":
            services.move_messages(box=box, folder=folder, uids=uids, target=target)
            messages.success(request, _("%(n)d message(s) déplacé(s).") % {"n": len(uids)})
            next_url = request.POST.get("after_move") == "list" and fallback or next_url
        elif action == "copy":
            services.copy_messages(box=box, folder=folder, uids=uids, target=target)
            messages.success(request, _("%(n)d message(s) copié(s).") % {"n": len(uids)})
        elif action == "delete":
            outcome = services.delete_messages(box=box, folder=folder, uids=uids)
            if outcome == "trash":
                messages.success(request, _("%(n)d message(s) placé(s) dans la corbeille.") % {"n": len(uids)})
            else:
                messages.success(request, _("%(n)d message(s) supprimé(s) définitivement.") % {"n": len(uids)})
            next_url = fallback if "/lire/" in next_url else next_url
        elif action == "restore":
            services.restore_messages(box=box, uids=uids)
            messages.success(request, _("%(n)d message(s) restauré(s) dans la boîte de réception.") % {"n": len(uids)})
            next_url = fallback if "/lire/" in next_url else next_url
        else:
            messages.error(request, _("Action inconnue."))
    except services.MailActionError as exc:
        messages.error(request, str(exc))
    return HttpResponseRedirect(next_url)


@never_cache
@require_GET
@mail_view
def folders(request: HttpRequest) -> HttpResponse:
    box = request_mailbox(request)
    context = {**_sidebar(box, ""), "current_url": request.get_full_path()}
    return render(request, "mail/folders.html", context)


@require_POST
@mail_view
def folder_action(request: HttpRequest) -> HttpResponse:
    box = request_mailbox(request)
    action = request.POST.get("action", "")
    folder = request.POST.get("f", "")
    redirect_to = "/messagerie/dossiers/"
    try:
        if action == "create":
            name = services.create_folder(
                box=box, name=request.POST.get("name", ""), parent=request.POST.get("parent", "")
            )
            messages.success(request, _("Dossier « %(name)s » créé.") % {"name": name})
        elif action == "rename":
            name = services.rename_folder(box=box, folder=folder, new_name=request.POST.get("name", ""))
            messages.success(request, _("Dossier renommé en « %(name)s ».") % {"name": name})
        elif action == "delete":
            services.delete_folder(box=box, folder=folder)
            messages.success(request, _("Dossier supprimé."))
        elif action == "empty":
            services.empty_folder(box=box, folder=folder)
            messages.success(request, _("Dossier vidé."))
            redirect_to = list_url(folder)
        else:
            messages.error(request, _("Action inconnue."))
    except services.MailActionError as exc:
        messages.error(request, str(exc))
        if action == "empty":
            redirect_to = list_url(folder)
    return HttpResponseRedirect(redirect_to)
