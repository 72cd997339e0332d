"""The Conversations tab, the thread view and the composer, as staff use them."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact, Message, Thread
from messaging.queries import CONVERSATIONS_PAGE
from notifications.queries import unread_thread_count
from projects.actions import create_project
from tests.conftest import receive, thread_url, write

LIST = reverse("messaging:conversation-list")


@pytest.fixture
def signed_in(client: Client, colleague: User) -> Client:
    client.force_login(colleague)
    return client


def rows(html: str) -> list[str]:
    """Contact names in the order the list shows them."""
    return re.findall(r'class="conversation-name">.*?<strong>(.*?)</strong>', html, re.S)


# --- The list ---------------------------------------------------------------------------------


def test_conversations_are_listed_most_recent_activity_first(
    signed_in: Client, firm: Organization, make_contact: Callable[..., Contact]
) -> None:
    older, newer = make_contact(firm, "Older Client"), make_contact(firm, "Newer Client")
    receive(older.thread, "first")
    receive(newer.thread, "second")
    assert rows(signed_in.get(LIST).text)[:2] == ["Newer Client", "Older Client"]
    receive(older.thread, "now I am the latest")
    html = signed_in.get(LIST).text
    assert rows(html)[:2] == ["Older Client", "Newer Client"]
    assert "now I am the latest" in html


def test_a_row_shows_the_project_the_unread_dot_and_the_flag(
    signed_in: Client, firm: Organization, owner: User, contact: Contact
) -> None:
    project = create_project(organization=firm, name="Doe v. Acme")
    actions.add_contact_to_project(contact=contact, project=project)
    receive(contact.thread, "Hello?")
    actions.set_thread_flag(thread=contact.thread, user=owner, flagged=True)
    html = signed_in.get(LIST).text
    row = html[html.index("conversation-row") : html.index("Hello?")]
    assert "Doe v. Acme" in row
    assert "is-unread" in row and "Unread: " in row
    assert "Flagged" in html


def test_the_unread_dot_is_personal(
    client: Client, thread: Thread, owner: User, colleague: User
) -> None:
    receive(thread)
    client.force_login(owner)
    client.get(thread_url(thread))  # the owner opens it
    assert "is-unread" not in client.get(LIST).text
    client.force_login(colleague)
    assert "is-unread" in client.get(LIST).text


@pytest.mark.parametrize(
    ("filter_name", "expected"),
    [
        ("all", {"Plain", "Flagged one", "Unread one"}),
        ("unread", {"Unread one"}),
        ("flagged", {"Flagged one"}),
        ("archived", {"Archived one"}),
        ("spam", {"Spammer"}),
    ],
)
def test_filters(
    signed_in: Client,
    firm: Organization,
    owner: User,
    make_contact: Callable[..., Contact],
    filter_name: str,
    expected: set[str],
) -> None:
    make_contact(firm, "Plain")
    actions.set_thread_flag(
        thread=make_contact(firm, "Flagged one").thread, user=owner, flagged=True
    )
    receive(make_contact(firm, "Unread one").thread)
    archived = make_contact(firm, "Archived one").thread
    actions.set_thread_archived(thread=archived, user=owner, archived=True)
    spam = make_contact(firm, "Spammer").thread
    actions.set_thread_spam(thread=spam, user=owner, spam=True)
    receive(spam, "BUY NOW")  # stored, but it stays in Spam and raises no dot
    assert set(rows(signed_in.get(LIST, {"filter": filter_name}).text)) == expected


@pytest.mark.parametrize(
    "term",
    [
        "Jane",
        "doe",
        "(415) 555-0134",
        "415-555-0134",
        "+1 415 555 0134",
        "4155550134",
        "jane@example",
    ],
)
def test_search_by_contact_name_phone_in_any_format_or_email(
    signed_in: Client, contact: Contact, make_contact: Callable[..., Contact], term: str
) -> None:
    make_contact(
        contact.organization, "Richard Roe", phone="(212) 555-0199", email="roe@example.net"
    )
    assert rows(signed_in.get(LIST, {"q": term}).text) == ["Jane Doe"]


def test_search_as_you_type_returns_only_the_results_fragment(
    signed_in: Client, contact: Contact
) -> None:
    response = signed_in.get(LIST, {"q": "jane"}, headers={"HX-Request": "true"})
    assert "<html" not in response.text
    assert rows(response.text) == ["Jane Doe"]


def test_the_list_pages_through_every_thread_once(
    signed_in: Client, firm: Organization, make_contact: Callable[..., Contact]
) -> None:
    total = CONVERSATIONS_PAGE + 7
    when = timezone.now()
    for index in range(total):
        actions.record_message(
            thread=make_contact(firm, f"Client {index:03d}").thread,
            direction="in",
            body="hi",
            channel="sms",
            status="received",
            created_at=when - datetime.timedelta(minutes=index % 3),  # ties on purpose
        )
    first = signed_in.get(LIST).text
    seen = rows(first)
    assert len(seen) == CONVERSATIONS_PAGE
    cursor = re.search(r'href="/conversations/\?cursor=([^"&]+)"', first)
    assert cursor, "a Load more link"
    second = signed_in.get(LIST, {"cursor": cursor.group(1)}, headers={"HX-Request": "true"}).text
    seen += rows(second)
    assert sorted(seen) == sorted(f"Client {i:03d}" for i in range(total))
    assert "Load more" not in second


def test_a_malformed_cursor_shows_the_first_page(signed_in: Client, contact: Contact) -> None:
    assert rows(signed_in.get(LIST, {"cursor": "not-a-cursor!"}).text) == ["Jane Doe"]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"filter": "unread"},
        {"filter": "flagged"},
        {"filter": "archived"},
        {"filter": "spam"},
        {"q": "415"},
    ],
)
def test_the_list_costs_the_same_queries_for_3_or_60_threads(
    signed_in: Client,
    firm: Organization,
    owner: User,
    make_contact: Callable[..., Contact],
    django_assert_max_num_queries: Any,
    params: dict[str, str],
) -> None:
    def add(count: int, prefix: str) -> None:
        for index in range(count):
            thread = make_contact(firm, f"{prefix}{index}").thread
            receive(thread)
            actions.set_thread_flag(thread=thread, user=owner, flagged=index % 2 == 0)

    add(3, "A")
    signed_in.get(LIST, params)
    # session, user + firm, one page of threads with the badge's numbers (+ a search's hidden
    # matches and the internal notes it finds; + the badge's own query when the page is empty:
    # nothing here is archived or spam)
    most = 5 if "q" in params else 4 if params.get("filter") in {"archived", "spam"} else 3
    with django_assert_max_num_queries(most):
        signed_in.get(LIST, params)
    add(60, "B")
    with django_assert_max_num_queries(most):
        signed_in.get(LIST, params)


# --- New conversation ---------------------------------------------------------------------------


def test_new_conversation_finds_existing_contacts(signed_in: Client, contact: Contact) -> None:
    html = signed_in.get(reverse("messaging:conversation-new"), {"contact_q": "555-0134"}).text
    assert "Jane Doe" in html and thread_url(contact.thread) in html


def test_a_new_phone_number_becomes_a_lead_with_its_own_thread(
    signed_in: Client, firm: Organization
) -> None:
    response = signed_in.post(reverse("messaging:conversation-new"), {"phone": "(650) 555-0177"})
    lead = Contact.objects.get(phone="+16505550177")
    assert lead.kind == Contact.Kind.LEAD and lead.organization == firm
    assert response["Location"] == thread_url(lead.thread)
    # Named by the number as people write it, in the header and the list alike; never E.164.
    html = signed_in.get(response["Location"]).text
    assert re.search(r"<h2>New lead \(650\) 555-0177\s*<span", html)
    assert rows(html) == ["New lead (650) 555-0177"]
    assert "+16505550177" not in html


def test_a_known_number_opens_the_existing_thread(signed_in: Client, contact: Contact) -> None:
    response = signed_in.post(reverse("messaging:conversation-new"), {"phone": "415.555.0134"})
    assert response["Location"] == thread_url(contact.thread)
    assert Contact.objects.count() == 1


def test_a_malformed_number_is_a_form_error_and_creates_nothing(
    signed_in: Client, firm: Organization
) -> None:
    response = signed_in.post(reverse("messaging:conversation-new"), {"phone": "555-01"})
    assert response.status_code == 200
    assert "not a valid phone number" in response.text
    assert not Contact.objects.exists()


def test_an_email_only_lead_can_be_started(signed_in: Client) -> None:
    signed_in.post(reverse("messaging:conversation-new"), {"email": "New.Lead@example.com"})
    lead = Contact.objects.get()
    assert lead.email == "New.Lead@example.com" and not lead.phone


# --- The thread -----------------------------------------------------------------------------------


def test_opening_a_thread_marks_it_read_for_this_user_only(
    client: Client, thread: Thread, owner: User, colleague: User
) -> None:
    receive(thread)
    client.force_login(colleague)
    response = client.get(thread_url(thread))
    assert response.status_code == 200
    assert "unread-changed" in response.headers["HX-Trigger"]  # the badge refreshes
    assert unread_thread_count(colleague) == 0
    assert unread_thread_count(owner) == 1


def test_the_thread_shows_the_latest_fifty_and_loads_earlier_ones(
    signed_in: Client, thread: Thread
) -> None:
    start = timezone.now() - datetime.timedelta(days=1)
    for index in range(60):
        actions.record_message(
            thread=thread,
            direction="in",
            body=f"message number {index:02d}",
            channel="sms",
            status="received",
            created_at=start + datetime.timedelta(minutes=index),
        )
    html = signed_in.get(thread_url(thread)).text
    shown = re.findall(r'class="message-body">message number (\d\d)', html)
    assert shown == [f"{i:02d}" for i in range(10, 60)]  # oldest to newest
    before = re.search(r'earlier/\?before=([^"]+)"', html)
    assert before
    earlier = signed_in.get(thread_url(thread, "thread-earlier"), {"before": before.group(1)}).text
    assert re.findall(r'class="message-body">message number (\d\d)', earlier) == [
        f"{i:02d}" for i in range(10)
    ]
    assert "Load earlier messages" not in earlier


def test_each_message_shows_sender_channel_status_and_files(
    signed_in: Client, thread: Thread, owner: User
) -> None:
    write(
        thread,
        owner,
        "Your documents",
        channel="mms",
        status="delivered",
        files=[actions.NewFile("retainer.pdf", b"%PDF-1.4" + b"0" * 2040, "application/pdf")],
    )
    failed = write(thread, owner, "Are you there?")
    Message.objects.filter(pk=failed.pk).update(
        status="failed", error_reason="The number is a landline and there is no email on file."
    )
    html = signed_in.get(thread_url(thread)).text
    assert "Owner" in html and "MMS" in html and "Delivered" in html
    assert "retainer.pdf" in html and "2.0\xa0KB" in html
    assert "Failed" in html and "landline and there is no email" in html


@pytest.mark.parametrize(
    ("contact_kwargs", "expected"),
    [
        ({"phone": "(415) 555-0100"}, "By SMS to (415) 555-0100"),
        ({"email": "e@example.com"}, "Email only — e@example.com"),
        ({}, "No way to reach them"),
    ],
)
def test_the_header_says_how_messages_will_reach_the_contact(
    signed_in: Client, firm: Organization, contact_kwargs: dict[str, Any], expected: str
) -> None:
    contact = actions.create_contact(organization=firm, name="Route Test", **contact_kwargs)
    assert expected in signed_in.get(thread_url(contact.thread)).text


def test_an_opted_out_contact_is_reached_by_email_and_the_header_says_so(
    signed_in: Client, contact: Contact
) -> None:
    Contact.objects.filter(pk=contact.pk).update(
        sms_opted_out=True, sms_opted_out_at=timezone.now()
    )
    html = signed_in.get(thread_url(contact.thread)).text
    assert "Opted out of SMS — messages go by email to jane@example.com" in html


def test_the_thread_page_costs_a_fixed_number_of_queries(
    signed_in: Client, thread: Thread, owner: User, django_assert_max_num_queries: Any
) -> None:
    for index in range(30):
        actions.record_message(
            thread=thread,
            direction="out" if index % 2 else "in",
            body=f"m{index}",
            channel="mms",
            status="received" if index % 2 == 0 else "sent",
            sender=owner if index % 2 else None,
            files=[actions.NewFile("a.png", b"\x89PNG", "image/png", "mms")]
            if index % 5 == 0
            else [],
        )
    # session, user + firm, thread, clear unread, the list beside it with the badge's numbers,
    # messages, their files, projects (no filing receipts: none was filed)
    with django_assert_max_num_queries(8):
        signed_in.get(thread_url(thread))
    # Opened again, read already: nothing to clear.
    with django_assert_max_num_queries(7):
        html = signed_in.get(thread_url(thread)).text
    assert html.count('class="attachments"') == 6  # every file still shown
    assert "m29" in html


def test_a_read_thread_of_texts_opens_in_six_queries_and_an_unread_one_is_cleared(
    client: Client,
    thread: Thread,
    owner: User,
    colleague: User,
    django_assert_max_num_queries: Any,
) -> None:
    """Issue 13's target for the thread page: at most 6 queries (session, user + firm, thread,
    the list with the badge's numbers, messages, projects)."""
    from messaging.models import UnreadThread

    for index in range(20):
        receive(thread, f"text {index}")
    client.force_login(colleague)
    assert UnreadThread.objects.filter(user=colleague, thread=thread).exists()
    with django_assert_max_num_queries(7):  # + clearing the unread dot
        client.get(thread_url(thread))
    assert not UnreadThread.objects.filter(user=colleague, thread=thread).exists()
    assert UnreadThread.objects.filter(user=owner, thread=thread).exists()  # theirs is theirs
    with django_assert_max_num_queries(6):
        html = client.get(thread_url(thread)).text
    assert "text 19" in html and 'class="attachments"' not in html


