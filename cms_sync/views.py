"""Integration settings and health (firm admins), Retry, and the browser extension's panel."""

from __future__ import annotations

import secrets
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from cms_sync import actions, clio
from cms_sync.documents import documents_for, send_documents
from cms_sync.matching import case_id_from
from cms_sync.models import OutboxEntry
from cms_sync.queries import advice_for, current_integration, health
from hona.content_policy import csp_replace_per_request, csp_update_per_request
from hona.http import AuthenticatedHttpRequest
from hona.models import User
from messaging.models import Message
from messaging.queries import get_thread_for_user
from projects.models import Project
from projects.queries import get_project_for_user

OAUTH_STATE = "clio_oauth_state"


def firm_admin_only(view: Any) -> Any:
    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_firm_admin:
            raise Http404("Only firm admins manage the integration.")
        response: HttpResponse = view(request, *args, **kwargs)
        return response

    return login_required(wrapper)


def _callback_url(request: AuthenticatedHttpRequest) -> str:
    return settings.PUBLIC_BASE_URL + reverse("cms_sync:clio-callback")


def _clio_sign_in() -> dict[str, list[str]]:
    # "Connect Clio" posts here, then is sent on to Clio's sign-in page: browsers check the
    # redirect of a form's submission against form-action too.
    return {"form-action": [settings.CLIO_BASE_URL]}


@firm_admin_only
@require_GET
@csp_update_per_request(_clio_sign_in)
def integration_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    report = health(request.user)
    errors = [(entry, advice_for(entry.error_code)) for entry in report.latest_errors]
    return render(
        request,
        "cms_sync/integration.html",
        {"active_nav": "settings", "health": report, "errors": errors},
    )


@firm_admin_only
@require_POST
def connect_webhook(request: AuthenticatedHttpRequest) -> HttpResponse:
    url = request.POST.get("url", "").strip()
    organization = request.user.organization
    assert organization is not None
    try:
        _, secret = actions.connect_webhook(organization=organization, user=request.user, url=url)
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    else:
        flash.success(
            request,
            f"Webhook connected. Its signing secret, shown only now: {secret} — "
            "check X-Hona-Signature (HMAC-SHA256 of the raw body) with it.",
        )
    return redirect("cms_sync:integration")


@firm_admin_only
@require_POST
def connect_clio(request: AuthenticatedHttpRequest) -> HttpResponse:
    state = secrets.token_urlsafe(24)
    request.session[OAUTH_STATE] = state
    return redirect(clio.authorize_url(state, _callback_url(request)))


@firm_admin_only
@require_GET
def clio_callback(request: AuthenticatedHttpRequest) -> HttpResponse:
    expected = request.session.pop(OAUTH_STATE, None)
    if not expected or request.GET.get("state") != expected:
        flash.error(request, "That Clio sign-in did not start here. Please connect again.")
        return redirect("cms_sync:integration")
    if request.GET.get("error"):
        flash.error(request, "Clio was not connected: the access was declined.")
        return redirect("cms_sync:integration")
    organization = request.user.organization
    assert organization is not None
    try:
        actions.connect_clio(
            organization=organization,
            user=request.user,
            code=request.GET.get("code", ""),
            redirect_uri=_callback_url(request),
        )
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    else:
        flash.success(request, "Clio is connected. New messages on linked projects are filed.")
    return redirect("cms_sync:integration")


@firm_admin_only
@require_POST
def disconnect(request: AuthenticatedHttpRequest) -> HttpResponse:
    integration = current_integration(request.user)
    if integration is not None:
        actions.disconnect(integration=integration)
        flash.success(request, "Disconnected. Messages are kept in Hona until you connect again.")
    return redirect("cms_sync:integration")


@firm_admin_only
@require_POST
def retry_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization = request.user.organization
    assert organization is not None
    count = actions.retry_all_failed(organization=organization)
    flash.success(request, f"Retrying {count} failed filing{'s' if count != 1 else ''}.")
    return redirect("cms_sync:integration")


