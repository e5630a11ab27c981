"""The fail-open pieces on their own: every cache operation against an unreachable Redis answers
as an empty cache would, the same backend works normally against a live one, and an outage is
counted every time but logged once per interval."""

from __future__ import annotations

import logging

import pytest
import redis

from vsm import failopen
from vsm.cache import FailOpenRedisCache

UNREACHABLE = "redis://127.0.0.1:1/0"


def exercise(cache) -> dict:
    """Every cache operation, with what each answered."""
    answers = {
        "add": cache.add("k", 1), "set": cache.set("k", 2), "get": cache.get("k", "default"),
        "get_many": cache.get_many(["k", "j"]), "has_key": cache.has_key("k"), "touch": cache.touch("k"),
        "set_many": cache.set_many({"a": 1, "b": 2}), "get_or_set": cache.get_or_set("c", 7),
    }
    try:
        answers["incr"] = cache.incr("k")
    except ValueError:
        answers["incr"] = "missing"
    answers["delete"] = cache.delete("k")
    answers["delete_many"] = cache.delete_many(["a", "b"])
    answers["clear"] = cache.clear()
    return answers


def test_an_unreachable_redis_is_an_empty_cache_and_every_operation_is_counted():
    before = failopen.fail_open_counts().get("cache", 0)
    answers = exercise(FailOpenRedisCache(UNREACHABLE, {}))
    assert answers == {"add": False, "set": None, "get": "default", "get_many": {}, "has_key": False,
                       "touch": False, "set_many": ["a", "b"], "get_or_set": 7, "incr": "missing",
                       "delete": False, "delete_many": None, "clear": False}
    # get_or_set is a get, an add and a get again: 14 operations reached Redis and failed.
    assert failopen.fail_open_counts()["cache"] - before == 14


@pytest.mark.redis
def test_the_same_backend_against_a_live_redis_is_a_cache(own_redis):
    answers = exercise(FailOpenRedisCache(own_redis.url, {}))
    assert answers == {"add": True, "set": None, "get": 2, "get_many": {"k": 2}, "has_key": True,
                       "touch": True, "set_many": [], "get_or_set": 7, "incr": 3, "delete": True,
                       "delete_many": None, "clear": True}


def test_an_outage_is_counted_every_time_and_logged_once_per_interval(caplog, monkeypatch):
    caplog.set_level(logging.WARNING, logger="vsm.failopen")
    monkeypatch.setattr(failopen, "_last_logged", {})
    monkeypatch.setattr(failopen, "LOG_EVERY_SECONDS", 3600.0)
    error = redis.ConnectionError("refused")
    before = failopen.fail_open_counts().get("test component", 0)
    for _ in range(3):
        failopen.fail_open("test component", error)
    monkeypatch.setattr(failopen, "LOG_EVERY_SECONDS", 0.0)  # the interval is over
    failopen.fail_open("test component", error)
    logged = [r for r in caplog.records if r.name == "vsm.failopen"]
    assert [(r.levelname, r.fail_open_total - before) for r in logged] == [("WARNING", 1), ("WARNING", 4)]
    assert logged[0].getMessage() == "redis unreachable, test component fails open"
    assert failopen.fail_open_counts()["test component"] - before == 4
