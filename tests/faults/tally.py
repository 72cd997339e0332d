"""Counting what happened from the outside services' own records, message by message.

A message is *lost* when nobody outside ever got it and it did not fail with a code either (or,
inbound, when the webhook was answered but nothing was stored); it is *doubled* for every copy a
service got beyond the first. Filings are counted the same way from the fake Clio's records: a
communication carries its outbox key ("[Hona message:<id>:<case>]"), a document its file name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cms_sync.models import OutboxEntry
from messaging.models import Attachment, Message
from tests.fakes.clio import FakeClio
from tests.fakes.smtp import MailSink
from tests.fakes.twilio import FakeTwilio


@dataclass
class Tally:
    received: int = 0
    sent: int = 0
    filed: int = 0
    lost: int = 0
    doubled: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "received": self.received,
            "sent": self.sent,
            "filed": self.filed,
            "lost": self.lost,
            "doubled": self.doubled,
        }

    def count_inbound(self, sids: Sequence[str]) -> None:
        """Each text Twilio posted (and was answered 200) is stored exactly once."""
        stored = list(Message.objects.filter(provider_sid__in=sids).values_list("provider_sid"))
        self.received += len({sid for (sid,) in stored})
        self.lost += len(set(sids) - {sid for (sid,) in stored})
        self.doubled += len(stored) - len({sid for (sid,) in stored})

    def count_portal(self, bodies: Sequence[str]) -> None:
        for body in bodies:
            stored = Message.objects.filter(body=body, channel=Message.Channel.PORTAL).count()
            self.received += min(stored, 1)
            self.lost += stored == 0
            self.doubled += max(stored - 1, 0)

    def count_outbound(
        self, messages: Iterable[Message], twilio: FakeTwilio, mail: MailSink
    ) -> None:
        """Each staff message reached the client once (a text or an email), or failed with a
        code the sender was shown."""
        emails = mail.texts()
        for message in messages:
            copies = sum(t["body"] == message.body for t in twilio.messages)
            copies += sum(message.body in text for text in emails)
            self.sent += min(copies, 1)
            failed_with_code = message.status == Message.Status.FAILED and message.failure_code
            self.lost += copies == 0 and not failed_with_code
            self.doubled += max(copies - 1, 0)

    def count_filings(self, messages: Iterable[Message], clio: FakeClio) -> None:
        """Each message (and each of its files) on a Clio matter is in Clio exactly once."""
        for message in messages:
            entries = OutboxEntry.objects.filter(message=message)
            if not entries.exists():
                continue
            for entry in entries:
                if entry.kind == OutboxEntry.Kind.MESSAGE:
                    reference = f"[Hona {entry.key}]"
                    copies = sum(reference in c.get("body", "") for c in clio.communications)
                else:
                    attachment = Attachment.objects.get(filings=entry)
                    copies = sum(
                        bool(d.get("name") == attachment.filename and d.get("fully_uploaded"))
                        for d in clio.documents.values()
                    )
                self.filed += min(copies, 1)
                self.lost += copies == 0
                self.doubled += max(copies - 1, 0)