@login_required
@require_POST
def retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Try a failed filing again (another firm's entry is a 404)."""
    entry = get_object_or_404(
        OutboxEntry.objects.select_related("message__thread", "message__project"),
        pk=pk,
        organization_id=request.user.organization_id,
    )
    actions.retry_entry(entry=entry)
    message = entry.message
    if not request.htmx:
        return redirect("messaging:thread-detail", pk=message.thread_id)
    thread = message.thread
    thread.cms_active = True  # type: ignore[attr-defined]
    return render(
        request,
        "messaging/conversations.html#filing-receipt",
        {"message": message, "thread": thread},
    )


def _framed_by_the_extension() -> dict[str, list[str]]:
    # Shown inside the browser extension's side panel, exactly, and nowhere else (not even in
    # Hona's own pages); with no extension configured, nowhere at all.
    origins = settings.HONA_EXTENSION_ORIGINS
    return {"frame-ancestors": [*origins] if origins else ["'none'"]}


SIGNED_IN_PATH = "/extension/signed-in/"


def _sign_in_url() -> str:
    return f"{reverse('login')}?{urlencode({'next': SIGNED_IN_PATH}, safe='/')}"


@xframe_options_exempt
@csp_replace_per_request(_framed_by_the_extension)
@require_http_methods(["GET"])
def extension_panel(request: AuthenticatedHttpRequest) -> HttpResponse:
    """For the browser extension: the Project linked to the CMS case open in the active tab.

    Signed out, it says so with a link to sign in, in a page the extension may frame: the
    sign-in page itself refuses every frame, which Chromium shows as "refused to connect".
    """
    if not request.user.is_authenticated:
        context: dict[str, Any] = {"signed_out": True, "sign_in_url": _sign_in_url()}
    else:
        case_id = case_id_from(request.GET.get("url", ""), request.GET.get("case", ""))
        project = None
        if case_id:
            found = Project.objects.for_user(request.user).filter(cms_case_id=case_id).first()
            project = get_project_for_user(request.user, found.pk) if found else None
        context = {"project": project, "case_id": case_id, "tab": request.GET.get("tab", "details")}
    response = render(request, "cms_sync/extension_panel.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def extension_status(request: HttpRequest) -> JsonResponse:
    """What the extension asks before it shows the panel: is this browser signed in to Hona, and
    may this extension frame the panel? Read with the browser's cookies by the configured
    extensions only (CORS); it tells nothing about anyone but the person asking."""
    origin = request.headers.get("Origin")
    allowed = settings.HONA_EXTENSION_ORIGINS
    status: dict[str, Any] = {
        "signed_in": request.user.is_authenticated,
        "sign_in_url": _sign_in_url(),
        # A request from Hona's own pages (or one that does not say) may frame it: 'self'.
        "panel_allowed": origin in (None, "null", settings.PUBLIC_BASE_URL, *allowed),
    }
    user = request.user
    if isinstance(user, User):
        status["name"] = user.name
        status["firm"] = user.organization.name if user.organization else ""
    response = JsonResponse(status)
    response["Cache-Control"] = "no-store"
    patch_vary_headers(response, ["Origin", "Cookie"])
    if origin and origin in allowed:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Credentials"] = "true"
    return response


@login_required
@require_GET
def extension_signed_in(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where the sign-in tab the extension opened lands; the extension closes it."""
    return render(request, "cms_sync/extension_signed_in.html")


@login_required
@require_POST
def refile(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """File one message to another of the contact's projects; the change is audited."""

    message = get_object_or_404(
        Message.objects.select_related("thread"),
        pk=pk,
        organization_id=request.user.organization_id,
    )
    project = get_object_or_404(
        Project.objects.for_user(request.user).filter(clients=message.thread.contact_id),
        pk=request.POST.get("project") or 0,
    )
    actions.refile_message(message=message, project=project, user=request.user)
    flash.success(request, f"The message is being filed to {project.name}.")
    return redirect("messaging:thread-detail", pk=message.thread_id)


def _clio_thread(request: AuthenticatedHttpRequest, pk: int) -> tuple[Any, Any]:

    thread = get_thread_for_user(request.user, pk)
    integration = current_integration(request.user)
    project = thread.current_project
    if (
        integration is None
        or integration.kind != "clio"
        or integration.status != "active"
        or project is None
        or not project.cms_case_id
    ):
        raise Http404("This thread's project is not linked to a Clio matter.")
    return thread, integration


@login_required
@require_GET
def documents(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The matter's documents in Clio, for "Attach file from integration" (loaded by a task)."""

    thread, integration = _clio_thread(request, pk)
    query = request.GET.get("q", "").strip()[:100]
    page_token = request.GET.get("page", "")[:64]  # an opaque token of ours, never a URL
    listing = documents_for(
        integration=integration,
        matter_id=thread.current_project.cms_case_id,
        query=query,
        page_token=page_token,
    )
    return render(
        request,
        "cms_sync/documents.html",
        {"thread": thread, "listing": listing, "q": query, "page": page_token},
    )


@login_required
@require_POST
def attach_documents(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:

    thread, _ = _clio_thread(request, pk)
    # Only ids are taken from the form (a page rendered before this change sent "id|name"):
    # the task reads each document's name and matter from Clio before anything is sent.
    values = [v.partition("|")[0] for v in request.POST.getlist("document")]
    chosen = list(dict.fromkeys(v for v in values if v.isdigit()))[:10]
    target = reverse("messaging:thread-detail", args=[thread.pk])
    if not chosen:
        flash.error(request, "Choose at least one document.")
    else:
        body = request.POST.get("body", "").replace("\r\n", "\n").strip()[:1600]
        try:
            send_documents(thread=thread, sender=request.user, body=body, document_ids=chosen)
        except ValidationError as error:
            flash.error(request, " ".join(error.messages))
        else:
            flash.success(request, f"Sending {len(chosen)} document(s) from the case.")
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)
