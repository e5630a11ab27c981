"""Mounted at /oidc/ without a namespace: mozilla-django-oidc reverses these names itself."""

from django.urls import path

from vsm.accounts.oidc import SSOCallbackView, SSOStartView

urlpatterns = [
    path("authenticate/", SSOStartView.as_view(), name="oidc_authentication_init"),
    path("callback/", SSOCallbackView.as_view(), name="oidc_authentication_callback"),
]
