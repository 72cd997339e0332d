"""Leads that are only a phone number were named by it: "+16505550199" (started by staff) or
"(650) 555-0199" (a text from an unknown number). Both are now "New lead (650) 555-0199"."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from hona.phones import format_phone


def name_new_leads(apps: Any, schema_editor: Any) -> None:
    Contact = apps.get_model("messaging", "Contact")
    leads = Contact.objects.filter(kind="lead").exclude(phone="").only("pk", "name", "phone")
    for lead in leads.iterator():
        shown = format_phone(lead.phone)
        if lead.name.strip() in {lead.phone, shown}:
            lead.name = f"New lead {shown}"
            lead.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [("messaging", "0009_senders_and_notices")]

    operations = [migrations.RunPython(name_new_leads, migrations.RunPython.noop)]
