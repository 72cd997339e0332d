"""The client portal: a personal link opens the client's own thread, where they read, reply and
send files. Nothing internal is shown (staff names, projects, flags, delivery errors)."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hona import live
from hona.models import User
from hona.throttle import allow, client_ip
from messaging import actions, uploads
from messaging.actions.messages import PORTAL_SID_PREFIX
from messaging.forms import PortalComposerForm
from messaging.models import MAX_BODY, Attachment, Contact, Message
from messaging.notices import send_fresh_portal_link
from messaging.portal import (
    InvalidPortalLink,
    PortalLink,
    portal_contact,
    read_portal_token,
    start_portal_session,
)
from messaging.views.files import stored_file_response

logger = logging.getLogger(__name__)

PAGE = 50


def _private(response: HttpResponseBase) -> HttpResponseBase:
    """Never kept by a shared cache, never shown from a browser's back/forward cache.

    `same-origin`: a link's token (in the /p/<token>/ path) goes as a referrer only to our own
    origin, never to another site. Not `no-referrer`: with it Chromium posts the page's own
    forms ("Send me a new link") with `Origin: null`, which Django's CSRF check refuses.
    """
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "same-origin"
    return response


def _throttled(request: HttpRequest, name: str, limit: int, window: int) -> bool:
    return not allow(f"portal:{name}:{client_ip(request)}", limit=limit, window=window)


def _too_many() -> HttpResponseBase:
    return _private(
        HttpResponse("Too many requests. Please wait a minute and try again.", status=429)
    )


def _staff_page(request: HttpRequest) -> HttpResponseBase:
    return _private(render(request, "portal/staff_signed_in.html", status=403))


def portal_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The portal contact from the session, or the friendly "link ended" page; rate limited.

    A browser signed in as staff never acts as a client here, whatever else its session holds.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if _throttled(request, "page", limit=240, window=60):
            return _too_many()
        if request.user.is_authenticated:
            return _staff_page(request)
        contact = portal_contact(request)
        if contact is None:
            return _private(render(request, "portal/ended.html", status=403))
        # Times as the firm tells them, whatever the server's zone (staff pages do the same).
        with timezone.override(contact.organization.timezone):
            return _private(view(request, contact, *args, **kwargs))

    return wrapper


@never_cache
@require_http_methods(["GET", "POST"])
def portal_open(request: HttpRequest, token: str) -> HttpResponseBase:
    """Open a personal link: start the client's session, or offer a fresh link."""
    if _throttled(request, "open", limit=30, window=60):
        return _too_many()
    try:
        link = read_portal_token(token)
    except InvalidPortalLink as invalid:
        contact = (
            Contact.objects.select_related("organization").filter(pk=invalid.contact_id).first()
            if invalid.contact_id
            else None
        )
        context: dict[str, Any] = {
            "contact": contact,
            "firm": contact.organization if contact else None,
            "reason": str(invalid),
            "sent": None,
        }
        if request.method == "POST" and contact is not None:
            if allow(f"portal:renew:{contact.pk}", limit=3, window=3600) and not _throttled(
                request, "renew", limit=10, window=3600
            ):
                context["sent"] = send_fresh_portal_link(contact=contact)
            else:
                context["sent"] = "limit"
        return _private(render(request, "portal/link_invalid.html", context, status=403))
    if request.user.is_authenticated:
        return _staff_preview(request, link)
    if request.method != "GET":
        return redirect("messaging:portal-thread")
    start_portal_session(request, link)
    return _private(redirect("messaging:portal-thread"))


def _staff_preview(request: HttpRequest, link: PortalLink) -> HttpResponseBase:
    """What the client sees, for their firm's staff: read-only, and the staff session untouched
    (no portal session is started, so nothing can be sent as the client)."""
    staff = request.user
    assert isinstance(staff, User)  # authenticated, so one of ours
    contact = (
        Contact.objects.for_user(staff)
        .select_related("organization", "thread")
        .filter(pk=link.contact_id, organization_id=link.organization_id)
        .first()
    )
    if contact is None:
        return _staff_page(request)
    with timezone.override(contact.organization.timezone):
        return _private(_portal_page(request, contact, preview=True))


def _context(contact: Contact, messages: list[Message], **extra: Any) -> dict[str, Any]:
    for message in messages:
        # The key the client's browser gave a reply: its page matches a reply it is still
        # showing as "Sending…" or "Failed" to the one stored.
        sid = message.provider_sid
        key = sid.removeprefix(PORTAL_SID_PREFIX) if sid.startswith(PORTAL_SID_PREFIX) else ""
        message.portal_key = key  # type: ignore[attr-defined]
    return {
        "contact": contact,
        "firm": contact.organization,
        "messages": messages,
        "cursor": timezone.now().isoformat(),
        "max_length": MAX_BODY,
        "limits": uploads.portal_limits(),
        **extra,
    }