# --- Project selector, flag, archive, spam --------------------------------------------------------


def test_changing_the_project_files_new_messages_there_and_keeps_earlier_ones(
    signed_in: Client, firm: Organization, contact: Contact
) -> None:
    first = create_project(organization=firm, name="Brooks Divorce")
    second = create_project(organization=firm, name="Brooks Custody")
    actions.add_contact_to_project(contact=contact, project=first)
    actions.add_contact_to_project(contact=contact, project=second)
    thread = Thread.objects.get(contact=contact)
    earlier = receive(thread, "before the switch")
    response = signed_in.post(
        thread_url(contact.thread, "thread-project"),
        {"project": second.pk},
        headers={"HX-Request": "true"},
    )
    assert "New messages are filed to: <strong>Brooks Custody</strong>" in response.text
    thread.refresh_from_db()
    later = receive(thread, "after the switch")
    earlier.refresh_from_db()
    assert earlier.project == first and later.project == second


def test_a_project_that_is_not_the_contacts_is_refused(
    signed_in: Client, firm: Organization, contact: Contact
) -> None:
    unrelated = create_project(organization=firm, name="Someone else's case")
    response = signed_in.post(
        thread_url(contact.thread, "thread-project"), {"project": unrelated.pk}
    )
    assert response.status_code == 422
    contact.thread.refresh_from_db()
    assert contact.thread.current_project is None


