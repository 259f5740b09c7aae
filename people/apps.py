from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """Company sign-in and the people who may sign in: single sign-on through the company's
    identity provider (accounts created on first sign-in with a role mapped from its groups),
    and the admins' People page (invite, deactivate, reactivate)."""

    name = "people"
    verbose_name = "People and sign-in"
