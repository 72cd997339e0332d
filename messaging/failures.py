"""Why a message went another way than planned, or nowhere: codes for code, words for people.

Every fallback, failure and refusal stores one of these codes next to the words shown to staff.
Logic and tests branch on the code; the words are for reading and are never parsed.
"""

from __future__ import annotations

from django.db import models


class Failure(models.TextChoices):
    # Why a message cannot go by SMS/MMS (it goes by email instead).
    NO_PHONE = "no_phone", "No phone number"
    OPTED_OUT = "opted_out", "Opted out of texts"
    NOT_TEXTABLE = "not_textable", "The number cannot receive texts"
    SENDER_ID = "sender_id", "A short code or sender ID cannot receive texts"
    PREFERS_EMAIL = "prefers_email", "The client asked for notices by email"
    NO_CONSENT = "no_consent", "Not agreed to texts yet"
    MMS_FILE_COUNT = "mms_file_count", "Too many files for MMS"
    MMS_TOO_LARGE = "mms_too_large", "Files too large for MMS"
    MMS_FILE_TYPE = "mms_file_type", "A file type MMS cannot carry"
    # The SMS provider and the carriers.
    SMS_REFUSED = "sms_refused", "Refused by the SMS provider"
    SMS_UNDELIVERED = "sms_undelivered", "Not delivered by the carrier"
    SMS_RETRY = "sms_retry", "Trying SMS once more"
    SMS_SERVICE_DOWN = "sms_down", "The SMS service could not be reached"
    # Email.
    EMAIL_WAITING = "email_waiting", "Waiting for the mail server"
    EMAIL_FAILED = "email_failed", "The email could not be sent"
    NO_EMAIL = "no_email", "No email address"
    # Documents chosen from the CMS that could not be sent.
    DOCUMENTS_REFUSED = "documents_refused", "Documents from the case not sent"


# Causes that send a message by email instead of SMS.
NOT_BY_SMS = frozenset(
    {
        Failure.NO_PHONE,
        Failure.OPTED_OUT,
        Failure.NOT_TEXTABLE,
        Failure.SENDER_ID,
        Failure.PREFERS_EMAIL,
        Failure.NO_CONSENT,
        Failure.MMS_FILE_COUNT,
        Failure.MMS_TOO_LARGE,
        Failure.MMS_FILE_TYPE,
        Failure.SMS_REFUSED,
        Failure.SMS_UNDELIVERED,
        Failure.SMS_SERVICE_DOWN,
    }
)
