from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from messaging import events
        from notifications import alerts, handlers

        events.subscribe(
            events.MessageRecorded,
            handlers.alert_staff_to_client_message,
            in_statement=alerts.IN_STATEMENT,
        )
        events.subscribe(events.MessageFailed, handlers.tell_sender_their_message_failed)
        events.subscribe(events.NoteWritten, handlers.tell_mentioned_colleagues)
        events.subscribe(
            events.ScheduledMessageFailed, handlers.tell_author_their_scheduled_message_failed
        )
        events.subscribe(events.ExportFinished, handlers.tell_who_asked_their_export_is_done)
