"""Twilio's webhooks: inbound messages and delivery status callbacks.

Both check X-Twilio-Signature with the SDK's RequestValidator against the public URL (built from
PUBLIC_BASE_URL, never from the Host header, so it holds behind a TLS proxy), store what they must
and answer at once; anything slow runs as a task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from messaging.delivery import apply_status_callback
from messaging.inbound import InboundSms, receive_sms
from messaging.senders import clean_sender_id

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_MEDIA = 10


def signature_is_valid(request: HttpRequest) -> bool:
    from twilio.request_validator import RequestValidator

    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not settings.TWILIO_AUTH_TOKEN:
        return False
    url = settings.PUBLIC_BASE_URL + request.get_full_path()
    return bool(RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.POST, signature))


def _twiml(status: int = 200) -> HttpResponse:
    return HttpResponse(EMPTY_TWIML, content_type="text/xml", status=status)


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    if not signature_is_valid(request):
        logger.warning("Inbound webhook with a missing or forged signature refused")
        return HttpResponseForbidden("Invalid signature")

    def field(name: str, default: str = "") -> str:
        # PostgreSQL cannot store or even compare NUL: no value carries one further.
        return (request.POST.get(name) or default).replace("\x00", "")

    sid = field("MessageSid") or field("SmsSid")
    if not sid or not clean_sender_id(field("From")) or not field("To").strip():
        return HttpResponse("MessageSid, From and To are required.", status=400)
    try:
        count = min(int(field("NumMedia") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    # Every file Twilio names is kept: one not on Twilio's host is stored as never fetched.
    media = [
        (field(f"MediaUrl{i}"), field(f"MediaContentType{i}", "application/octet-stream"))
        for i in range(count)
        if field(f"MediaUrl{i}").strip()
    ]
    sms = InboundSms(
        sid=sid[:64], to=field("To"), from_=field("From"), body=field("Body"), media=media
    )
    _on_a_live_connection(lambda: receive_sms(sms))
    return _twiml()


def _on_a_live_connection(store: Callable[[], object]) -> None:
    """Store the text on this process's database connection without checking it first: no
    SELECT 1 before every text (CONN_HEALTH_CHECKS, a round trip on each), but a try. One that
    broke since the last request (the database restarted, a proxy closed it) fails at once, and
    the text is stored again on a new connection: its MessageSid makes a second try harmless
    (the first, if it did commit, is found as a duplicate)."""
    connection.health_check_done = True  # type: ignore[attr-defined]  # Django 4.1+, unstubbed
    try:
        store()
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise
        logger.warning("Inbound webhook: the database connection failed; trying a new one")
        connection.close()
        store()


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    if not signature_is_valid(request):
        logger.warning("Status callback with a missing or forged signature refused")
        return HttpResponseForbidden("Invalid signature")
    sid = request.POST.get("MessageSid") or request.POST.get("SmsSid") or ""
    status = request.POST.get("MessageStatus") or request.POST.get("SmsStatus") or ""
    if sid and status:
        apply_status_callback(
            sid=sid[:64], status=status.lower(), error_code=request.POST.get("ErrorCode", "")
        )
    return HttpResponse(status=204)
