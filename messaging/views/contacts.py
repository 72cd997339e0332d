"""Editing a contact."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import (
    require_http_methods,
)

from hona.http import AuthenticatedHttpRequest
from messaging import actions, queries
from messaging.forms import (
    ContactForm,
)
from messaging.models import Thread


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contact = queries.get_contact_for_user(request.user, pk)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_contact(contact=contact, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            flash.success(request, f"{contact.name} saved.")
            thread = Thread.objects.filter(contact=contact).only("pk").first()
            if thread is not None:
                return redirect("messaging:thread-detail", pk=thread.pk)
            return redirect("messaging:conversation-list")
    return render(
        request,
        "messaging/contact_form.html",
        {
            "active_nav": "conversations",
            "form": form,
            "contact": contact,
            "consent_events": contact.consent_events.select_related("recorded_by")[:50],
        },
    )
