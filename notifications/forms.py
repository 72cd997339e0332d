from __future__ import annotations

from django import forms

from notifications.models import NotificationSettings


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = [
            "scope",
            "in_app",
            "email_immediately",
            "daily_digest",
            "daily_digest_time",
            "weekly_digest",
            "failure_emails",
        ]
        widgets = {
            "scope": forms.RadioSelect,
            "daily_digest_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        labels = {
            "scope": "Which conversations notify me",
            "in_app": "In Hona: the unread badge and its list",
            "email_immediately": "An email right away when a client writes",
            "daily_digest": "A daily digest of my unread conversations",
            "daily_digest_time": "Digest time (your firm's time zone)",
            "weekly_digest": "A weekly digest, on Mondays at the same time",
            "failure_emails": "Email me when a message I sent cannot be delivered",
        }
        help_texts = {
            "failure_emails": "Delivery failures always appear under the messaging icon.",
        }
