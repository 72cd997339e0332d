from django.apps import AppConfig


class CmsSyncConfig(AppConfig):
    name = "cms_sync"
    verbose_name = "CMS filing"

    def ready(self) -> None:
        from cms_sync import handlers
        from cms_sync.actions import filing
        from messaging import events

        events.subscribe(
            events.MessageRecorded,
            handlers.file_recorded_message,
            in_statement=filing.IN_STATEMENT,
        )
        events.subscribe(events.AttachmentStored, handlers.file_stored_attachment)
        events.subscribe(events.NoteWritten, handlers.file_written_note)
