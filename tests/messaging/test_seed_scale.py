"""`seed_scale` builds a large firm quickly (tested here at a small size)."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client

from hona.models import Organization
from messaging.models import Message, Thread, UnreadThread


def test_seed_scale_creates_the_firm_its_staff_and_history(client: Client, db: None) -> None:
    call_command("seed_scale", threads=40, messages=400, stdout=io.StringIO())
    firm = Organization.objects.get(name="Scale Law")
    assert Thread.objects.for_organization(firm).count() == 40
    assert Message.objects.for_organization(firm).count() == 400
    assert 0 < Message.objects.for_organization(firm).notes().count() < 20  # a few notes
    assert UnreadThread.objects.filter(user__username="scale").exists()
    assert client.login(request=HttpRequest(), username="scale", password="hona-demo")
    assert client.get("/conversations/").status_code == 200
    thread = Thread.objects.for_organization(firm).order_by("-last_message_at").first()
    assert thread is not None
    latest = thread.messages.order_by("-created_at").first()
    assert latest is not None and latest.created_at == thread.last_message_at

    out = io.StringIO()
    call_command("seed_scale", threads=40, messages=400, stdout=out)
    assert "already there" in out.getvalue()
    assert Message.objects.for_organization(firm).count() == 400
    assert 0 < Message.objects.for_organization(firm).notes().count() < 20  # a few notes
