"""Demo data: two firms with staff, clients, leads, projects, templates and months of messages.

Idempotent: every row is looked up by its natural key first, and a thread's history is written
only while the thread has none, so a second run changes nothing.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from hona.actions import create_organization, create_staff_user
from hona.models import Organization, User
from messaging import actions
from messaging.management.demo_data import (
    DEMO_PASSWORD,
    INBOUND_LINES,
    OUTBOUND_LINES,
    PLANS,
    FirmPlan,
    tiny_pdf,
    tiny_png,
)
from messaging.models import Contact, Message, MessageTemplate, Thread
from projects.actions import create_project
from projects.models import Project


class Command(BaseCommand):
    help = "Create the demo firms, staff, contacts, projects, templates and message history."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        for plan in PLANS:
            with transaction.atomic():
                created = self.seed_firm(plan, now)
            verb = "Created" if created else "Already there:"
            self.stdout.write(f"{verb} {plan.name} ({plan.sms_number})")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD})"))
        for plan in PLANS:
            for username, display_name, role, _ in plan.users:
                label = "firm admin" if role == User.Role.FIRM_ADMIN else "staff"
                self.stdout.write(f"  {username:<6} {display_name} — {label} at {plan.name}")

    def seed_firm(self, plan: FirmPlan, now: datetime.datetime) -> bool:
        rng = random.Random(plan.seed)  # the same history on every machine
        organization = Organization.objects.filter(sms_number=plan.sms_number).first()
        created = organization is None
        if organization is None:
            organization = create_organization(
                name=plan.name, sms_number=plan.sms_number, timezone=plan.timezone
            )

        users = []
        for username, display_name, role, email in plan.users:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = create_staff_user(
                    organization=organization,
                    username=username,
                    password=DEMO_PASSWORD,
                    role=role,
                    display_name=display_name,
                    email=email,
                    first_name=display_name.split()[0],
                    last_name=display_name.split()[-1],
                )
            users.append(user)

        projects = []
        for index, (name, status) in enumerate(plan.projects):
            project = Project.objects.for_organization(organization).filter(name=name).first()
            if project is None:
                case_id = str(plan.first_case_id + index) if plan.first_case_id else ""
                project = create_project(
                    organization=organization,
                    name=name,
                    status=status,
                    cms_case_id=case_id,
                    cms_case_url=f"{settings.CLIO_BASE_URL}/nc/#/matters/{case_id}"
                    if case_id
                    else "",
                    assigned_staff=[users[index % len(users)]],
                )
            projects.append(project)

        for name, body in plan.templates:
            if (
                not MessageTemplate.objects.for_organization(organization)
                .filter(name=name)
                .exists()
            ):
                actions.create_template(
                    organization=organization, name=name, body=body, created_by=users[0]
                )

        for spec in plan.contacts:
            contact = (
                Contact.objects.for_organization(organization).filter(name=spec["name"]).first()
            )
            if contact is None:
                contact = actions.create_contact(
                    organization=organization,
                    name=spec["name"],
                    kind=spec["kind"],
                    phone=spec["phone"],
                    email=spec["email"],
                    notification_preference="email" if not spec["phone"] else "sms",
                    projects=[projects[i] for i in spec.get("projects", [])],
                )
                if spec.get("landline"):
                    actions.mark_phone_not_textable(
                        contact=contact,
                        reason="The phone number is a landline.",
                    )
            thread = actions.ensure_thread(contact=contact)
            if not thread.messages.exists():
                self.seed_history(plan, thread, contact, users, rng, now)
                self.seed_thread_state(plan, thread, contact, users)
        return created

    def seed_history(
        self,
        plan: FirmPlan,
        thread: Thread,
        contact: Contact,
        users: list[User],
        rng: random.Random,
        now: datetime.datetime,
    ) -> None:
        if not contact.phone and not contact.email:
            return  # nobody can reach this contact: an honest empty thread
        count = rng.randint(4, 16)
        moment = now - datetime.timedelta(days=rng.randint(20, 150), hours=rng.randint(0, 8))
        first = contact.name.split()[0]
        outbound_channel = (
            Message.Channel.SMS
            if contact.phone and contact.phone_textable
            else Message.Channel.EMAIL
        )
        inbound_channel = (
            Message.Channel.SMS
            if contact.phone and contact.phone_textable
            else Message.Channel.PORTAL
        )
        for index in range(count):
            moment += datetime.timedelta(hours=rng.randint(2, 120), minutes=rng.randint(0, 59))
            if moment > now - datetime.timedelta(minutes=5):
                break
            outbound = index % 2 == 0 if rng.random() < 0.8 else rng.random() < 0.5
            files: list[actions.NewFile] = []
            if outbound:
                staff = users[rng.randrange(len(users))]
                body = rng.choice(OUTBOUND_LINES).format(
                    first=first, staff=staff.name.split()[0], firm=plan.name
                )
                if rng.random() < 0.06:
                    files = [
                        actions.NewFile(
                            "engagement-letter.pdf",
                            tiny_pdf("Engagement letter"),
                            "application/pdf",
                        )
                    ]
                status = Message.Status.DELIVERED
                channel = outbound_channel
                if channel == Message.Channel.EMAIL:
                    status = Message.Status.SENT
                actions.record_message(
                    thread=thread,
                    direction=Message.Direction.OUTBOUND,
                    body=body,
                    channel=Message.Channel.MMS if files and channel == "sms" else channel,
                    status=status,
                    sender=staff,
                    files=files,
                    created_at=moment,
                )
            else:
                body = rng.choice(INBOUND_LINES)
                if "picture" in body or rng.random() < 0.08:
                    colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
                    files = [
                        actions.NewFile(
                            f"photo-{index + 1}.png", tiny_png(colour), "image/png", "mms"
                        )
                    ]
                channel = (
                    Message.Channel.MMS if files and inbound_channel == "sms" else inbound_channel
                )
                actions.record_message(
                    thread=thread,
                    direction=Message.Direction.INBOUND,
                    body=body,
                    channel=channel,
                    status=Message.Status.RECEIVED,
                    files=[
                        actions.NewFile(
                            f.name,
                            f.content,
                            f.content_type,
                            "portal" if channel == "portal" else "mms",
                        )
                        for f in files
                    ],
                    created_at=moment,
                )

    def seed_thread_state(
        self, plan: FirmPlan, thread: Thread, contact: Contact, users: list[User]
    ) -> None:
        thread.refresh_from_db()
        latest = thread.messages.order_by("-created_at", "-id").first()
        # Staff have read every thread they answered; the rest stay unread, as in a real inbox.
        if latest is not None and latest.direction == Message.Direction.OUTBOUND:
            for user in users:
                actions.mark_thread_read(user=user, thread=thread)
        elif latest is not None and len(contact.name) % 3 == 0:
            actions.mark_thread_read(user=users[0], thread=thread)
        if contact.name in plan.flagged:
            actions.set_thread_flag(thread=thread, user=users[0], flagged=True)
        if contact.name in plan.archived:
            actions.set_thread_archived(thread=thread, user=users[0], archived=True)
        if contact.name in plan.spam:
            actions.set_thread_spam(thread=thread, user=users[0], spam=True)
