"""Resolving the raw names sources use (a repository's full name, a GitLab project path, an
environment name, a release version) to catalog rows, once per ingested batch."""

from __future__ import annotations

import functools

from django.db.models import Q
from django.utils.text import slugify

from environments.models import Environment
from integrations.services._batch import lock
from releases.models import Release
from vsm.audit.services import audit_record, snapshot
from vsm.catalog.models import Service
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import require_org_id

_SLUG_MAX = Service._meta.get_field("slug").max_length


def _last_segment(raw: str) -> str:
    return raw.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")


def _repo_tail(url: str) -> str:
    return url.strip().rstrip("/").removesuffix(".git").lower()


class Catalog:
    """Services and environments of the organization, indexed by every name a source may use.
    Each is loaded once per batch (one query) when a record first names one, so resolving is free
    per record and a batch that names none (most tracker pages) pays nothing."""

    def __init__(self, *, actor: Actor, source: str):
        self.actor = actor
        self.source = source
        self._names: dict[str, Service] | None = None  # by lowered slug and name, once loaded
        self._repos: list[tuple[str, Service]] = []
        self._resolved: dict[str, Service | None] = {}

    def _services(self) -> dict[str, Service]:
        if self._names is None:
            self._names = {}
            for service in Service.objects.all():
                self._index(service)
        return self._names

    @functools.cached_property
    def _environments(self) -> dict[str, Environment]:
        found: dict[str, Environment] = {}
        for env in Environment.objects.all():
            for name in (env.slug.lower(), env.name.lower()):
                found.setdefault(name, env)
        return found

    def _index(self, service: Service) -> None:
        for name in (service.slug.lower(), service.name.lower()):
            self._names.setdefault(name, service)
        if service.repository_url:
            self._repos.append((_repo_tail(service.repository_url), service))

    def _match(self, raw: str) -> Service | None:
        names = self._services()
        lowered = raw.strip().lower()
        if lowered in names:
            return names[lowered]
        for tail, service in self._repos:
            if tail.endswith("/" + lowered.strip("/")):
                return service
        segment = _last_segment(lowered)
        return names.get(segment) or names.get(slugify(segment))

    def service(self, raw: str | None, *, create: bool) -> Service | None:
        """The service a raw name means. With ``create``, an unknown one is created (delivery
        records name the repositories that deploy) and audited."""
        if not raw or not raw.strip():
            return None
        key = f"{create}:{raw}"
        if key not in self._resolved:
            service = self._match(raw)
            if service is None and create:
                service = self._create(raw)
            self._resolved[key] = service
        return self._resolved[key]

    def _create(self, raw: str) -> Service:
        name = _last_segment(raw.strip())[:120] or raw.strip()[:120]
        slug = slugify(name)[:_SLUG_MAX].strip("-") or "service"
        # Two batches may meet the same new repository at once: the lock makes the second one
        # find the first one's row instead of failing on the unique slug.
        lock([f"service:{require_org_id()}:{slug}"])
        service = Service.objects.filter(slug=slug).first()
        if service is None:
            service = Service.objects.create(
                name=name, slug=slug, description=f"Created when {self.source} data first named {raw.strip()!r}.")
            audit_record(actor=self.actor, action="service.created_from_delivery", instance=service,
                         after=snapshot(service), message=f"first named by {self.source} as {raw.strip()!r}")
        self._index(service)
        return service

    def environment(self, raw: str | None) -> Environment | None:
        if not raw:
            return None
        lowered = raw.strip().lower()
        return self._environments.get(lowered) or self._environments.get(slugify(lowered))


def releases_by_name(raws: set[str]) -> dict[str, Release]:
    """Releases named by version or by name (the version wins; the newest of equals wins)."""
    if not raws:
        return {}
    rows = list(Release.objects.filter(Q(version__in=raws) | Q(name__in=raws)).order_by("-id"))
    found: dict[str, Release] = {}
    for attr in ("version", "name"):
        for release in rows:
            if getattr(release, attr) in raws:
                found.setdefault(getattr(release, attr), release)
    return found
