"""Single sign-on, mounted at /sso/ by config/urls.py without a namespace: django-allauth
reverses these names itself (a provider's callback, SAML's assertion consumer). Only these
parts of allauth are mounted; its own sign-up, login and password pages are not."""

from __future__ import annotations

from django.urls import URLPattern, path

from people import sso_views

urlpatterns: list[URLPattern] = [
    path("oidc/<str:provider_id>/login/", sso_views.oidc_login, name="openid_connect_login"),
    path(
        "oidc/<str:provider_id>/login/callback/",
        sso_views.oidc_callback,
        name="openid_connect_callback",
    ),
    path("saml/<str:organization_slug>/login/", sso_views.saml_login, name="saml_login"),
    path("saml/<str:organization_slug>/acs/", sso_views.saml_acs, name="saml_acs"),
    path(
        "saml/<str:organization_slug>/acs/finish/",
        sso_views.saml_finish_acs,
        name="saml_finish_acs",
    ),
    path("saml/<str:organization_slug>/sls/", sso_views.saml_sls, name="saml_sls"),
    path("saml/<str:organization_slug>/metadata/", sso_views.saml_metadata, name="saml_metadata"),
]
