"""API authentication, always inside the organization named by the URL: a token of another
organization is simply not found there (401), and a session user must be a member. Outside an
organization (the schema and its docs, a URL naming no organization) a token is ignored: tokens
belong to one organization, and clients send theirs to every URL."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions

from vsm.tenancy.context import current_org_id
from vsm.tenancy.services import api_token_authenticate


class TokenPrincipal(AnonymousUser):
    """request.user for a CI token: authenticated, but not a person."""

    def __init__(self, token):
        super().__init__()
        self.token = token

    @property
    def is_authenticated(self):
        return True

    def __str__(self):
        return f"token:{self.token.name}"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header or current_org_id() is None:
            return None
        scheme, _, secret = header.partition(" ")
        if scheme.lower() not in ("bearer", "token"):
            return None
        secret = secret.strip()
        if not secret:
            raise exceptions.AuthenticationFailed("The Authorization header carries no token.")
        token = api_token_authenticate(secret=secret)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token for this organization.")
        return TokenPrincipal(token), token

    def authenticate_header(self, request):
        return self.keyword
