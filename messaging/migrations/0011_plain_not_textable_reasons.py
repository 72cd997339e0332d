"""A contact's "cannot receive texts" reason was stored with Twilio's code in its words
("Twilio reported that the phone number is a landline (error 21635)."). The code now stays on
the message it came with; the stored words lose it."""

from __future__ import annotations

import re
from typing import Any

from django.db import migrations

WITH_CODE = re.compile(r"^(?P<who>Twilio|The carrier) reported (?:that )?(?P<what>.*?)\s*\(error \d+\)\.?$")


def plain_reason(reason: str) -> str:
    match = WITH_CODE.match(reason.strip())
    if match is None:
        return reason
    what = match.group("what").rstrip(".")
    if what.startswith("this number is"):
        what = "the phone number is" + what.removeprefix("this number is")
    if match.group("who") == "The carrier":
        return f"The carrier reported that {what}."
    return what[:1].upper() + what[1:] + "."


def strip_codes(apps: Any, schema_editor: Any) -> None:
    Contact = apps.get_model("messaging", "Contact")
    for contact in Contact.objects.filter(phone_not_textable_reason__contains="(error ").only(
        "pk", "phone_not_textable_reason"
    ):
        plain = plain_reason(contact.phone_not_textable_reason)
        if plain != contact.phone_not_textable_reason:
            contact.phone_not_textable_reason = plain
            contact.save(update_fields=["phone_not_textable_reason"])


class Migration(migrations.Migration):
    dependencies = [("messaging", "0010_name_new_leads_by_their_number")]

    operations = [migrations.RunPython(strip_codes, migrations.RunPython.noop)]
