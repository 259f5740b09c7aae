"""The People page for admins: the list, invitations, a person's page, deactivation."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import allowed_to
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Role, User
from accounts.permissions import Action
from config.forms import add_service_errors
from people import selectors, services
from people.forms import DeactivateForm, InviteForm, PersonFilterForm, PersonForm
from people.open_items import open_items_for

PAGE_SIZE = 50
LIST_TEMPLATE = "people/person_list.html"


@allowed_to(Action.MANAGE_PEOPLE)
def person_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everyone, by name, 50 a page: searchable by name and e-mail, filtered by role and by
    whether they are active. A fixed number of queries, however many people there are."""
    filters = PersonFilterForm(request.GET)
    filters.is_valid()  # a value that is not valid is left out: that filter shows everyone
    chosen = {name: filters.cleaned_data.get(name) or "" for name in ("q", "role", "status")}
    people = selectors.person_list(search=chosen["q"], role=chosen["role"], status=chosen["status"])
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # read once, for the rows and their sign-in
    methods = selectors.sign_in_methods(page.object_list)
    context = {
        "page": page,
        "rows": [(person, methods[person.pk]) for person in page.object_list],
        "filters": PersonFilterForm(initial=chosen),
        "filtered": any(chosen.values()),
        "query": urlencode({name: value for name, value in chosen.items() if value}),
    }
    template = LIST_TEMPLATE + "#people-table" if request.htmx else LIST_TEMPLATE
    return render(request, template, context)


@allowed_to(Action.MANAGE_PEOPLE)
@require_http_methods(["GET", "HEAD", "POST"])
def person_invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = InviteForm(request.POST if posted else None, initial={"role": Role.SALES_REP})
    if posted and form.is_valid():
        try:
            person, queued = services.person_invite(
                actor=request.user,
                domain=request.get_host(),
                use_https=request.is_secure(),
                **form.cleaned_data,
            )
        except ValidationError as error:  # the address is taken, or the role needs a manager
            add_service_errors(form, error)
        else:
            if queued:
                messages.success(
                    request,
                    f"{person} is invited: an e-mail with a link to choose a password is on its "
                    f"way to {person.email}.",
                )
            else:
                messages.error(
                    request,
                    f"{person} is added, but the invitation e-mail could not be queued just now. "
                    "Send it again from here in a few minutes.",
                )
            return redirect("people:person_detail", pk=person.pk)
    status = 400 if posted else 200
    return render(request, "people/person_invite.html", {"form": form}, status=status)


def _person_page(
    request: AuthenticatedHttpRequest,
    person: User,
    *,
    form: PersonForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    if form is None:
        form = PersonForm(
            initial={
                "full_name": person.full_name,
                "role": person.role,
                "manager": person.manager_id,
            },
            current_manager=person.manager,
        )
    context = {
        "person": person,
        "form": form,
        "problem": problem,
        "sign_in_method": selectors.sign_in_method(person),
        "invitation_pending": services.invitation_pending(person),
        "deactivation_refusal": services.deactivation_refusal(actor=request.user, person=person),
        "open_items": open_items_for(person),
        "history": selectors.history_rows(selectors.person_history(person=person)),
    }
    return render(request, "people/person_detail.html", context, status=status)


def _person(pk: int) -> User:
    return get_object_or_404(User.objects.select_related("manager"), pk=pk)


@allowed_to(Action.MANAGE_PEOPLE)
@require_http_methods(["GET", "HEAD", "POST"])
def person_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A person's details, the form to change their name, role and manager, what they still
    hold, and their history."""
    person = _person(pk)
    if request.method != "POST":
        return _person_page(request, person)
    form = PersonForm(request.POST, current_manager=person.manager)
    if form.is_valid():
        try:
            person = services.person_update(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as error:  # refused under the row lock: say why, never a 500
            add_service_errors(form, error)
        else:
            messages.success(request, f"{person} is saved.")
            return redirect("people:person_detail", pk=person.pk)
    return _person_page(request, _person(pk), form=form, status=400)


@allowed_to(Action.MANAGE_PEOPLE)
@require_http_methods(["GET", "HEAD", "POST"])
def person_deactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The confirmation step (what happens, what they still hold, an optional reason), then
    the deactivation itself."""
    person = _person(pk)
    posted = request.method == "POST"
    form = DeactivateForm(request.POST if posted else None)
    if posted and form.is_valid():
        try:
            services.person_deactivate(
                actor=request.user, person=person, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:  # oneself, the last admin, already done
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{person} is deactivated: they can no longer sign in, and every session of "
                "theirs has ended. What they did stays theirs; hand over what they still hold "
                "below.",
            )
            return redirect("people:person_detail", pk=person.pk)
    context = {
        "person": person,
        "form": form,
        "refusal": services.deactivation_refusal(actor=request.user, person=person),
        "open_items": open_items_for(person),
    }
    status = 400 if posted else 200
    return render(request, "people/person_deactivate.html", context, status=status)


@allowed_to(Action.MANAGE_PEOPLE)
@require_POST
def person_reactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = _person(pk)
    try:
        services.person_reactivate(actor=request.user, person=person)
    except ValidationError as error:  # already active
        return _person_page(request, person, problem=" ".join(error.messages), status=400)
    messages.success(request, f"{person} is active again and can sign in as before.")
    return redirect("people:person_detail", pk=person.pk)


@allowed_to(Action.MANAGE_PEOPLE)
@require_POST
def person_invitation_send(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Send the invitation again: its link expired, or the queue was down the first time."""
    person = _person(pk)
    try:
        queued = services.person_invitation_send(
            actor=request.user,
            person=person,
            domain=request.get_host(),
            use_https=request.is_secure(),
        )
    except ValidationError as error:  # they have signed in since, or were deactivated
        return _person_page(request, person, problem=" ".join(error.messages), status=400)
    if queued:
        messages.success(request, f"The invitation is on its way to {person.email} again.")
    else:
        messages.error(
            request,
            "The invitation e-mail could not be queued just now. Try again in a few minutes.",
        )
    return redirect("people:person_detail", pk=person.pk)