def test_flag_archive_and_spam_are_visible_to_the_whole_team(
    client: Client, thread: Thread, owner: User, colleague: User
) -> None:
    client.force_login(owner)
    hx = {"HX-Request": "true"}
    assert "Unflag" in client.post(thread_url(thread, "thread-flag"), {"on": "1"}, headers=hx).text
    client.force_login(colleague)
    html = client.get(thread_url(thread)).text
    assert "Flagged by Owner" in html
    client.post(thread_url(thread, "thread-archive"), {"on": "1"})
    assert "Jane Doe" not in rows(client.get(LIST).text)
    assert "Jane Doe" in rows(client.get(LIST, {"filter": "archived"}).text)
    client.post(thread_url(thread, "thread-spam"), {"on": "1"})
    assert rows(client.get(LIST, {"filter": "spam"}).text) == ["Jane Doe"]
    client.post(thread_url(thread, "thread-spam"), {"on": "0"})
    thread.refresh_from_db()
    assert not thread.is_spam and thread.is_flagged


# --- Live updates ---------------------------------------------------------------------------------


def test_the_live_update_answers_204_when_nothing_changed(
    signed_in: Client, thread: Thread
) -> None:
    receive(thread)
    since = timezone.now().isoformat()
    response = signed_in.get(thread_url(thread, "thread-updates"), {"since": since})
    assert response.status_code == 204


