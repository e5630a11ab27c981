"""A push to the organization's configuration repository: fetch the file at the pushed commit,
plan it (and apply it, unless a person must approve), and report the result on the commit as a
status, through the connection's credentials and the guarded outbound client (write-back's
ToolWriter)."""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from urllib.parse import quote

from django.db.models.signals import post_save
from django.dispatch import receiver

from integrations.connectors.http import ConnectorHTTPError
from integrations.models import WebhookDelivery
from integrations.sync.writeback_http import ToolWriter
from orgconfig.models import ChangeSet, RepositorySource
from orgconfig.services import config_apply, config_plan
from vsm.errors import DomainError
from vsm.tenancy.actor import Actor
from vsm.tenancy.tasks import enqueue

logger = logging.getLogger(__name__)
PUSH_EVENTS = {"github": "push", "gitlab": "Push Hook"}
CONTEXT = "sluice/config"
DESCRIPTION_MAX = 140  # GitHub's limit for a status description


@dataclass(frozen=True)
class Push:
    sha: str
    files: frozenset[str]


def pushed(source: RepositorySource, body: dict) -> Push | None:
    """The commit to act on, when the push went to the source's branch and repository."""
    if body.get("ref") != f"refs/heads/{source.branch}":
        return None
    if source.connection.kind == "github":
        repository, sha = (body.get("repository") or {}).get("full_name"), body.get("after")
    else:
        project = body.get("project") or {}
        repository = (project.get("path_with_namespace") if source.repository != str(body.get("project_id"))
                      else source.repository)
        sha = body.get("checkout_sha") or body.get("after")
    if repository != source.repository or not sha:
        return None
    files = frozenset(name for commit in body.get("commits") or [] for key in ("added", "modified")
                      for name in commit.get(key) or [])
    return Push(sha, files)


def _paths(source: RepositorySource, sha: str) -> tuple[str, str]:
    """The API paths of the file at `sha` and of the commit's statuses."""
    if source.connection.kind == "github":
        return (f"/repos/{source.repository}/contents/{quote(source.path)}?ref={sha}",
                f"/repos/{source.repository}/statuses/{sha}")
    project = quote(source.repository, safe="")
    return (f"/projects/{project}/repository/files/{quote(source.path, safe='')}?ref={sha}",
            f"/projects/{project}/statuses/{sha}")


def _status(source: RepositorySource, state: str, description: str) -> dict:
    description = description[:DESCRIPTION_MAX]
    if source.connection.kind == "github":
        return {"state": state, "description": description, "context": CONTEXT}
    return {"state": {"failure": "failed"}.get(state, state), "description": description, "name": CONTEXT}


def _outcome(source: RepositorySource, data: bytes, sha: str) -> tuple[str, str]:
    actor = Actor.for_system("configuration repository")
    try:
        if source.apply_on_push:
            _change_set, plan = config_apply(actor=actor, data=data, source=sha, origin=ChangeSet.Origin.REPOSITORY)
            return "success", f"Applied {len(plan)} change(s)." if plan else "No changes."
        plan = config_plan(actor=actor, data=data)
        if not plan:
            return "success", "No changes."
        return "pending", f"{len(plan)} change(s) planned; a person applies them (sluice config apply)."
    except DomainError as error:
        return "failure", error.message


def config_push(*, delivery_id: int) -> str | None:
    """Act on a stored push delivery (run by orgconfig.tasks.config_push_task): the commit status
    reported, or None when the push does not concern the organization's file."""
    delivery = WebhookDelivery.objects.select_related("connection").filter(pk=delivery_id).first()
    source = RepositorySource.objects.select_related("connection").filter(
        connection_id=getattr(delivery, "connection_id", None)).first()
    if delivery is None or source is None:
        return None
    push = pushed(source, json.loads(delivery.body or "{}"))
    if push is None or source.path not in push.files:
        return None
    file_path, status_path = _paths(source, push.sha)
    writer = ToolWriter(source.connection)
    try:
        content = (writer.send("GET", file_path) or {}).get("content") or ""
        state, description = _outcome(source, base64.b64decode(content), push.sha)
        writer.send("POST", status_path, _status(source, state, description))
    except ConnectorHTTPError as error:
        logger.warning("configuration push not reported: %s", error)
        return None
    finally:
        writer.close()
    return state


@receiver(post_save, sender=WebhookDelivery, dispatch_uid="orgconfig.push")
def on_delivery(sender, instance: WebhookDelivery, update_fields=None, **kwargs) -> None:
    """A processed push from a connection that carries the organization's file is acted on
    after commit, in a task (the webhook answers at once)."""
    if not update_fields or "status" not in update_fields:
        return
    if instance.event not in PUSH_EVENTS.values():
        return
    if RepositorySource.objects.filter(connection_id=instance.connection_id).exists():
        from orgconfig import tasks  # here, not at the top: the tasks module imports this one

        enqueue(tasks.config_push_task, org_id=instance.organization_id, delivery_id=instance.pk)
