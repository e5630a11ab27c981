"""Read replicas (DATABASE_REPLICA_URLS): reads of read-only requests go to a streaming replica.

A request with a safe method (GET, HEAD, OPTIONS) reads through the ORM from a replica, unless:
- it wrote (the first write sends its later reads to the primary: they must see that write);
- its client (the same session or API token) made a request that wrote within the last
  DATABASE_PRIMARY_AFTER_WRITE_SECONDS: a replica may lag that far behind, and a person who just
  saved something expects to see it (the mark is in the cache, Redis: shared by every web node);
- a transaction is open on the primary (its reads must see its own writes and locks).
Sessions are always read from the primary (a sign-in's session is read by the next request).
Writes, tasks, commands and raw SQL on `django.db.connection` use the primary. The tenant context
applies on a replica as on the primary (every alias uses vsm.tenancy.postgresql).
"""

from __future__ import annotations

import hashlib
import random
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Writes that are bookkeeping of the request itself, not data its client reads next: an API
# token's last use (recorded once a minute) sends neither this request's nor the next ones' reads
# to the primary.
_BOOKKEEPING = frozenset({"tenancy.apitoken"})
# Read from the primary always: a session is written at sign-in and read on the very next request,
# which must not find a replica that has not replayed it yet (the person would be signed out).
_PRIMARY_READS = frozenset({"sessions.session"})
# The current request's {"replica": may read from one, "wrote": wrote}; None outside a request.
_request: ContextVar[dict | None] = ContextVar("sluice_replica_request", default=None)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        state = _request.get()
        if (state is None or not state["replica"] or state["wrote"] or model._meta.label_lower in _PRIMARY_READS
                or connections[DEFAULT_DB_ALIAS].in_atomic_block):
            return DEFAULT_DB_ALIAS
        return random.choice(settings.DATABASE_REPLICAS)

    def db_for_write(self, model, **hints):
        state = _request.get()
        if state is not None and model._meta.label_lower not in _BOOKKEEPING:
            state["wrote"] = True
        return DEFAULT_DB_ALIAS  # also for a row read from a replica and saved

    def allow_relation(self, obj1, obj2, **hints):
        return True  # a replica holds the primary's rows

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS


def _key(credential: str | None) -> str | None:
    return None if not credential else "sluice:primary-reads:" + hashlib.sha256(credential.encode()).hexdigest()


def _client(request) -> str | None:
    return _key(request.headers.get("Authorization") or request.COOKIES.get(settings.SESSION_COOKIE_NAME))


class ReplicaReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.DATABASE_REPLICAS:
            return self.get_response(request)
        client = _client(request)
        safe = request.method in SAFE_METHODS
        state = {"replica": safe and not (client and cache.get(client)), "wrote": False}
        token = _request.set(state)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        if state["wrote"] or not safe:
            # A session started or rotated here (a login) is the same person on the next request.
            issued = response.cookies.get(settings.SESSION_COOKIE_NAME)
            for key in {client, _key(issued.value if issued else None)} - {None}:
                cache.set(key, 1, timeout=settings.DATABASE_PRIMARY_AFTER_WRITE_SECONDS)
        return response
