"""Saved views: save a request page's filters under a name, open, share and delete them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import allowed_to
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, can
from config.forms import add_service_errors, errors_text
from feature_requests import saved_views
from feature_requests.forms.saved_views import SavedViewForm
from feature_requests.models import SavedView

LIST_TEMPLATE = "feature_requests/views/list.html"


def _list_page(
    request: AuthenticatedHttpRequest, *, status: int = 200, problem: str = ""
) -> HttpResponse:
    views = saved_views.saved_views_for(user=request.user)
    for view in views:
        view.url = saved_views.saved_view_url(view)
    return render(
        request,
        LIST_TEMPLATE,
        {
            "mine": [view for view in views if view.owner_id == request.user.pk],
            "shared_with_me": [view for view in views if view.owner_id != request.user.pk],
            "may_share": can(request.user, Action.SHARE_VIEW),
            "team": saved_views.team_name(request.user.role),
            "problem": problem,
        },
        status=status,
    )


@allowed_to(Action.VIEW_DASHBOARD)
@require_safe
def saved_view_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _list_page(request)


@allowed_to(Action.VIEW_DASHBOARD)
@require_POST
def saved_view_save(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Save the filters a page shows (its "Save this view" form) and reopen it."""
    form = SavedViewForm(request.POST)
    if form.is_valid():
        try:
            view, created = saved_views.saved_view_save(owner=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            shared = f", shared with {saved_views.team_name(request.user.role)}"
            messages.success(
                request,
                f"{'Saved' if created else 'Updated'} the view “{view.name}”"
                f"{shared if view.shared else ''}. Open it again from Saved views.",
            )
            return redirect(saved_views.saved_view_url(view))
    return _list_page(request, status=400, problem=f"The view was not saved: {errors_text(form)}")


def _own_view(request: AuthenticatedHttpRequest, pk: int) -> SavedView:
    try:
        return saved_views.saved_view_for_owner(pk=pk, owner=request.user)
    except SavedView.DoesNotExist:
        raise Http404("You have no saved view with that number.") from None


@allowed_to(Action.VIEW_DASHBOARD)
@require_POST
def saved_view_share(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    view = _own_view(request, pk)
    shared = request.POST.get("shared") == "1"
    saved_views.saved_view_share(actor=request.user, view=view, shared=shared)
    team = saved_views.team_name(request.user.role)
    messages.success(
        request,
        f"“{view.name}” is shared with {team}." if shared else f"“{view.name}” is yours alone now.",
    )
    return redirect("requests:saved_view_list")


@allowed_to(Action.VIEW_DASHBOARD)
@require_POST
def saved_view_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    view = _own_view(request, pk)
    saved_views.saved_view_delete(actor=request.user, view=view)
    messages.success(request, f"Deleted the view “{view.name}”.")
    return redirect("requests:saved_view_list")