def _messages(contact: Contact) -> Any:
    # Never staff's internal notes: the portal shows what was said with the client.
    return (
        Message.objects.filter(thread__contact=contact).for_client().prefetch_related("attachments")
    )


def _portal_page(
    request: HttpRequest, contact: Contact, *, status: int = 200, **extra: Any
) -> HttpResponse:
    rows = list(_messages(contact).order_by("-created_at", "-pk")[: PAGE + 1])
    context = _context(contact, rows[:PAGE][::-1], earlier=len(rows) > PAGE, **extra)
    return render(request, "portal/thread.html", context, status=status)


@require_GET
@portal_view
def portal_thread(request: HttpRequest, contact: Contact) -> HttpResponse:
    return _portal_page(request, contact)


def _since(value: str | None) -> datetime.datetime:
    moment = parse_datetime(value or "")
    if moment is None or timezone.is_naive(moment):
        return timezone.now() - datetime.timedelta(minutes=1)
    return moment


def _updates(request: HttpRequest, contact: Contact, since: datetime.datetime) -> HttpResponse:
    now = timezone.now()
    changed = list(_messages(contact).filter(created_at__gt=since).order_by("created_at", "pk"))
    return render(
        request,
        "portal/thread.html#updates",
        _context(contact, changed, cursor=now.isoformat(), sent=request.method == "POST"),
    )


@require_GET
@portal_view
def portal_stream(request: HttpRequest, contact: Contact) -> HttpResponseBase:
    """Server-sent events for the client's open portal: `thread` when its thread changes."""
    return live.stream_response(request, [live.portal_channel(contact.thread.pk)])


@require_GET
@portal_view
def portal_updates(request: HttpRequest, contact: Contact) -> HttpResponse:
    since = _since(request.GET.get("since"))
    if not _messages(contact).filter(created_at__gt=since).exists():
        return HttpResponse(status=204)
    return _updates(request, contact, since)


def _upload_rate_refusal(request: HttpRequest, contact: Contact, files: list[Any]) -> str:
    """Why these files are over the contact's (or the address's) upload allowance, or ""."""
    if not files:
        return ""
    count, size = len(files), sum(int(f.size or 0) for f in files)
    per_10_minutes = settings.PORTAL_UPLOAD_FILES_PER_10_MINUTES
    per_hour = settings.PORTAL_UPLOAD_BYTES_PER_HOUR
    ip = client_ip(request)
    # Each window counts what was tried, accepted or not: a refused upload still cost the disk.
    if not (
        allow(f"portal:upload-files:{contact.pk}", limit=per_10_minutes, window=600, cost=count)
        and allow(f"portal:upload-files-ip:{ip}", limit=2 * per_10_minutes, window=600, cost=count)
    ):
        return (
            f"You can send up to {per_10_minutes} files every 10 minutes. Please wait a few "
            "minutes and send the rest; this message was not sent."
        )
    if not (
        allow(f"portal:upload-bytes:{contact.pk}", limit=per_hour, window=3600, cost=size)
        and allow(f"portal:upload-bytes-ip:{ip}", limit=2 * per_hour, window=3600, cost=size)
    ):
        return (
            f"You can send up to {filesizeformat(per_hour)} of files an hour. Please try again "
            "later; this message was not sent."
        )
    return ""


@require_POST
@portal_view
def portal_send(request: HttpRequest, contact: Contact) -> HttpResponse:
    since = _since(request.POST.get("since"))
    form = PortalComposerForm(request.POST, request.FILES)
    error = uploads.refusal(request)
    if not error and not form.is_valid():
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if not error:
        chosen = form.cleaned_data["attachments"]
        error = _upload_rate_refusal(request, contact, chosen)
    if not error:
        try:
            # Uploads stay where Django put them (memory or a temporary file): the action checks
            # the limits, reads each one's type from its first bytes and stores it from there.
            actions.receive_portal_message(
                contact=contact,
                body=form.cleaned_data["body"],
                files=[uploads.NewFile(str(upload.name), upload) for upload in chosen],
                key=form.cleaned_data["key"],
            )
        except ValidationError as problem:
            error = " ".join(problem.messages)
    if error:
        if not request.headers.get("HX-Request"):
            return _portal_page(request, contact, error=error, status=422)
        response = render(
            request, "portal/thread.html#composer-error", {"error": error}, status=422
        )
        response["HX-Retarget"] = "#composer-error"
        response["HX-Reswap"] = "outerHTML"
        return response
    if not request.headers.get("HX-Request"):
        return redirect("messaging:portal-thread")
    return _updates(request, contact, since)


@require_GET
@portal_view
def portal_file(request: HttpRequest, contact: Contact, pk: int) -> HttpResponseBase:
    """A file of this client's own thread; any other id is a 404."""
    attachment = get_object_or_404(Attachment, pk=pk, message__thread__contact=contact)
    response = stored_file_response(
        attachment, as_attachment=True, content_type="application/octet-stream"
    )
    return response  # portal_view marks it no-store
