"""HTTP for Conversations, threads, the composer and templates: parse, check access, act, render."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from hona.http import AuthenticatedHttpRequest, safe_next
from messaging import actions, queries, uploads
from messaging.delivery import MMS_TYPES
from messaging.forms import (
    ComposerForm,
    ContactForm,
    NewConversationForm,
    ProjectChoiceForm,
    TemplateForm,
)
from messaging.links import InvalidLink, read_cms_file_token, read_download_token, read_media_token
from messaging.models import MAX_BODY, Attachment, Message, Thread
from messaging.portal import portal_url
from messaging.queries import ConversationFilter
from notifications.queries import scoped_unread
from projects.models import Project

# --- Conversations tab ----------------------------------------------------------------------------


def _list_context(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    current = ConversationFilter.parse(request.GET.get("filter"))
    search = request.GET.get("q", "").strip()[:100]
    page = queries.conversation_page(
        request.user,
        filter=current,
        search=search,
        cursor=request.GET.get("cursor"),
        unread=scoped_unread(request.user),  # the Unread filter obeys the notification scope
    )
    return {
        "filters": list(ConversationFilter),
        "current_filter": current,
        "search": search,
        "page": page,
        "is_first_page": not request.GET.get("cursor"),
    }


@login_required
@require_GET
def conversation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {"active_nav": "conversations", **_list_context(request)}
    if request.htmx and not request.htmx.boosted:
        partial = "conversation-items" if request.GET.get("cursor") else "conversation-results"
        return render(request, f"messaging/conversations.html#{partial}", context)
    return render(request, "messaging/conversations.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def new_conversation(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization = request.user.organization
    assert organization is not None
    form = NewConversationForm(request.POST or None, organization_id=organization.pk)
    if request.method == "POST" and form.is_valid():
        try:
            thread = actions.start_conversation(
                organization=organization,
                contact=form.cleaned_data["contact"],
                phone=form.cleaned_data["phone"],
                email=form.cleaned_data["email"],
                started_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("messaging:thread-detail", pk=thread.pk)
    search = request.GET.get("contact_q", "").strip()[:100]
    context = {
        "active_nav": "conversations",
        "form": form,
        "contact_q": search,
        "contact_results": queries.search_contacts(request.user, search),
    }
    if request.htmx and request.method == "GET" and "contact_q" in request.GET:
        return render(request, "messaging/new_conversation.html#contact-results", context)
    return render(request, "messaging/new_conversation.html", context)


# --- Thread view ----------------------------------------------------------------------------------


def _thread_context(request: AuthenticatedHttpRequest, thread: Thread) -> dict[str, Any]:
    page = queries.message_page(thread)
    return {
        "thread": thread,
        "contact": thread.contact,
        "message_page": page,
        "project_choices": queries.projects_for_thread(thread),
        "composer": ComposerForm(),
        "cursor": timezone.now().isoformat(),
        "max_length": MAX_BODY,
    }


def _open_thread(request: AuthenticatedHttpRequest, pk: int) -> Thread:
    thread = queries.get_thread_for_user(request.user, pk)
    actions.mark_thread_read(user=request.user, thread=thread)
    return thread


@login_required
@require_GET
def thread_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    thread = _open_thread(request, pk)
    context = {
        "active_nav": "conversations",
        **_list_context(request),
        **_thread_context(request, thread),
    }
    response = render(request, "messaging/conversations.html", context)
    return trigger_client_event(response, "unread-changed")


@login_required
@require_GET
def thread_panel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The thread alone, for embedding (the Projects dashboard's Messages tab)."""
    thread = _open_thread(request, pk)
    response = render(
        request, "messaging/conversations.html#thread-panel", _thread_context(request, thread)
    )
    return trigger_client_event(response, "unread-changed")


