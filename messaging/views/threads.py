"""The thread view: its messages, live updates, the composer, and the header's actions."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_GET,
    require_POST,
)
from django_htmx.http import trigger_client_event

from hona.http import AuthenticatedHttpRequest
from messaging import actions, queries, uploads
from messaging.forms import (
    ComposerForm,
    NoteComposerForm,
    ProjectChoiceForm,
)
from messaging.mentions import colleagues_to_mention
from messaging.models import (
    MAX_BODY,
    Attachment,
    Message,
    MessageTemplate,
    ScheduledMessage,
    Thread,
)
from messaging.portal import portal_url
from messaging.quiet import QuietCheck, quiet_check
from messaging.views.conversations import list_context
from projects.models import Project


def _thread_context(request: AuthenticatedHttpRequest, thread: Thread) -> dict[str, Any]:
    # ?message=: a link to one message (a mention's notification): the page reaches back to it.
    wanted = request.GET.get("message", "")
    page = queries.message_page(thread, reaching=int(wanted) if wanted.isdigit() else None)
    return {
        "thread": thread,
        "contact": thread.contact,
        "message_page": page,
        # Read only when the thread has some: most have none, and the page stays at 6 queries.
        "scheduled": queries.scheduled_for_thread(thread) if thread.pending_scheduled else [],
        **_project_context(thread),
        "composer": ComposerForm(),
        "cursor": timezone.now().isoformat(),
        "max_length": MAX_BODY,
    }


def _open_thread(request: AuthenticatedHttpRequest, pk: int) -> Thread:
    thread = queries.get_thread_for_user(request.user, pk)
    if getattr(thread, "unread_by_me", True):  # get_thread_for_user's annotation
        actions.mark_thread_read(user=request.user, thread=thread)
    return thread


def _template_to_insert(request: AuthenticatedHttpRequest) -> MessageTemplate | None:
    """The template just created from this composer (?template=), if it is the firm's."""
    value = request.GET.get("template", "")
    if not value.isdigit():
        return None
    return queries.templates_for_user(request.user).filter(pk=int(value)).first()


