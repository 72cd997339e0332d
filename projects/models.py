"""Projects: a firm's cases (matters), linked to a case in its CMS."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Upper

from hona.models import Organization, OrganizationOwnedQuerySet
from hona.text import validate_one_line


class ProjectQuerySet(OrganizationOwnedQuerySet):
    def open(self) -> ProjectQuerySet:
        return self.exclude(status=Project.Status.CLOSED)


class Project(models.Model):
    """A case or matter. Its clients are Contacts (see ``messaging.Contact.projects``)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PENDING = "pending", "Pending"
        ON_HOLD = "on_hold", "On hold"
        CLOSED = "closed", "Closed"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(max_length=200, validators=[validate_one_line])
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    cms_case_id = models.CharField(
        "CMS case id",
        max_length=64,
        blank=True,
        help_text="The matching case (matter) in the firm's CMS, such as a Clio matter id.",
        # It goes into the CMS's URLs: letters, digits and . _ : - only, never a path.
        validators=[
            RegexValidator(
                r"\A[A-Za-z0-9][A-Za-z0-9._:-]*\Z",
                "Use the case's id as the CMS shows it: letters, digits, and . _ : - only.",
            )
        ],
    )
    cms_case_url = models.URLField("CMS case URL", max_length=500, blank=True)
    # The dashboard lists open cases first and closed ones last: the statuses' order above, kept
    # by the database itself so that every write (a form, the CMS's sync, an update()) keeps it.
    status_rank = models.GeneratedField(
        expression=Case(
            *(When(status=value, then=Value(rank)) for rank, value in enumerate(Status.values)),
            default=Value(len(Status.values)),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    assigned_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assigned_projects"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "cms_case_id"],
                condition=~Q(cms_case_id=""),
                name="project_cms_case_unique_per_firm",
                violation_error_message="Another project of this firm is linked to that CMS case.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "pending", "on_hold", "closed"]),
                name="project_status_known",
            ),
            models.CheckConstraint(
                condition=Q(cms_case_url="") | ~Q(cms_case_id=""),
                name="project_case_url_needs_case_id",
                violation_error_message="A CMS case URL needs the CMS case id too.",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "name"], name="project_org_name"),
            # The dashboard's order (projects.queries.project_page), so a page stops at its end.
            models.Index(
                fields=["organization", "status_rank", "name", "id"], name="project_org_rank_name"
            ),
            # The search by case number, which ignores case (`cms_case_id__iexact`).
            models.Index(F("organization"), Upper("cms_case_id"), name="project_org_case_upper"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_linked_to_cms(self) -> bool:
        return bool(self.cms_case_id)
