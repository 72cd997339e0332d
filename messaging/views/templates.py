"""Message templates: listed, created (also from the composer), edited, deleted."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
)
from django_htmx.http import HttpResponseClientRedirect

from hona.http import AuthenticatedHttpRequest, safe_next
from messaging import actions, queries
from messaging.forms import (
    TemplateForm,
)


@login_required
@require_GET
def template_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    templates = queries.templates_for_user(request.user)
    if request.htmx and request.GET.get("picker"):
        return render(
            request, "messaging/template_list.html#template-picker", {"templates": templates}
        )
    return render(
        request, "messaging/template_list.html", {"active_nav": "templates", "templates": templates}
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization = request.user.organization
    assert organization is not None
    form = TemplateForm(request.POST or None, organization_id=organization.pk)
    if request.method == "POST" and form.is_valid():
        template = actions.create_template(
            organization=organization,
            name=form.cleaned_data["name"],
            body=form.cleaned_data["body"],
            created_by=request.user,
        )
        flash.success(
            request, f"Template “{template.name}” saved. Everyone in your firm can use it."
        )
        back = reverse("messaging:template-list")
        next_url = safe_next(request, request.POST.get("next"))
        if not next_url:
            return redirect(back)
        # Back in the composer it came from, the new template goes into the kept draft.
        separator = "&" if "?" in next_url else "?"
        return redirect(f"{next_url}{separator}template={template.pk}")
    initial_body = request.GET.get("body", "")[:1600]
    if request.method == "GET" and initial_body:
        form.initial["body"] = initial_body
    return render(
        request,
        "messaging/template_form.html",
        {
            "active_nav": "templates",
            "form": form,
            "next": safe_next(request, request.POST.get("next") or request.GET.get("next")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    template = queries.get_template_for_user(request.user, pk)
    form = TemplateForm(
        request.POST or None, instance=template, organization_id=template.organization_id
    )
    if request.method == "POST" and form.is_valid():
        actions.update_template(
            template=template, name=form.cleaned_data["name"], body=form.cleaned_data["body"]
        )
        flash.success(request, f"Template “{template.name}” updated.")
        return redirect("messaging:template-list")
    return render(
        request,
        "messaging/template_form.html",
        {"active_nav": "templates", "form": form, "template": template},
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    template = queries.get_template_for_user(request.user, pk)
    if request.method == "POST":
        name = template.name
        actions.delete_template(template=template)
        flash.success(request, f"Template “{name}” deleted.")
        if request.htmx:
            return HttpResponseClientRedirect(reverse("messaging:template-list"))
        return redirect("messaging:template-list")
    return render(
        request,
        "messaging/template_confirm_delete.html",
        {"active_nav": "templates", "template": template},
    )
