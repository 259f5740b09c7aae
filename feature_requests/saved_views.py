"""Saved views: a person names the filters of a request page to come back to them, and a
leader may share one with their team (the sales team, or the product team).

A view stores the page and its filter query string as `RequestFilterForm` writes it (filters
it cannot read are dropped when it is saved), so opening one is a plain link to the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse

from accounts.models import Role, User
from accounts.permissions import Action, can, require
from budgets.models import Quarter
from feature_requests.customers import clean_name
from feature_requests.filters import RequestFilterForm
from feature_requests.models import MAX_VIEW_NAME_LENGTH, MAX_VIEW_QUERY_LENGTH, SavedView

Page = SavedView.Page


@dataclass(frozen=True)
class PageInfo:
    url_name: str
    action: Action  # who may open the page, so who may save or see a view of it


PAGES: Final[dict[str, PageInfo]] = {
    Page.REQUESTS: PageInfo("requests:request_list", Action.VIEW_REQUESTS),
    Page.TRIAGE: PageInfo("requests:triage_queue", Action.TRIAGE),
    Page.ESTIMATES: PageInfo("requests:estimate_queue", Action.ESTIMATE),
    # The board's URL names its quarter; the decision queue takes it as `?quarter=`.
    Page.BOARD: PageInfo("commitments:board", Action.VIEW_REQUESTS),
    Page.DECISIONS: PageInfo("commitments:decision_queue", Action.DECIDE),
}

SALES_TEAM = frozenset({Role.SALES_REP, Role.SALES_LEADER})
PRODUCT_TEAM = frozenset({Role.PRODUCT_MANAGER, Role.PRODUCT_LEADER})


def team_roles(role: str) -> frozenset[str]:
    """The roles a view shared by someone with `role` is offered to."""
    for team in (SALES_TEAM, PRODUCT_TEAM):
        if role in team:
            return frozenset(team)
    return frozenset({role})


def team_name(role: str) -> str:
    if role in SALES_TEAM:
        return "the sales team"
    if role in PRODUCT_TEAM:
        return "the product team"
    return "the admins"


# --- reads -------------------------------------------------------------------------------------


def saved_view_url(view: SavedView) -> str:
    info = PAGES[view.page]
    if view.page == Page.BOARD:
        path = reverse(info.url_name, args=[view.quarter.label if view.quarter else ""])
    else:
        path = reverse(info.url_name)
    return f"{path}?{view.query}" if view.query else path


def saved_views_for(*, user: User, page: str | None = None) -> list[SavedView]:
    """The views `user` may open: their own, then those their team shared, by page and name.
    One query; views of pages the user cannot open (a sales leader's triage view offered to
    a rep) are left out."""
    views = SavedView.objects.filter(
        Q(owner=user) | Q(shared=True, owner__role__in=team_roles(user.role), owner__is_active=True)
    )
    if page is not None:
        views = views.filter(page=page)
    rows = views.select_related("owner", "quarter").order_by("page", "name", "id")
    # The board's URL needs its quarter: a board view whose quarter is gone cannot open.
    return [
        view
        for view in rows
        if can(user, PAGES[view.page].action) and (view.page != Page.BOARD or view.quarter)
    ]


def saved_view_for_owner(*, pk: int, owner: User) -> SavedView:
    """The owner's view `pk`; SavedView.DoesNotExist (a 404) for anyone else's."""
    return SavedView.objects.get(pk=pk, owner=owner)


# --- writes ------------------------------------------------------------------------------------


def _normalised_query(page: str, query: str) -> str:
    """The query string as the page's filter form writes it: only filters it can read."""
    form = RequestFilterForm(QueryDict(query), page=page)  # type: ignore[arg-type]
    text = form.query_string()
    if len(text) > MAX_VIEW_QUERY_LENGTH:
        raise ValidationError(
            {"query": "These filters are too long to save. Use fewer or shorter ones."}
        )
    return text


@transaction.atomic
def saved_view_save(
    *,
    owner: User,
    page: str,
    name: str,
    query: str,
    quarter: Quarter | None = None,
    shared: bool = False,
) -> tuple[SavedView, bool]:
    """Save the filters `query` of `page` as `name`; a view of the same page and name is
    replaced (the owner saves over it). Returns the view and whether it is new."""
    if page not in PAGES:
        raise ValidationError({"page": "Views can be saved on the request pages only."})
    require(owner, PAGES[page].action)
    if shared:
        require(owner, Action.SHARE_VIEW)
    # The same rule as every name typed in Forcerank: spaces tidied, invisible text refused.
    name = clean_name(name)
    if not name:
        raise ValidationError({"name": "Give the view a name."})
    if len(name) > MAX_VIEW_NAME_LENGTH:
        raise ValidationError(
            {"name": f"Keep the name to {MAX_VIEW_NAME_LENGTH} characters (it has {len(name)})."}
        )
    if page == Page.BOARD and quarter is None:
        raise ValidationError({"quarter": "Say which quarter's board the view is of."})
    return SavedView.objects.update_or_create(
        owner=owner,
        page=page,
        name=name,
        defaults={
            "query": _normalised_query(page, query),
            "quarter": quarter if page == Page.BOARD else None,
            "shared": shared,
        },
    )


@transaction.atomic
def saved_view_share(*, actor: User, view: SavedView, shared: bool) -> SavedView:
    if view.owner_id != actor.pk:
        raise PermissionDenied("Only the person who saved a view shares or unshares it.")
    if shared:
        require(actor, Action.SHARE_VIEW)
    view.shared = shared
    view.save(update_fields=["shared", "updated_at"])
    return view


@transaction.atomic
def saved_view_delete(*, actor: User, view: SavedView) -> None:
    if view.owner_id != actor.pk:
        raise PermissionDenied("Only the person who saved a view deletes it.")
    view.delete()
