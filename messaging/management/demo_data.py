"""The demo firms seed_demo creates: their staff, projects, contacts, templates and history."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

from hona.models import User

DEMO_PASSWORD = "hona-demo"  # noqa: S105 - printed for the demo on purpose


@dataclass
class FirmPlan:
    name: str
    sms_number: str
    timezone: str
    users: list[tuple[str, str, str, str]]  # username, display name, role, email
    projects: list[tuple[str, str]]  # name, status
    contacts: list[dict[str, Any]]
    templates: list[tuple[str, str]]
    seed: int
    first_case_id: int | None = None  # Clio matter ids, so the demo can be connected
    flagged: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    spam: list[str] = field(default_factory=list)


def _contact(
    name: str, kind: str = "client", phone: str = "", email: str = "", **extra: Any
) -> dict[str, Any]:
    return {"name": name, "kind": kind, "phone": phone, "email": email, **extra}


DEMO_LAW_PROJECTS = [
    ("Alvarez v. Northgate Logistics", "open"),
    ("Estate of Margaret Bell", "open"),
    ("Chen Family Trust", "open"),
    ("Okafor Immigration Petition", "pending"),
    ("Patel Personal Injury", "open"),
    ("Brooks Divorce", "open"),
    ("Brooks Custody Modification", "open"),
    ("Dubois Real Estate Closing", "closed"),
    ("Nguyen Workers' Compensation", "open"),
    ("Ramirez DUI Defense", "open"),
    ("Sullivan Landlord Dispute", "on_hold"),
    ("Kowalski Bankruptcy (Ch. 7)", "open"),
    ("Haddad Business Formation", "open"),
    ("Moreno Medical Malpractice", "open"),
    ("Fischer Will and Power of Attorney", "closed"),
    ("Ito Employment Discrimination", "open"),
    ("Adeyemi Slip and Fall", "open"),
    ("Larsen Trademark Registration", "pending"),
    ("Greene Adoption", "open"),
    ("Walsh Estate Planning", "open"),
]


DEMO_LAW_CONTACTS = [
    _contact(
        "Maria Alvarez", phone="(415) 555-0101", email="maria.alvarez@example.com", projects=[0]
    ),
    _contact("Thomas Bell", phone="(415) 555-0102", email="tbell@example.net", projects=[1]),
    _contact("Linda Chen", phone="(415) 555-0103", email="linda.chen@example.com", projects=[2]),
    _contact("David Chen", phone="(415) 555-0104", projects=[2]),
    _contact(
        "Chidi Okafor", phone="(415) 555-0105", email="chidi.okafor@example.org", projects=[3]
    ),
    _contact("Priya Patel", phone="(415) 555-0106", email="priya.patel@example.com", projects=[4]),
    _contact(
        "Jasmine Brooks", phone="(415) 555-0107", email="jbrooks@example.com", projects=[5, 6]
    ),
    _contact("Claire Dubois", phone="(415) 555-0108", email="claire@example.fr", projects=[7]),
    _contact("Minh Nguyen", phone="(415) 555-0109", projects=[8]),
    _contact(
        "Luis Ramirez", phone="(415) 555-0110", email="luis.ramirez@example.com", projects=[9]
    ),
    _contact(
        "Patrick Sullivan", phone="(415) 555-0111", email="psullivan@example.com", projects=[10]
    ),
    _contact("Anna Kowalski", phone="(415) 555-0112", email="anna.k@example.com", projects=[11]),
    _contact(
        "Omar Haddad", phone="(415) 555-0113", email="omar@haddad-bakery.example", projects=[12, 16]
    ),
    _contact(
        "Sofia Moreno", phone="(415) 555-0114", email="sofia.moreno@example.com", projects=[13]
    ),
    _contact(
        "Ernst Fischer",
        phone="(415) 555-0115",
        email="ernst.fischer@example.de",
        projects=[14],
        landline=True,
    ),
    _contact("Kenji Ito", phone="(415) 555-0116", email="kenji.ito@example.jp", projects=[15]),
    _contact("Grace Adeyemi", phone="(415) 555-0117", projects=[16]),
    _contact("Erik Larsen", email="erik.larsen@example.no", projects=[17]),
    _contact(
        "Tamika Greene", phone="(415) 555-0119", email="tamika.greene@example.com", projects=[18]
    ),
    _contact("Robert Greene", phone="(415) 555-0120", projects=[18]),
    _contact("Fiona Walsh", phone="(415) 555-0121", email="fiona.walsh@example.ie", projects=[19]),
    _contact("Helen Walsh", email="helen.walsh@example.ie", projects=[19]),
    _contact("Samuel Ortiz", phone="(510) 555-0122", email="sam.ortiz@example.com", projects=[0]),
    _contact("Beatriz Santos", phone="(510) 555-0123", projects=[9, 4]),
    _contact("George Whitfield", projects=[14]),  # no phone, no email: cannot be reached
    _contact(
        "Nadia Rahman", phone="(510) 555-0125", email="nadia.rahman@example.com", projects=[13]
    ),
    _contact("Victor Popescu", phone="(510) 555-0126", email="victor.p@example.ro", projects=[11]),
    _contact("Irene Castillo", email="irene.castillo@example.mx", projects=[8]),
    _contact("Paul Jensen", phone="(510) 555-0128", projects=[15]),
    _contact("Yusuf Demir", phone="(510) 555-0129", email="yusuf.demir@example.com", projects=[3]),
    _contact("Harper Quinn", kind="lead", phone="(650) 555-0130", email="harper.quinn@example.com"),
    _contact("Leo Martins", kind="lead", phone="(650) 555-0131"),
    _contact("Ava Thompson", kind="lead", phone="(650) 555-0132", email="ava.t@example.com"),
    _contact("Noah Kim", kind="lead", email="noah.kim@example.com"),
    _contact("Isabella Rossi", kind="lead", phone="(650) 555-0134"),
    _contact("Marcus Webb", kind="lead", phone="(650) 555-0135", email="marcus.webb@example.com"),
    _contact("Unknown caller", kind="lead", phone="(650) 555-0136"),
    _contact("Zoe Carter", kind="lead", phone="(650) 555-0137", email="zoe.carter@example.com"),
    _contact("Ibrahim Bello", kind="lead", phone="(650) 555-0138"),
    _contact("Chloe Martin", kind="lead", email="chloe.martin@example.com"),
]


DEMO_LAW_TEMPLATES = [
    (
        "File too large for text",
        "It seems your file might be too big to send via text. To make sure we successfully "
        "receive and store your file in your case documents, please upload it directly in your "
        "Client Portal:\n1. Click on the link above to open this same messaging thread in your "
        "Client Portal.\n2. Select the (+) button next to the messaging box, attach your file, and "
        "send it.\n3. Send another message so we can verify successful delivery of your file.",
    ),
    (
        "Appointment reminder",
        "Hi! This is a reminder of your appointment with our office tomorrow. Reply here if you "
        "need to reschedule.",
    ),
    (
        "Documents received",
        "Thank you — we received your documents and added them to your case file.",
    ),
    (
        "Request for documents",
        "Could you send us a photo of the documents we discussed? You can reply to this text "
        "with a picture.",
    ),
    (
        "Case update available",
        "There is an update on your case. Please call our office at your convenience or reply "
        "here with a good time to talk.",
    ),
    (
        "Payment received",
        "We received your payment. Thank you! A receipt will follow by email.",
    ),
]


SECOND_FIRM_PROJECTS = [
    ("Hartley Estate Administration", "open"),
    ("Vasquez Lease Review", "open"),
    ("O'Neill Traffic Citation", "closed"),
    ("Park Small Claims", "open"),
    ("Lindqvist Prenuptial Agreement", "pending"),
]


SECOND_FIRM_CONTACTS = [
    _contact(
        "Eleanor Hartley", phone="(312) 555-0201", email="eleanor.hartley@example.com", projects=[0]
    ),
    _contact("Rafael Vasquez", phone="(312) 555-0202", projects=[1]),
    _contact("Sean O'Neill", phone="(312) 555-0203", email="sean.oneill@example.ie", projects=[2]),
    _contact("Min-jun Park", phone="(312) 555-0204", email="minjun.park@example.kr", projects=[3]),
    _contact("Astrid Lindqvist", email="astrid@example.se", projects=[4]),
    _contact("Daniel Lindqvist", phone="(312) 555-0206", projects=[4]),
    _contact("Tessa Morgan", kind="lead", phone="(312) 555-0207"),
    _contact("Hugo Laurent", kind="lead", email="hugo.laurent@example.fr"),
]


SECOND_FIRM_TEMPLATES = [
    ("Welcome", "Welcome to Grant & Ode. Reply to this number any time to reach your legal team."),
    ("Signature needed", "Your documents are ready to sign. Please stop by our office this week."),
    ("Court date", "Your court date is confirmed. We will meet you in the lobby 30 minutes early."),
]


PLANS = [
    FirmPlan(
        name="Demo Law",
        sms_number="+18885550100",
        timezone="America/Los_Angeles",
        users=[
            ("alice", "Alice Johnson", User.Role.FIRM_ADMIN, "alice@demo-law.example"),
            ("bob", "Bob Martinez", User.Role.STAFF, "bob@demo-law.example"),
        ],
        projects=DEMO_LAW_PROJECTS,
        contacts=DEMO_LAW_CONTACTS,
        templates=DEMO_LAW_TEMPLATES,
        seed=2026,
        first_case_id=1001,
        flagged=["Priya Patel", "Luis Ramirez"],
        archived=["Claire Dubois"],
        spam=["Unknown caller"],
    ),
    FirmPlan(
        name="Second Firm",
        sms_number="+18885550199",
        timezone="America/Chicago",
        users=[("oscar", "Oscar Grant", User.Role.FIRM_ADMIN, "oscar@second-firm.example")],
        projects=SECOND_FIRM_PROJECTS,
        contacts=SECOND_FIRM_CONTACTS,
        templates=SECOND_FIRM_TEMPLATES,
        seed=1999,
        flagged=["Rafael Vasquez"],
    ),
]


OUTBOUND_LINES = [
    "Hi {first}, this is {staff} from {firm}. Just checking in on your case.",
    "Good news: the other side responded to our letter. Let's talk this week.",
    "Could you send us a photo of your insurance card?",
    "Your hearing is scheduled for next Tuesday at 9:30 AM. Please arrive 20 minutes early.",
    "We received the documents, thank you!",
    "Please remember to bring a photo ID to our meeting.",
    "The draft is ready for your review. I sent it to your email as well.",
    "Thanks, {first}. I have added that to your file.",
    "Can you call our office when you have a moment? Nothing urgent.",
    "The court approved the extension. Our new deadline is the end of next month.",
    "We filed the paperwork today. I will let you know as soon as we hear back.",
    "Do you have any receipts for the medical expenses? A photo is fine.",
]


INBOUND_LINES = [
    "Thank you! That's a relief.",
    "Sure, I'll send it tonight.",
    "What time should I be there?",
    "Here is the picture you asked for.",
    "Is there anything else you need from me?",
    "I got a letter from the insurance company today. Should I be worried?",
    "Can we move our call to Thursday?",
    "Ok, thanks for the update.",
    "I signed the papers and mailed them this morning.",
    "Do I need to bring anything to the hearing?",
    "Got it 👍",
    "Sorry for the late reply, I was traveling. Yes, that works.",
]


def tiny_png(rgb: tuple[int, int, int], size: int = 24) -> bytes:
    """A small solid-colour PNG, so demo attachments are real images."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + bytes(rgb) * size
    raw = zlib.compress(row * size)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def tiny_pdf(title: str) -> bytes:
    """A one-page PDF with a line of text."""
    text = title.replace("(", "[").replace(")", "]")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
