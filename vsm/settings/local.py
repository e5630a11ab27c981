"""Developer machine and `make demo`: debug on, a throwaway secret, console email."""

from .base import *  # noqa: F403
from .base import env

DEBUG = True
SECRET_KEY = env("SECRET_KEY", "insecure-local-development-key-never-use-in-production")
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or ["ZGV2LW9ubHktZmllbGQta2V5LTAwMDAwMDAwMDAwMDA="]  # noqa: F405
WHITENOISE_USE_FINDERS = True  # serve static files without collectstatic
WHITENOISE_AUTOREFRESH = True
