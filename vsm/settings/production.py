"""Production: refuses to start without a secret key, a database URL or an encryption key."""

import os

from django.core.exceptions import ImproperlyConfigured

# Before the shared settings, which would otherwise start the embedded server the demo uses.
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL must be set in production (the embedded server is for demos).")

from .base import *  # noqa: F403
from .base import env, env_bool

if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
if not FIELD_ENCRYPTION_KEYS:  # noqa: F405
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set in production.")

DEBUG = False
# HTTPS-only behaviour follows SITE_URL (https://... means TLS is served, by us or a proxy in front);
# each setting can still be forced either way.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SERVED_OVER_TLS)  # noqa: F405
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers and container health checks poll over HTTP
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000" if SERVED_OVER_TLS else "0"))  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preload-listing a domain is hard to undo, so it is the operator's explicit choice, not a warning.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", SERVED_OVER_TLS)  # noqa: F405
