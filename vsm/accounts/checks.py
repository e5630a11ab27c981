"""Single sign-on misconfiguration fails at start-up: at run time the backend is built on every
sign-in, so a missing setting would break the email-and-password sign-in too."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

REQUIRED = ("OIDC_RP_CLIENT_SECRET", "OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT")


@register()
def oidc_settings(app_configs=None, **kwargs) -> list[Error]:
    if not settings.OIDC_ENABLED:
        return []
    errors = [Error(f"{name} must be set when OIDC_RP_CLIENT_ID is.", id="accounts.E001")
              for name in REQUIRED if not getattr(settings, name, "")]
    asymmetric = settings.OIDC_RP_SIGN_ALGO.startswith(("RS", "ES"))
    if asymmetric and not (settings.OIDC_OP_JWKS_ENDPOINT or getattr(settings, "OIDC_RP_IDP_SIGN_KEY", None)):
        errors.append(Error(f"OIDC_RP_SIGN_ALGO {settings.OIDC_RP_SIGN_ALGO} needs OIDC_OP_JWKS_ENDPOINT, "
                            "where the provider publishes its signing keys.", id="accounts.E002"))
    return errors
