"""Optional single sign-on through an OpenID Connect provider (mozilla-django-oidc does the
protocol). People are matched by the provider's email claim, so an account made by an
invitation and the same person's first SSO sign-in meet in one account."""

from __future__ import annotations

import logging

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.validators import validate_email
from django.http import Http404
from django.shortcuts import redirect
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from vsm.accounts import services
from vsm.accounts.forms import EMAIL_MAX_LENGTH
from vsm.accounts.models import User
from vsm.errors import DomainError

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = User._meta.get_field("full_name").max_length


def email_of(claims) -> str:
    """The claims' email, normalized, or "" when there is none that may sign in: missing,
    malformed, or one the provider says it has not verified."""
    if not isinstance(claims, dict):
        return ""
    email = claims.get("email")
    # Some providers send the flag as a string; a provider that sends no flag vouches for the address.
    if not isinstance(email, str) or str(claims.get("email_verified", True)).lower() == "false":
        return ""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email if len(email) <= EMAIL_MAX_LENGTH else ""


def name_of(claims: dict) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = (claims.get("given_name"), claims.get("family_name"))
        name = " ".join(part for part in parts if isinstance(part, str))
    return name.strip()[:NAME_MAX_LENGTH]


class SluiceOIDCBackend(OIDCAuthenticationBackend):
    def authenticate(self, request, **kwargs):
        if kwargs.get("username") is not None or kwargs.get("password") is not None:
            return None  # an email-and-password sign-in: not this backend's business
        try:
            return super().authenticate(request, **kwargs)
        except (requests.RequestException, jwt.PyJWTError, SuspiciousOperation, DomainError) as exc:
            # The provider refused the code, is unreachable, or sent a token that does not verify:
            # the person gets the sign-in page back with a message, never an error page.
            logger.warning("single sign-on refused", extra={"reason": f"{type(exc).__name__}: {exc}"[:300]})
            return None

    def verify_claims(self, claims) -> bool:
        return bool(email_of(claims))

    def filter_users_by_claims(self, claims):
        return User.objects.filter(email__iexact=email_of(claims))

    def create_user(self, claims) -> User:
        return services.user_create(email=email_of(claims), full_name=name_of(claims))

    def update_user(self, user: User, claims) -> User:
        # The provider is the source of truth for the name; an empty claim keeps what we have.
        return services.user_update(user=user, full_name=name_of(claims) or None)

    def get_user(self, user_id):
        # Unlike the library's, a deactivated account loses its session here, as with ModelBackend.
        user = super().get_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class _OnlyWhenEnabled:
    """The /oidc/ routes always exist; they answer 404 unless single sign-on is configured."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.OIDC_ENABLED:
            raise Http404("Single sign-on is not configured.")
        return super().dispatch(request, *args, **kwargs)


class SSOStartView(_OnlyWhenEnabled, OIDCAuthenticationRequestView):
    pass


class SSOCallbackView(_OnlyWhenEnabled, OIDCAuthenticationCallbackView):
    def login_failure(self):
        messages.error(self.request, f"Signing in with {settings.OIDC_PROVIDER_NAME} did not work. "
                                     "Try again, or sign in with your email and password.")
        return redirect("accounts:login")


def exempt_from_lockout(request, credentials) -> bool:
    """django-axes' AXES_WHITELIST_CALLABLE. The SSO callback has no password to guess (a code
    is single-use and bound to the state in this session), and its failures carry no username:
    counted per network address they would lock everyone behind the same NAT out of single
    sign-on after one provider hiccup."""
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "oidc_authentication_callback"
