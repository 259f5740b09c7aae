"""The template helper that asks the permission module whether to show a link."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from accounts.models import Role

pytestmark = pytest.mark.django_db

LINK = Template(
    "{% load permissions %}{% can 'quarters.manage' as may %}{% if may %}<a>New quarter</a>{% endif %}"
)


def render(template: Template, user, **extra) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return template.render(Context({"request": request, **extra}))


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (Role.PRODUCT_LEADER, True),
        (Role.ADMIN, True),
        (Role.SALES_LEADER, False),
        (Role.SALES_REP, False),
        (Role.PRODUCT_MANAGER, False),
    ],
)
def test_it_shows_a_link_only_to_those_the_permission_module_allows(cast, role, shown):
    assert ("New quarter" in render(LINK, cast[role])) is shown


def test_it_shows_nothing_to_anonymous_visitors():
    from django.contrib.auth.models import AnonymousUser

    assert render(LINK, AnonymousUser()) == ""


def test_it_asks_the_object_rule_too(cast, make_user):
    from feature_requests.models import FeatureRequest

    rep = cast[Role.SALES_REP]
    other = make_user(Role.SALES_REP, manager=cast[Role.SALES_LEADER])
    feature = FeatureRequest.objects.create(title="Export", problem="p", submitted_by=rep)
    edit = Template(
        "{% load permissions %}{% can 'requests.edit' feature as may %}{{ may|yesno:'edit,no' }}"
    )
    assert render(edit, rep, feature=feature) == "edit"
    assert render(edit, other, feature=feature) == "no"


def test_a_misspelt_action_is_an_error_not_a_hidden_link(cast):
    with pytest.raises(ValueError):
        render(
            Template("{% load permissions %}{% can 'quarter.manage' as may %}"), cast[Role.ADMIN]
        )
