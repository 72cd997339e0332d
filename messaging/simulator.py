"""A phone simulator for development (DEBUG only): read the texts a contact received and answer
as that contact. Answers go through the real inbound webhook over HTTP, correctly signed, so the
whole loop can be shown without a phone."""

from __future__ import annotations

import uuid

import requests
from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from twilio.request_validator import RequestValidator

from hona.http import AuthenticatedHttpRequest
from messaging.models import Contact, Message


def _debug_only() -> None:
    if not settings.DEBUG:
        raise Http404("The phone simulator exists only in development.")


# The simulator posts to PUBLIC_BASE_URL, which must be the address this server is served on.
_SET_BASE_URL = (
    "The simulator sends texts to PUBLIC_BASE_URL: set it to the address you serve Hona on "
    "(make run PORT=… does so for you)."
)


def _unreachable(error: requests.RequestException) -> str:
    base = settings.PUBLIC_BASE_URL
    if isinstance(error, requests.Timeout):
        first = f"Hona at {base} did not answer within 10 seconds."
    else:
        first = f"Hona could not reach itself at {base} — is the server running on that address?"
    return f"{first} {_SET_BASE_URL}"


def _refused(status: int) -> str:
    base = settings.PUBLIC_BASE_URL
    if status == 403:
        return (
            "The webhook did not accept the text: its signature did not match the address it "
            f"arrived at. {_SET_BASE_URL}"
        )
    return f"The webhook at {base} answered with an error (HTTP {status}); see the server's log."


@login_required
@require_GET
def phone(request: AuthenticatedHttpRequest) -> HttpResponse:
    _debug_only()
    contacts = list(Contact.objects.for_user(request.user).exclude(phone="").order_by("name")[:500])
    chosen = None
    texts: list[Message] = []
    wanted = request.GET.get("contact", "")
    if wanted.isdigit():
        chosen = next((c for c in contacts if c.pk == int(wanted)), None)
    if chosen is not None:
        texts = list(
            Message.objects.filter(thread__contact=chosen)
            .filter(channel__in=[Message.Channel.SMS, Message.Channel.MMS])
            .prefetch_related("attachments")
            .order_by("-created_at", "-pk")[:50]
        )[::-1]
    return render(
        request,
        "messaging/simulator.html",
        {
            "contacts": contacts,
            "chosen": chosen,
            "texts": texts,
            "active_nav": "simulator",
            "webhook_base": settings.PUBLIC_BASE_URL,
        },
    )


@login_required
@require_POST
def phone_reply(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Post what the contact "texted" to our own inbound webhook, signed as Twilio would."""
    _debug_only()
    contact = Contact.objects.for_user(request.user).filter(pk=request.POST.get("contact")).first()
    if contact is None or request.user.organization is None:
        raise Http404("No such contact.")
    body = request.POST.get("body", "").strip()
    if not body:
        flash.error(request, "Type the text the client sends.")
        return redirect(f"{reverse('messaging:phone-simulator')}?contact={contact.pk}")
    path = reverse("messaging:twilio-inbound")
    params = {
        "MessageSid": f"SMsim{uuid.uuid4().hex[:29]}",
        "AccountSid": settings.TWILIO_ACCOUNT_SID or "AC" + "0" * 32,
        "From": contact.phone,
        "To": request.user.organization.sms_number,
        "Body": body[: settings.MESSAGE_MAX_LENGTH],
        "NumMedia": "0",
    }
    url = settings.PUBLIC_BASE_URL + path
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(url, params)
    try:
        answer = requests.post(
            url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10
        )
    except requests.RequestException as error:
        flash.error(request, _unreachable(error))
    else:
        if answer.status_code == 200:
            flash.success(request, f"{contact.name} texted the firm. It is in their thread now.")
        else:
            flash.error(request, _refused(answer.status_code))
    return redirect(f"{reverse('messaging:phone-simulator')}?contact={contact.pk}")
