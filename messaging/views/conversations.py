"""The Conversations tab: the list with its search and filters, and starting a conversation."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
)

from hona.http import AuthenticatedHttpRequest
from messaging import actions, queries
from messaging.forms import (
    NewConversationForm,
)
from messaging.queries import ConversationFilter
from notifications.queries import badge_columns, badge_counts_of, scoped_unread


def list_context(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    current = ConversationFilter.parse(request.GET.get("filter"))
    search = request.GET.get("q", "").strip()[:100]
    page = queries.conversation_page(
        request.user,
        filter=current,
        search=search,
        cursor=request.GET.get("cursor"),
        unread=scoped_unread(request.user),  # the Unread filter obeys the notification scope
        also=badge_columns(request.user),  # the badge's numbers come with the rows
    )
    # The badge beside the list (notifications.context_processors) needs no query of its own.
    badge = {}
    if page.also:
        counts = badge_counts_of(page.also)
        badge = {
            "unread_count": counts.threads,
            "notice_count": counts.notices,
            "unread_outside_count": counts.outside,
        }
    hidden = (
        queries.hidden_search_matches(request.user, search)
        if current is ConversationFilter.ALL and not request.GET.get("cursor")
        else queries.HiddenMatches()
    )
    # Staff's internal notes are searched too: the newest few that have the words in them.
    notes = (
        queries.note_search_matches(request.user, search) if not request.GET.get("cursor") else []
    )
    active = request.GET.get("active", "")
    return {
        "note_matches": notes,
        # The open thread's row, when the list refreshes itself beside it.
        "active_pk": int(active) if active.isdigit() else None,
        "hidden_matches": hidden,
        "filters": list(ConversationFilter),
        "current_filter": current,
        "search": search,
        "page": page,
        "is_first_page": not request.GET.get("cursor"),
        "page_size": queries.CONVERSATIONS_PAGE,
        **badge,
    }


@login_required
@require_GET
def conversation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {"active_nav": "conversations", **list_context(request)}
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
