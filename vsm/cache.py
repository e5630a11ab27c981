"""The cache backend used with REDIS_URL: Django's RedisCache, except that an unreachable Redis
is a cache miss (counted and logged by vsm.failopen) instead of an exception in the request."""

from __future__ import annotations

import functools

import redis
from django.core.cache.backends.redis import RedisCache

from vsm.failopen import REDIS_TIMEOUT_SECONDS, fail_open


def _or(fallback):
    def wrap(method):
        @functools.wraps(method)
        def call(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except redis.RedisError as error:
                fail_open("cache", error)
                return fallback(*args, **kwargs) if callable(fallback) else fallback
        return call
    return wrap


def _default(key, default=None, version=None):
    return default


def _missing(key, delta=1, version=None):
    raise ValueError(f"Key '{key}' not found (the cache is unreachable)")


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        timeouts = {"socket_connect_timeout": REDIS_TIMEOUT_SECONDS, "socket_timeout": REDIS_TIMEOUT_SECONDS}
        super().__init__(server, {**params, "OPTIONS": {**timeouts, **params.get("OPTIONS", {})}})

    add = _or(False)(RedisCache.add)
    get = _or(_default)(RedisCache.get)
    set = _or(None)(RedisCache.set)
    touch = _or(False)(RedisCache.touch)
    delete = _or(False)(RedisCache.delete)
    get_many = _or(lambda *args, **kwargs: {})(RedisCache.get_many)
    has_key = _or(False)(RedisCache.has_key)
    incr = _or(_missing)(RedisCache.incr)
    set_many = _or(lambda data, *args, **kwargs: list(data))(RedisCache.set_many)
    delete_many = _or(None)(RedisCache.delete_many)
    clear = _or(False)(RedisCache.clear)