@login_required
@require_GET
def earlier_messages(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    thread = queries.get_thread_for_user(request.user, pk)
    page = queries.message_page(thread, before=request.GET.get("before"))
    return render(
        request,
        "messaging/conversations.html#earlier-messages",
        {"thread": thread, "message_page": page},
    )


def _parse_cursor(value: str | None) -> datetime.datetime:
    moment = parse_datetime(value or "")
    if moment is None or timezone.is_naive(moment):
        return timezone.now() - datetime.timedelta(minutes=1)
    return moment


def _render_updates(
    request: AuthenticatedHttpRequest, thread: Thread, since: datetime.datetime, **extra: Any
) -> HttpResponse:
    now = timezone.now()
    changed = queries.messages_changed_since(thread, since)
    read_now = any(m.direction == Message.Direction.INBOUND for m in changed) and (
        actions.mark_thread_read(user=request.user, thread=thread)
    )
    context = {
        "thread": thread,
        "new_messages": [m for m in changed if m.created_at > since],
        "changed_messages": [m for m in changed if m.created_at <= since],
        "cursor": now.isoformat(),
        **extra,
    }
    response = render(request, "messaging/conversations.html#thread-updates", context)
    if read_now:
        trigger_client_event(response, "unread-changed")  # the badge drops at once
    return response


@never_cache
@login_required
@require_GET
def thread_updates(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The live update: 204 when nothing changed since the cursor (one indexed probe)."""
    since = _parse_cursor(request.GET.get("since"))
    thread = queries.get_thread_for_user(request.user, pk)
    if not queries.thread_changed_since(thread.pk, since):
        return HttpResponse(status=204)
    return _render_updates(request, thread, since)


@login_required
@require_POST
def send(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    thread = queries.get_thread_for_user(request.user, pk)
    since = _parse_cursor(request.POST.get("since"))
    form = ComposerForm(request.POST, request.FILES)
    error = uploads.refusal(request)
    if not error and not form.is_valid():
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if not error:
        try:
            # The uploads stay where Django put them (memory or a temporary file); the action
            # checks the limits, reads each one's type from its first bytes and stores it.
            actions.send_message(
                thread=thread,
                sender=request.user,
                body=form.cleaned_data["body"],
                files=[
                    uploads.NewFile(str(upload.name), upload, source=Attachment.Source.UPLOAD)
                    for upload in form.cleaned_data["attachments"]
                ],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if not request.htmx:
        if error:
            flash.error(request, error)
        return redirect("messaging:thread-detail", pk=thread.pk)
    if error:
        response = render(
            request,
            "messaging/conversations.html#composer-error",
            {"error": error},
            status=422,
        )
        response["HX-Retarget"] = "#composer-error"
        response["HX-Reswap"] = "outerHTML"
        return response
    thread.refresh_from_db()
    response = _render_updates(request, thread, since, sent=True)
    return trigger_client_event(response, "message-sent")


def _header_response(request: AuthenticatedHttpRequest, thread: Thread) -> HttpResponse:
    thread = queries.get_thread_for_user(request.user, thread.pk)
    if not request.htmx:
        return redirect("messaging:thread-detail", pk=thread.pk)
    response = render(
        request,
        "messaging/conversations.html#thread-header",
        {"thread": thread, "contact": thread.contact, **_project_context(thread)},
    )
    return trigger_client_event(response, "thread-changed", {"id": thread.pk})


def _project_context(thread: Thread) -> dict[str, Any]:
    return {"project_choices": queries.projects_for_thread(thread)}


@login_required
@require_POST
def set_flag(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    thread = queries.get_thread_for_user(request.user, pk)
    actions.set_thread_flag(thread=thread, user=request.user, flagged=request.POST.get("on") == "1")
    return _header_response(request, thread)


@login_required
@require_POST
def set_archived(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    thread = queries.get_thread_for_user(request.user, pk)
    archived = request.POST.get("on") == "1"
    actions.set_thread_archived(thread=thread, user=request.user, archived=archived)
    response = _header_response(request, thread)
    return trigger_client_event(response, "unread-changed")


@login_required
@require_POST
def set_spam(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    thread = queries.get_thread_for_user(request.user, pk)
    actions.set_thread_spam(thread=thread, user=request.user, spam=request.POST.get("on") == "1")
    response = _header_response(request, thread)
    return trigger_client_event(response, "unread-changed")


@login_required
@require_POST
def set_project(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    thread = queries.get_thread_for_user(request.user, pk)
    form = ProjectChoiceForm(request.POST)
    project = None
    if form.is_valid() and form.cleaned_data["project"]:
        project = get_object_or_404(
            Project.objects.for_user(request.user), pk=form.cleaned_data["project"]
        )
    try:
        actions.set_thread_project(thread=thread, project=project)
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=422)
    return _header_response(request, thread)


@login_required
@require_POST
def revoke_link(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Stop every portal link sent to this contact so far (a new one can be inserted later)."""
    thread = queries.get_thread_for_user(request.user, pk)
    actions.revoke_portal_links(contact=thread.contact)
    flash.success(
        request,
        f"The earlier conversation links of {thread.contact.name} no longer work. "
        "Insert a new link to send them one.",
    )
    if request.htmx:
        return _header_response(request, thread)
    return redirect("messaging:thread-detail", pk=thread.pk)


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contact = queries.get_contact_for_user(request.user, pk)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_contact(contact=contact, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            flash.success(request, f"{contact.name} saved.")
            thread = Thread.objects.filter(contact=contact).only("pk").first()
            if thread is not None:
                return redirect("messaging:thread-detail", pk=thread.pk)
            return redirect("messaging:conversation-list")
    return render(
        request,
        "messaging/contact_form.html",
        {"active_nav": "conversations", "form": form, "contact": contact},
    )


@login_required
@require_GET
def portal_link(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The contact's personal portal link, for "Insert link to conversation"."""
    thread = queries.get_thread_for_user(request.user, pk)
    return JsonResponse({"url": portal_url(thread.contact)})


# --- Files ----------------------------------------------------------------------------------------


@login_required
@require_GET
def attachment_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    attachment = queries.get_attachment_for_user(request.user, pk)
    return _file_response(attachment, inline=request.GET.get("inline") == "1")


@require_safe
def media(request: HttpRequest, token: str) -> FileResponse:
    """A file served to Twilio for MMS (GET and HEAD), from a signed link that expires.

    Twilio checks that the Content-Type matches the file, so the real type is sent — for the
    types MMS accepts only, and sandboxed, so nothing served here can run as a page.
    """
    try:
        attachment_id = read_media_token(token)
    except InvalidLink as invalid:
        raise Http404(str(invalid)) from None
    attachment = get_object_or_404(Attachment, pk=attachment_id)
    if not attachment.file:
        raise Http404("This file was removed.")
    content_type = attachment.content_type if attachment.content_type in MMS_TYPES else None
    response = FileResponse(
        attachment.file.open("rb"),
        filename=attachment.filename,
        content_type=content_type or "application/octet-stream",
    )
    response["Content-Disposition"] = f'inline; filename="{_short_name(attachment.filename)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _short_name(filename: str) -> str:
    """Twilio shows a file name of at most 20 characters without spaces."""
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    safe = "".join(c for c in stem if c.isalnum() or c in "-_")[: 20 - len(extension) - 1]
    return f"{safe or 'file'}.{extension}" if extension else (safe or "file")[:20]


@require_GET
def download(request: HttpRequest, token: str) -> FileResponse:
    """A file linked from an email to the client (too large to attach): signed, 30 days, and
    ended with the client's portal links."""
    try:
        attachment = read_download_token(token)
    except InvalidLink as invalid:
        raise Http404(str(invalid)) from None
    return _file_response(attachment, inline=False)


@require_GET
def cms_file(request: HttpRequest, token: str) -> FileResponse:
    """A file the firm's CMS webhook receiver fetches to file it: signed, 30 days."""
    try:
        attachment = read_cms_file_token(token)
    except InvalidLink as invalid:
        raise Http404(str(invalid)) from None
    return _file_response(attachment, inline=False)


def _file_response(attachment: Attachment, *, inline: bool) -> FileResponse:
    if not attachment.file:
        raise Http404("This file was removed.")
    # Only images are shown inline; anything else downloads, so no file can run as a page.
    inline = inline and attachment.content_type in {"image/png", "image/jpeg", "image/gif"}
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type if inline else "application/octet-stream",
    )
    # A client's file: never kept by a browser or proxy cache once the session or link ends.
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- Message templates ----------------------------------------------------------------------------


@login_required
@require_GET
def template_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    templates = queries.templates_for_user(request.user)
    if request.htmx and request.GET.get("picker"):
        return render(
            request, "messaging/template_list.html#template-picker", {"templates": templates}
        )
    return render(
        request, "messaging/template_list.html", {"active_nav": "templates", "templates": templates}
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization = request.user.organization
    assert organization is not None
    form = TemplateForm(request.POST or None, organization_id=organization.pk)
    if request.method == "POST" and form.is_valid():
        template = actions.create_template(
            organization=organization,
            name=form.cleaned_data["name"],
            body=form.cleaned_data["body"],
            created_by=request.user,
        )
        flash.success(
            request, f"Template “{template.name}” saved. Everyone in your firm can use it."
        )
        back = reverse("messaging:template-list")
        return redirect(safe_next(request, request.POST.get("next"), fallback=back))
    initial_body = request.GET.get("body", "")[:1600]
    if request.method == "GET" and initial_body:
        form.initial["body"] = initial_body
    return render(
        request,
        "messaging/template_form.html",
        {
            "active_nav": "templates",
            "form": form,
            "next": safe_next(request, request.POST.get("next") or request.GET.get("next")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    template = queries.get_template_for_user(request.user, pk)
    form = TemplateForm(
        request.POST or None, instance=template, organization_id=template.organization_id
    )
    if request.method == "POST" and form.is_valid():
        actions.update_template(
            template=template, name=form.cleaned_data["name"], body=form.cleaned_data["body"]
        )
        flash.success(request, f"Template “{template.name}” updated.")
        return redirect("messaging:template-list")
    return render(
        request,
        "messaging/template_form.html",
        {"active_nav": "templates", "form": form, "template": template},
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    template = queries.get_template_for_user(request.user, pk)
    if request.method == "POST":
        name = template.name
        actions.delete_template(template=template)
        flash.success(request, f"Template “{name}” deleted.")
        if request.htmx:
            return HttpResponseClientRedirect(reverse("messaging:template-list"))
        return redirect("messaging:template-list")
    return render(
        request,
        "messaging/template_confirm_delete.html",
        {"active_nav": "templates", "template": template},
    )
