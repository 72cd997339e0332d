"""Emails to staff."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from hona.text import one_line
from notifications.models import Notification


def send_notification_email(*, notification_id: int) -> None:
    notification = (
        Notification.objects.select_related("user", "thread__contact")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or not notification.user.email:
        return
    link = ""
    if notification.thread_id:
        link = settings.PUBLIC_BASE_URL + reverse(
            "messaging:thread-detail", args=[notification.thread_id]
        )
    body = render_to_string(
        "notifications/email/notification.txt", {"notification": notification, "link": link}
    )
    send_mail(one_line(notification.title), body, None, [notification.user.email])
