"""Settings of a web node in the scale-out tests: the test settings (the test database, fast
hashing), with the cache and the API throttle's counters in Redis, as production has them with
REDIS_URL, so what the nodes must agree on is shared as it is in production; tasks go to the broker."""

from vsm.settings.test import *  # noqa: F403
from vsm.settings.test import REDIS_URL

CACHES = {"default": {"BACKEND": "vsm.cache.FailOpenRedisCache", "LOCATION": REDIS_URL}}
API_THROTTLE_REDIS_URL = REDIS_URL
# Tasks go to the broker, for the workers, as in production (the test settings run them in-process).
CELERY_TASK_ALWAYS_EAGER = False