def test_new_client_messages_and_status_changes_arrive_without_a_reload(
    signed_in: Client, thread: Thread, owner: User
) -> None:
    sent = write(thread, owner, "On its way")
    since = timezone.now()
    receive(thread, "Got your text, thanks")
    Message.objects.filter(pk=sent.pk).update(status="delivered", status_changed_at=timezone.now())
    response = signed_in.get(thread_url(thread, "thread-updates"), {"since": since.isoformat()})
    assert response.status_code == 200
    assert 'hx-swap-oob="beforeend:#message-list"' in response.text
    assert "Got your text, thanks" in response.text
    assert f'id="message-{sent.pk}" hx-swap-oob="true"' in response.text
    assert "Delivered" in response.text
    assert 'id="thread-cursor"' in response.text  # the next check starts from here
    assert unread_thread_count(User.objects.get(username="colleague")) == 0


# --- Sending --------------------------------------------------------------------------------------


def test_sending_stores_a_queued_message_and_delivers_it_by_sms(
    signed_in: Client,
    thread: Thread,
    memory_sms: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            thread_url(thread, "thread-send"),
            {"body": "See you at 3 pm.", "since": timezone.now().isoformat()},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    assert "See you at 3 pm." in response.text  # shown at once
    message = thread.messages.get()
    assert message.sender and message.sender.username == "colleague"
    assert [sms.to for sms in memory_sms] == ["+14155550134"]
    assert memory_sms[0].from_ == thread.organization.sms_number
    assert message.channel == Message.Channel.SMS and message.provider_sid.startswith("SM")


def test_a_1601_character_message_is_refused_and_nothing_is_stored(
    signed_in: Client, thread: Thread
) -> None:
    response = signed_in.post(
        thread_url(thread, "thread-send"), {"body": "x" * 1601}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert "1,601 characters long; the limit is 1,600" in response.text
    assert not Message.objects.exists()


def test_an_empty_message_is_refused(signed_in: Client, thread: Thread) -> None:
    response = signed_in.post(
        thread_url(thread, "thread-send"), {"body": "   "}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert "Write a message or attach a file" in response.text


def test_sending_to_an_archived_thread_brings_it_back(
    signed_in: Client, thread: Thread, owner: User
) -> None:
    actions.set_thread_archived(thread=thread, user=owner, archived=True)
    signed_in.post(thread_url(thread, "thread-send"), {"body": "Following up"})
    thread.refresh_from_db()
    assert not thread.is_archived


def test_sending_from_an_archived_thread_updates_its_header_in_the_same_response(
    signed_in: Client, thread: Thread, owner: User
) -> None:
    actions.set_thread_archived(thread=thread, user=owner, archived=True)
    page = signed_in.get(thread_url(thread)).text
    assert '<span class="badge">Archived</span>' in page
    response = signed_in.post(
        thread_url(thread, "thread-send"), {"body": "Following up"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    [header] = re.findall(r'<header id="thread-header"[^>]*>.*?</header>', response.text, re.S)
    assert 'hx-swap-oob="true"' in header
    assert "Archived" not in header
    assert re.search(r"</svg>\s*Archive</button>", header)  # Archive again, not Unarchive
    assert "Following up" in response.text


def test_sending_from_a_thread_that_was_not_archived_leaves_its_header_alone(
    signed_in: Client, thread: Thread
) -> None:
    response = signed_in.post(
        thread_url(thread, "thread-send"), {"body": "Hello"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="thread-header"' not in response.text


def test_files_are_uploaded_with_the_message(
    signed_in: Client,
    thread: Thread,
    memory_sms: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("photo.png", b"\x89PNG" + b"1" * 100, content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(thread_url(thread, "thread-send"), {"body": "", "attachments": [upload]})
    message = thread.messages.get()
    assert [a.filename for a in message.attachments.all()] == ["photo.png"]
    assert message.channel == Message.Channel.MMS
    assert len(memory_sms[0].media_urls) == 1


def test_a_contact_without_a_textable_phone_gets_an_email_with_their_portal_link(
    signed_in: Client, firm: Organization, django_capture_on_commit_callbacks: Any
) -> None:
    contact = actions.create_contact(organization=firm, name="Erik Larsen", email="erik@example.no")
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(
            thread_url(contact.thread, "thread-send"), {"body": "Your papers are ready."}
        )
    message = contact.thread.messages.get()
    assert message.channel == Message.Channel.EMAIL and message.status == Message.Status.SENT
    [email] = mail.outbox
    assert email.to == ["erik@example.no"]
    assert firm.name in email.from_email
    assert "Your papers are ready." in email.body
    assert re.search(r"http://127\.0\.0\.1:8000/p/[\w:.-]+/", str(email.body))


def test_a_contact_with_no_way_to_reach_them_gets_a_failed_message_with_the_reason(
    signed_in: Client, firm: Organization, django_capture_on_commit_callbacks: Any
) -> None:
    contact = actions.create_contact(organization=firm, name="George Whitfield")
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(thread_url(contact.thread, "thread-send"), {"body": "Hello?"})
    message = contact.thread.messages.get()
    assert message.status == Message.Status.FAILED
    assert "has no phone number, and George Whitfield has no email address" in message.error_reason


def test_a_retried_delivery_never_sends_twice(
    thread: Thread, owner: User, memory_sms: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    from messaging.delivery import deliver_message

    with django_capture_on_commit_callbacks(execute=True):
        message = actions.send_message(thread=thread, sender=owner, body="Once")
    deliver_message(message_id=message.pk)
    assert len(memory_sms) == 1


# --- Portal link and files ------------------------------------------------------------------------


def test_insert_link_gives_a_full_signed_url_that_opens_the_clients_page(
    signed_in: Client, client: Client, contact: Contact
) -> None:
    url = signed_in.get(thread_url(contact.thread, "thread-portal-link")).json()["url"]
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/p/[\w:.-]+/", url)
    path = url.removeprefix("http://127.0.0.1:8000")
    signed_in.logout()
    page = signed_in.get(path, follow=True)
    assert page.redirect_chain == [("/portal/", 302)]
    assert "Conversation with Jane Doe" in page.text
    tampered = Client().get(path[:-3] + "xx/")
    assert tampered.status_code == 403 and "This link no longer works" in tampered.text
    assert "Jane" not in tampered.text


def test_staff_download_files_and_twilio_fetches_them_from_a_signed_link(
    signed_in: Client, thread: Thread
) -> None:
    from messaging.links import media_url

    message = actions.record_message(
        thread=thread,
        direction="out",
        body="",
        channel="mms",
        status="sent",
        sender=User.objects.get(username="colleague"),
        files=[actions.NewFile("scan.pdf", b"%PDF-1.4 scan", "application/pdf")],
    )
    attachment = message.attachments.get()
    download = signed_in.get(reverse("messaging:attachment-download", args=[attachment.pk]))
    assert download.getvalue() == b"%PDF-1.4 scan"
    assert "attachment" in download["Content-Disposition"]
    signed_in.logout()
    assert (
        signed_in.get(reverse("messaging:attachment-download", args=[attachment.pk])).status_code
        == 302
    )
    public = signed_in.get(media_url(attachment).removeprefix("http://127.0.0.1:8000"))
    assert public.status_code == 200
    assert signed_in.get("/media/forged-token/").status_code == 404


def test_files_are_never_kept_in_a_cache_except_the_short_lived_copy_twilio_fetches(
    signed_in: Client, thread: Thread
) -> None:
    from messaging.links import download_url, media_url

    message = actions.record_message(
        thread=thread, direction="in", body="", channel="mms", status="received",
        files=[actions.NewFile("id.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png", "mms")],
    )  # fmt: skip
    attachment = message.attachments.get()
    staff_url = reverse("messaging:attachment-download", args=[attachment.pk])
    for response in (
        signed_in.get(staff_url),
        signed_in.get(staff_url + "?inline=1"),
        Client().get(download_url(attachment).removeprefix("http://127.0.0.1:8000")),
    ):
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    twilio = Client().get(media_url(attachment).removeprefix("http://127.0.0.1:8000"))
    assert twilio["Cache-Control"] == "private, max-age=3600"


def test_a_newline_counts_as_one_character_like_the_counter_shows(
    signed_in: Client, thread: Thread
) -> None:
    body = ("line\r\n" * 320).strip()  # 1,599 characters with LF, 1,918 with CRLF
    response = signed_in.post(
        thread_url(thread, "thread-send"), {"body": body}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert thread.messages.get().body == body.replace("\r\n", "\n")


# --- Filing to the case -------------------------------------------------------------------------


def _linked_thread(firm: Organization, contact: Contact) -> Thread:
    project = create_project(organization=firm, name="Doe v. Acme", cms_case_id="1002")
    actions.add_contact_to_project(contact=contact, project=project)
    return Thread.objects.get(contact=contact)


def _integration(firm: Organization, kind: str, status: str) -> None:
    from cms_sync.models import Integration

    Integration.objects.create(organization=firm, kind=kind, status=status)


BANNER = re.compile(r'<div class="alert alert-warning filing-banner".*?</div>\s*</div>', re.S)


def test_an_integration_that_is_off_is_said_once_per_thread_with_the_fix_for_admins(
    client: Client, firm: Organization, owner: User, colleague: User, contact: Contact
) -> None:
    thread = _linked_thread(firm, contact)
    _integration(firm, "clio", "inactive")
    for body in ("One", "Two", "Three"):
        receive(thread, body)

    client.force_login(owner)
    html = client.get(thread_url(thread)).text
    [banner] = BANNER.findall(html)
    assert "Messages in this thread are not being filed to Clio: the integration is off." in banner
    assert f'href="{reverse("cms_sync:integration")}"' in banner
    assert "Settings → Integration" in banner
    assert "Not filed" not in html  # no line under each message
    assert html.count("not being filed") == 1

    client.force_login(colleague)
    html = client.get(thread_url(thread)).text
    [banner] = BANNER.findall(html)
    assert "A firm admin can turn it on in Settings → Integration." in banner
    assert reverse("cms_sync:integration") not in banner


def test_the_banner_says_when_clio_needs_reconnecting_or_nothing_is_connected(
    client: Client, firm: Organization, owner: User, contact: Contact
) -> None:
    thread = _linked_thread(firm, contact)
    receive(thread, "Hello")
    client.force_login(owner)
    [banner] = BANNER.findall(client.get(thread_url(thread)).text)
    assert "not being filed to your CMS: no CMS integration is connected." in banner
    _integration(firm, "clio", "token_expired")
    [banner] = BANNER.findall(client.get(thread_url(thread)).text)
    assert "not being filed to Clio: Hona\u2019s access to Clio has expired." in banner
    assert "Reconnect it in Settings → Integration" in banner


def test_no_filing_banner_when_filing_works_or_the_thread_has_no_linked_case(
    client: Client, firm: Organization, owner: User, contact: Contact, thread: Thread
) -> None:
    receive(thread, "Hello")
    client.force_login(owner)
    assert "filing-banner" not in client.get(thread_url(thread)).text  # no project to file to
    thread = _linked_thread(firm, contact)
    _integration(firm, "webhook", "active")
    assert "filing-banner" not in client.get(thread_url(thread)).text
