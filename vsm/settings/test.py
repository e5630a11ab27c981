"""The test suite: the same PostgreSQL engine and role as production, fast hashing, no throttles."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
FIELD_ENCRYPTION_KEYS = ["dGVzdC1vbmx5LWZpZWxkLWtleS0wMDAwMDAwMDAwMDA="]
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# TEST_DATABASE_NAME lets several test runs share one server without dropping each other's database.
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", "test_sluice"), "SERIALIZE": False}  # noqa: F405
# Tests decide per test whether tasks run eagerly or through a real Redis broker.
CELERY_TASK_ALWAYS_EAGER = True
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
WHITENOISE_USE_FINDERS = True  # serve static files without collectstatic
WHITENOISE_AUTOREFRESH = True
# Cached values and throttle counters must not leak between tests through a shared Redis;
# the tests of the Redis counters and of an outage point these at a Redis of their own.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Connector and chat fixtures are served by local HTTP servers; the guard's own tests clear these.
OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
OUTBOUND_HTTP_ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
API_THROTTLE_REDIS_URL = None
