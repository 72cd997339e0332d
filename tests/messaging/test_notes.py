"""Internal notes (issue 14, point 5): staff's own words inside a client's thread, never sent to
the client, filed to the CMS as a note when the firm says so, and @mentions that tell a colleague
by their own settings."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact, Message, Thread, UnreadThread
from messaging.portal import portal_url
from notifications.models import Notification, NotificationSettings
from tests.conftest import receive, thread_url


def path_of(url: str) -> str:
    return url.removeprefix("http://127.0.0.1:8000")


@pytest.fixture
def signed_in(client: Client, owner: User) -> Client:
    client.force_login(owner)
    return client


@pytest.fixture
def dana(firm: Organization, make_user: Any) -> User:
    return make_user(firm, "dana", first_name="Dana", last_name="Reyes", email="dana@firm.example")


def add_note(client: Client, thread: Thread, body: str, **extra: Any) -> Any:
    return client.post(
        thread_url(thread, "thread-send"),
        {"body": body, "mode": "note", **extra},
        headers={"HX-Request": "true"},
    )


def test_a_note_is_stored_in_the_thread_and_never_sent_to_the_client(
    signed_in: Client,
    thread: Thread,
    owner: User,
    memory_sms: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = add_note(signed_in, thread, "Client sounded worried about the deposition.")
    assert response.status_code == 200
    note = Message.objects.get()
    assert note.is_note and note.sender == owner and note.status == "internal"
    assert note.channel == "" and note.provider_sid == ""
    assert memory_sms == [] and mail.outbox == []  # no SMS, no email fallback, nothing
    html = signed_in.get(thread_url(thread)).text
    assert "Client sounded worried about the deposition." in html
    assert "Internal note · only your team sees this" in html
    assert "Not sent to the client" in html


def test_a_note_leaves_the_threads_preview_order_and_unread_dots_alone(
    signed_in: Client, thread: Thread, colleague: User, contact: Contact, make_contact: Any
) -> None:
    receive(thread, "Can we talk tomorrow?")
    newer = receive(make_contact(contact.organization, "Newer Client").thread, "Hi")
    UnreadThread.objects.filter(user=colleague).delete()
    thread.refresh_from_db()
    before = (thread.last_message_at, thread.last_message_preview)
    add_note(signed_in, thread, "Call her back after 3.")
    thread.refresh_from_db()
    assert (thread.last_message_at, thread.last_message_preview) == before
    assert not UnreadThread.objects.filter(user=colleague).exists()  # no dot for a note
    assert thread.last_message_at < newer.created_at  # still below the newer thread


def test_the_portal_never_shows_a_note_nor_wakes_for_one(
    client: Client, thread: Thread, contact: Contact, owner: User
) -> None:
    receive(thread, "When is my hearing?")
    actions.write_note(thread=thread, author=owner, body="Hearing moved; tell her gently.")
    client.get(path_of(portal_url(contact)))
    page = client.get("/portal/").text
    assert "When is my hearing?" in page
    assert "Hearing moved" not in page and "Internal note" not in page
    since = timezone.now().replace(year=2000).isoformat()
    updates = client.get("/portal/updates/", {"since": since})
    assert "Hearing moved" not in updates.text
    later = timezone.now().isoformat()
    actions.write_note(thread=thread, author=owner, body="Second note.")
    assert client.get("/portal/updates/", {"since": later}).status_code == 204


def test_notes_do_not_count_against_the_hourly_messages_quota(thread: Thread, owner: User) -> None:
    from messaging.actions.quota import check_staff_quota

    firm = thread.organization
    firm.messages_per_hour = 2
    firm.save(update_fields=["messages_per_hour"])
    for index in range(5):
        actions.write_note(thread=thread, author=owner, body=f"note {index}")
    check_staff_quota(user=User.objects.get(pk=owner.pk))  # raises when the quota is met


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("   ", "An internal note needs some text."),
        ("x" * 1601, "This note is 1,601 characters long; the limit is 1,600."),
    ],
)
def test_a_bad_note_is_a_clear_error_and_stores_nothing(
    signed_in: Client, thread: Thread, body: str, error: str
) -> None:
    response = add_note(signed_in, thread, body)
    assert error in response.text
    assert not Message.objects.exists()


def test_a_note_with_a_file_is_refused_and_nothing_is_stored(
    signed_in: Client, thread: Thread
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("brief.pdf", b"%PDF-1.4 brief", content_type="application/pdf")
    response = add_note(signed_in, thread, "See the brief", attachments=[upload])
    assert "An internal note cannot carry files" in response.text
    assert not Message.objects.exists()


def test_another_firms_thread_is_a_404_for_a_note(
    client: Client, thread: Thread, outsider: User
) -> None:
    client.force_login(outsider)
    assert add_note(client, thread, "I should not be here").status_code == 404
    assert not Message.objects.exists()


def test_the_database_keeps_a_note_from_ever_being_sent(thread: Thread, owner: User) -> None:
    note = actions.write_note(thread=thread, author=owner, body="Internal only")
    for change in (
        {"status": "sent"},
        {"channel": "sms"},
        {"provider_sid": "SM123"},
        {"sender": None},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Message.objects.filter(pk=note.pk).update(**change)
    with pytest.raises(IntegrityError), transaction.atomic():  # only a note is "internal"
        Message.objects.filter(pk=receive(thread).pk).update(status="internal")


def test_mentions_tell_each_colleague_once_by_their_settings_with_a_link_to_the_note(
    signed_in: Client,
    thread: Thread,
    owner: User,
    colleague: User,
    dana: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    NotificationSettings.objects.update_or_create(
        user=colleague, defaults={"in_app": False, "email_immediately": False}
    )
    with django_capture_on_commit_callbacks(execute=True):
        add_note(signed_in, thread, "@dana and @Dana, please call. cc @colleague @owner @nobody")
    note = Message.objects.get()
    [notice] = Notification.objects.all()  # colleague wants neither; owner wrote it
    assert notice.user == dana and notice.kind == "mentioned" and notice.read_at is None
    assert notice.title == f"{owner.name} mentioned you in a note on Jane Doe"
    link = f"/conversations/{thread.pk}/?message={note.pk}#message-{note.pk}"
    assert notice.get_absolute_url() == link
    [email] = mail.outbox
    assert email.to == ["dana@firm.example"] and link in email.body
    html = signed_in.get(thread_url(thread)).text
    assert '<span class="mention">@dana</span>' in html


def test_a_colleague_who_wants_email_only_is_not_counted_in_the_badge(
    thread: Thread, owner: User, dana: User, django_capture_on_commit_callbacks: Any
) -> None:
    NotificationSettings.objects.update_or_create(user=dana, defaults={"in_app": False})
    with django_capture_on_commit_callbacks(execute=True):
        actions.write_note(thread=thread, author=owner, body="@Dana the judge called")
    notice = Notification.objects.get(user=dana)
    assert notice.read_at is not None  # kept, never a badge count
    assert len(mail.outbox) == 1


def test_a_mention_of_another_firms_user_does_nothing(
    thread: Thread, owner: User, outsider: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.write_note(thread=thread, author=owner, body="@outsider look at this")
    assert not Notification.objects.exists() and mail.outbox == []


def test_an_email_address_is_not_a_mention(thread: Thread, owner: User, dana: User) -> None:
    actions.write_note(thread=thread, author=owner, body="Her lawyer is sam@dana.example")
    assert not Notification.objects.exists()


def test_the_note_bubble_escapes_its_text_and_its_mentions(
    signed_in: Client, thread: Thread, owner: User, make_user: Any
) -> None:
    make_user(thread.organization, "x.y")
    actions.write_note(
        thread=thread, author=owner, body="<script>alert(1)</script> @x.y<b>bold</b>"
    )
    html = signed_in.get(thread_url(thread)).text
    assert "<script>alert(1)</script>" not in html and "<b>bold</b>" not in html
    assert '&lt;script&gt;alert(1)&lt;/script&gt; <span class="mention">@x.y</span>' in html


def test_the_composers_mention_list_names_colleagues_but_not_me(
    signed_in: Client, thread: Thread, colleague: User, dana: User, outsider: User
) -> None:
    html = signed_in.get(thread_url(thread, "thread-colleagues")).text
    handles = re.findall(r'data-mention="([^"]+)"', html)
    assert handles == ["Colleague", "Dana"]  # by name, the shortest handle that works


def test_a_thread_with_notes_still_opens_in_six_queries(
    client: Client,
    thread: Thread,
    owner: User,
    colleague: User,
    django_assert_max_num_queries: Any,
) -> None:
    for index in range(10):
        receive(thread, f"text {index}")
        actions.write_note(thread=thread, author=owner, body=f"note {index} @colleague")
    client.force_login(colleague)
    client.get(thread_url(thread))
    with django_assert_max_num_queries(6):
        html = client.get(thread_url(thread)).text
    assert html.count("message-int") == 10


def test_search_finds_notes_and_links_to_each(
    signed_in: Client, thread: Thread, owner: User, outsider: User, make_contact: Any
) -> None:
    note = actions.write_note(thread=thread, author=owner, body="Settlement offer is 40k")
    theirs = make_contact(outsider.organization, "Their Client").thread
    actions.write_note(thread=theirs, author=outsider, body="Settlement offer elsewhere")
    html = signed_in.get(reverse("messaging:conversation-list"), {"q": "settlement"}).text
    assert "Internal notes with “settlement”" in html
    assert f'href="/conversations/{thread.pk}/?message={note.pk}#message-{note.pk}"' in html
    assert "Settlement offer is 40k" in html and "elsewhere" not in html  # only the firm's own
    assert (
        "Internal notes with"
        not in signed_in.get(reverse("messaging:conversation-list"), {"q": "zzz"}).text
    )


def test_write_note_refuses_an_author_from_another_firm(thread: Thread, outsider: User) -> None:
    with pytest.raises(ValidationError, match="another firm"):
        actions.write_note(thread=thread, author=outsider, body="hi")
    assert not Message.objects.exists()


def test_a_link_to_a_note_far_back_opens_the_thread_from_that_note_to_the_latest(
    signed_in: Client, firm: Organization, thread: Thread, owner: User, make_contact: Any
) -> None:
    other_thread = make_contact(firm, "Sam Other").thread
    note = actions.write_note(thread=thread, author=owner, body="@dana the old settlement note")
    for n in range(60):
        receive(thread, f"Later message {n}")
    latest = signed_in.get(thread_url(thread)).text
    assert "the old settlement note" not in latest  # beyond the latest fifty
    linked = signed_in.get(thread_url(thread), {"message": note.pk}).text
    assert f'id="message-{note.pk}"' in linked
    assert "Later message 0" in linked and "Later message 59" in linked
    assert "Load earlier" not in linked  # the note was the thread's first message
    # Another thread's message, or nonsense, leaves the latest page as it is.
    elsewhere = receive(other_thread, "Not this thread's")
    for value in (str(elsewhere.pk), "abc"):
        page = signed_in.get(thread_url(thread), {"message": value}).text
        assert "the old settlement note" not in page and "Later message 59" in page