@login_required
@require_GET
def thread_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    thread = _open_thread(request, pk)
    context = {
        "active_nav": "conversations",
        **list_context(request),
        **_thread_context(request, thread),
        "insert_template": _template_to_insert(request),
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
    was_archived = thread.is_archived  # sending brings it back: the header must say so
    since = _parse_cursor(request.POST.get("since"))
    note = request.POST.get("mode") == "note"  # the composer's "Internal note" tab
    form = (NoteComposerForm if note else ComposerForm)(request.POST, request.FILES)
    error = uploads.refusal(request)
    if not error and not form.is_valid():
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    scheduled = None
    if not error and note:
        error = _write_note(request, thread, form)
    elif not error and request.POST.get("action") == "schedule":
        scheduled, error = _schedule(request, thread, form, _parse_local(request, thread))
    elif not error:
        quiet = _quiet(thread)
        choice = request.POST.get("quiet", "")
        if quiet is not None and quiet.inside and choice not in {"send", "schedule"}:
            # In the client's quiet hours: ask first, store nothing, keep what was written.
            return _quiet_prompt(request, thread, quiet)
        if quiet is not None and quiet.inside and choice == "schedule":
            scheduled, error = _schedule(
                request, thread, form, quiet.ends_at, ScheduledMessage.Reason.QUIET_HOURS
            )
        else:
            try:
                # The uploads stay where Django put them (memory or a temporary file); the
                # action checks the limits, reads each one's type from its first bytes and
                # stores it.
                actions.send_message(
                    thread=thread,
                    sender=request.user,
                    body=form.cleaned_data["body"],
                    files=_new_files(form),
                    quiet=quiet,
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
    if scheduled is not None:
        return _scheduled_response(request, thread)
    thread.refresh_from_db()
    header: dict[str, Any] = {}
    if was_archived and not thread.is_archived:
        header = {"header_changed": True, "contact": thread.contact, **_project_context(thread)}
    response = _render_updates(request, thread, since, sent=True, **header)
    if header:
        trigger_client_event(response, "thread-changed", {"id": thread.pk})
    return trigger_client_event(response, "message-sent")


def _new_files(form: ComposerForm) -> list[uploads.NewFile]:
    return [
        uploads.NewFile(str(upload.name), upload, source=Attachment.Source.UPLOAD)
        for upload in form.cleaned_data["attachments"]
    ]


def _quiet(thread: Thread) -> QuietCheck | None:
    """What the client's quiet hours say now, for a message that will go by text."""
    contact = thread.contact
    if contact.route.channel != "sms":
        return None
    return quiet_check(contact.phone, contact.organization, timezone.now())


def _first_name(name: str) -> str:
    return name.split()[0] if name.split() else name


def _quiet_prompt(
    request: AuthenticatedHttpRequest, thread: Thread, quiet: QuietCheck
) -> HttpResponse:
    """The composer asks: send now, or schedule for the end of the client's quiet hours."""
    response = render(
        request,
        "messaging/conversations.html#quiet-prompt",
        {
            "thread": thread,
            "first_name": _first_name(thread.contact.name),
            # In the client's own zone (the page's dates are in the firm's).
            "local_now": f"{quiet.local:%-I:%M %p}",
            "ends_local": f"{quiet.ends_local:%-I:%M %p}",
        },
    )
    response["HX-Retarget"] = "#composer-error"
    response["HX-Reswap"] = "outerHTML"
    response["X-Hona-Not-Sent"] = "quiet-hours"  # the composer keeps what was written
    return response


def _parse_local(request: AuthenticatedHttpRequest, thread: Thread) -> datetime.datetime | None:
    """The composer's "Schedule" time, typed in the firm's time zone."""
    raw = request.POST.get("send_at", "").strip()
    try:
        naive = datetime.datetime.fromisoformat(raw)
    except ValueError:
        return None
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=ZoneInfo(thread.contact.organization.timezone))


def _schedule(
    request: AuthenticatedHttpRequest,
    thread: Thread,
    form: ComposerForm,
    send_at: datetime.datetime | None,
    reason: str = ScheduledMessage.Reason.CHOSEN,
) -> tuple[ScheduledMessage | None, str]:
    if send_at is None:
        return None, "Choose the day and time to send it."
    try:
        scheduled = actions.schedule_message(
            thread=thread,
            sender=request.user,
            body=form.cleaned_data["body"],
            send_at=send_at,
            reason=reason,
            files=_new_files(form),
        )
    except ValidationError as exc:
        return None, " ".join(exc.messages)
    return scheduled, ""


def _scheduled_context(thread: Thread, **extra: Any) -> dict[str, Any]:
    """What the scheduled messages' list draws: the thread's pending ones, with their files."""
    return {
        "thread": thread,
        "contact": thread.contact,
        "scheduled": queries.scheduled_for_thread(thread),
        **extra,
    }


def _scheduled_response(
    request: AuthenticatedHttpRequest, thread: Thread, *, written: bool = True
) -> HttpResponse:
    """The thread's scheduled messages again, after one was added (`written`: the composer
    empties) or cancelled."""
    response = render(
        request,
        "messaging/conversations.html#scheduled-updates",
        _scheduled_context(thread, oob=True),
    )
    return trigger_client_event(response, "message-sent") if written else response


def _write_note(request: AuthenticatedHttpRequest, thread: Thread, form: ComposerForm) -> str:
    """Store the composer's text as an internal note; the error to show, if any."""
    if form.cleaned_data["attachments"]:
        return (
            "An internal note cannot carry files. Remove the files, or send them to the client "
            "as a message."
        )
    try:
        actions.write_note(thread=thread, author=request.user, body=form.cleaned_data["body"])
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


@login_required
@require_GET
def colleagues(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Whom a note in this thread can @mention: the composer asks when a note is begun."""
    thread = queries.get_thread_for_user(request.user, pk)
    people = colleagues_to_mention(thread.organization_id, request.user)
    return render(request, "messaging/conversations.html#mention-list", {"people": people})


def _header_response(
    request: AuthenticatedHttpRequest, thread: Thread, notice: tuple[str, str] | None = None
) -> HttpResponse:
    """The thread's header again, after an action in it; `notice` (level, words) says how the
    action went, in the header itself (or, without htmx, on the page it redirects to)."""
    thread = queries.get_thread_for_user(request.user, thread.pk)
    if not request.htmx:
        if notice is not None:
            flash.add_message(request, getattr(flash, notice[0].upper()), notice[1])
        return redirect("messaging:thread-detail", pk=thread.pk)
    context = {"thread": thread, "contact": thread.contact, "header_notice": notice}
    response = render(
        request,
        "messaging/conversations.html#thread-header",
        {**context, **_project_context(thread)},
    )
    return trigger_client_event(response, "thread-changed", {"id": thread.pk})


def _project_context(thread: Thread) -> dict[str, Any]:
    """What the header shows about projects: the selector, and whether filing is off."""
    choices = queries.projects_for_thread(thread)
    return {"project_choices": choices, "filing_off": queries.filing_off(thread, choices)}


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


def _scheduled_of(
    request: AuthenticatedHttpRequest, pk: int, scheduled_pk: int
) -> tuple[Thread, ScheduledMessage]:
    """The thread and one of its scheduled messages, if the firm's; 404 otherwise."""
    thread = queries.get_thread_for_user(request.user, pk)
    scheduled = get_object_or_404(
        ScheduledMessage.objects.for_user(request.user), pk=scheduled_pk, thread=thread
    )
    return thread, scheduled


@never_cache
@login_required
@require_GET
def scheduled_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The thread's scheduled messages as they stand: what an open screen fetches when they
    change elsewhere (another screen, a colleague, beat sending one)."""
    thread = queries.get_thread_for_user(request.user, pk)
    return render(
        request, "messaging/conversations.html#scheduled-list", _scheduled_context(thread)
    )


@login_required
@require_POST
def scheduled_cancel(request: AuthenticatedHttpRequest, pk: int, scheduled_pk: int) -> HttpResponse:
    """Cancel a scheduled message before it goes (it is kept, marked cancelled)."""
    thread, scheduled = _scheduled_of(request, pk, scheduled_pk)
    try:
        actions.cancel_scheduled(scheduled=scheduled, user=request.user)
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
    if not request.htmx:
        return redirect("messaging:thread-detail", pk=thread.pk)
    return _scheduled_response(request, thread, written=False)


@login_required
@require_POST
def scheduled_edit(request: AuthenticatedHttpRequest, pk: int, scheduled_pk: int) -> HttpResponse:
    """Change a scheduled message's text or time before it goes."""
    thread, scheduled = _scheduled_of(request, pk, scheduled_pk)
    send_at = _parse_local(request, thread)
    error = ""
    if send_at is None:
        error = "Choose the day and time to send it."
    else:
        try:
            actions.edit_scheduled(
                scheduled=scheduled,
                user=request.user,
                body=request.POST.get("body", ""),
                send_at=send_at,
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if not request.htmx:
        if error:
            flash.error(request, error)
        return redirect("messaging:thread-detail", pk=thread.pk)
    response = render(
        request,
        "messaging/conversations.html#scheduled-list",
        _scheduled_context(
            thread, oob=True, scheduled_error=error, error_for=scheduled.pk if error else None
        ),
        status=422 if error else 200,
    )
    return response


def _header_action(
    request: AuthenticatedHttpRequest, pk: int, act: Callable[[Thread], str]
) -> HttpResponse:
    """Run a thread-header action; the header says how it went (its words, or the refusal)."""
    thread = queries.get_thread_for_user(request.user, pk)
    try:
        done = act(thread)
    except ValidationError as error:
        return _header_response(request, thread, ("error", " ".join(error.messages)))
    return _header_response(request, thread, ("success", done))


@login_required
@require_POST
def record_consent(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Staff record the client's consent to texts, saying how they gave it."""

    def record(thread: Thread) -> str:
        note = request.POST.get("note", "")
        actions.record_consent(contact=thread.contact, user=request.user, note=note)
        return f"Consent recorded: {thread.contact.name} agreed to texts."

    return _header_action(request, pk, record)


@login_required
@require_POST
def request_consent(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Text the firm's consent request; their YES reply records the consent."""

    def ask(thread: Thread) -> str:
        actions.request_consent(contact=thread.contact, user=request.user)
        return f"Consent request sent to {thread.contact.name}. Their YES reply records consent."

    return _header_action(request, pk, ask)


@login_required
@require_POST
def revoke_link(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Stop every portal link sent to this contact so far (a new one can be inserted later)."""
    thread = queries.get_thread_for_user(request.user, pk)
    actions.revoke_portal_links(contact=thread.contact)
    done = (
        f"The earlier conversation links of {thread.contact.name} no longer work. "
        "Insert a new link to send them one."
    )
    return _header_response(request, thread, ("success", done))


@login_required
@require_GET
def portal_link(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The contact's personal portal link, for "Insert link to conversation"."""
    thread = queries.get_thread_for_user(request.user, pk)
    return JsonResponse({"url": portal_url(thread.contact)})
