"""Contacts the firm texted before consent was tracked keep being texted: their first text is
read from the messages (one UPDATE), so the firm's consent rule sees them as known."""

from django.db import migrations
from django.db.models import Min, OuterRef, Subquery


def first_texts(apps, schema_editor):
    Contact = apps.get_model("messaging", "Contact")
    Message = apps.get_model("messaging", "Message")
    first = (
        Message.objects.filter(
            thread__contact=OuterRef("pk"), direction="out", channel__in=["sms", "mms"]
        )
        .exclude(provider_sid="")
        .values("thread__contact")
        .annotate(first=Min("created_at"))
        .values("first")
    )
    Contact.objects.filter(first_texted_at__isnull=True).update(first_texted_at=Subquery(first))


class Migration(migrations.Migration):
    dependencies = [("messaging", "0014_consent")]

    operations = [migrations.RunPython(first_texts, migrations.RunPython.noop)]
