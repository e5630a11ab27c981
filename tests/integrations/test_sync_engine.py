"""The pull sync of a connection against local servers replaying the published fixtures: every
pull source end to end, resuming after a failure without loss or duplicates, secrets kept out of
errors, and two syncs of one connection at once."""

from __future__ import annotations

from functools import partial

import pytest
from django.apps import apps

from integrations.models import Connection, SyncRun, WorkItem, WorkItemTransition
from integrations.services import sync_runs
from integrations.sync import engine
from tests.integrations.factories import ConnectionFactory, SyncRunFactory
from tests.integrations.support import Reply
from tests.integrations.sync_support import CLIENT_OPTIONS, SOURCES, failing_once
from vsm.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db
JIRA = SOURCES["jira"]
SN = SOURCES["servicenow"]


def make_connection(org, server, source, **extra):
    # GitLab takes a token (PRIVATE-TOKEN); the others are given a user and an API token (Basic).
    credentials = ('{"token": "glpat-s3cret"}' if source.kind == "gitlab"
                   else '{"username": "sync-bot", "password": "s3cret-api-token"}')
    return ConnectionFactory(organization=org, kind=source.kind, base_url=server.url, options=source.options,
                             credentials=credentials, **extra)


def sync(connection, **options):
    run = SyncRunFactory(organization=connection.organization, connection=connection)
    return engine.sync_run_execute(sync_run_id=run.pk, client_options={**CLIENT_OPTIONS, **options})


def count(model: str, org=None) -> int:
    return apps.get_model("integrations", model).objects.count()


@pytest.mark.parametrize("kind", list(SOURCES))
def test_each_pull_source_syncs_its_fixtures_into_rows_and_cursors(kind, server, org_a, org_b, in_org):
    source = SOURCES[kind]
    source.serve(server)
    with in_org(org_b):
        make_connection(org_b, server, source, name="B's twin")
    with in_org(org_a):
        connection = make_connection(org_a, server, source)
        run = sync(connection)
        connection.refresh_from_db()
        assert (run.status, run.error_message) == (SyncRun.Status.SUCCEEDED, "")
        assert count(source.model) == source.rows
        assert run.pages >= 2 and run.created >= source.rows
        assert set(connection.cursors) and all(connection.cursors.values())
        assert connection.last_synced_at == run.finished_at
        assert len(server.hits(source.list_path)) == run.pages
        headers = {name.lower(): value for name, value in server.hits(source.list_path)[0].headers.items()}
        assert headers.get("private-token") == "glpat-s3cret" or headers["authorization"].startswith("Basic ")
    with in_org(org_b):
        assert count(source.model) == 0


@pytest.mark.parametrize("kind", list(SOURCES))
def test_a_second_sync_adds_no_rows(kind, server, org_a, in_org):
    source = SOURCES[kind]
    source.serve(server)
    with in_org(org_a):
        connection = make_connection(org_a, server, source)
        sync(connection)
        again = sync(connection)
        assert again.status == SyncRun.Status.SUCCEEDED
        assert (count(source.model), again.created) == (source.rows, 0)


def test_ingest_failing_at_page_two_keeps_page_one_and_the_rerun_resumes_at_page_two(
        server, org_a, in_org, monkeypatch):
    JIRA.serve(server)
    real_ingest, calls = sync_runs.records_ingest, []

    def ingest_failing_on_page_two(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real_ingest(**kwargs)

    with in_org(org_a):
        connection = make_connection(org_a, server, JIRA)
        monkeypatch.setattr(sync_runs, "records_ingest", ingest_failing_on_page_two)
        failed = sync(connection)
        connection.refresh_from_db()
        assert (failed.status, failed.error_message) == (SyncRun.Status.FAILED, "database went away")
        assert (WorkItem.objects.count(), failed.pages, failed.fetched) == (3, 1, 3)
        assert connection.cursors["issues"]["start_at"] == 3

        monkeypatch.setattr(sync_runs, "records_ingest", real_ingest)
        resumed = sync(connection)
        assert resumed.status == SyncRun.Status.SUCCEEDED
        assert (resumed.pages, resumed.fetched) == (2, 5)
        assert WorkItem.objects.count() == 8
        assert WorkItemTransition.objects.values("work_item", "external_id").distinct().count() == \
            WorkItemTransition.objects.count()
    start_ats = [s.query["startAt"] for s in server.hits(JIRA.list_path)]
    assert start_ats == ["0", "3", "3", "6"]  # page two was fetched again after the failure, page one was not


def test_source_failing_at_page_two_resumes_there(server, org_a, in_org):
    SN.serve(server)
    failing_once(server, SN.list_path, at_call=2, status=502)
    with in_org(org_a):
        connection = make_connection(org_a, server, SN)
        failed = sync(connection, max_attempts=1)
        connection.refresh_from_db()
        assert failed.status == SyncRun.Status.FAILED
        assert "HTTP 502" in failed.error_message
        assert count("Incident") == 3
        assert connection.cursors["incident"] == {"since": "2024-03-01 10:00:00", "after_id": "0003"}

        resumed = sync(connection)
        assert (resumed.status, resumed.created, count("Incident")) == (SyncRun.Status.SUCCEEDED, 2, 5)


def test_a_failure_is_recorded_without_the_credentials(server, org_a, in_org):
    server.route(JIRA.list_path, lambda seen: Reply(401, {"echo": seen.headers["Authorization"]}))
    with in_org(org_a):
        connection = make_connection(org_a, server, JIRA)
        connection.credentials = '{"token": "pat-very-secret"}'
        connection.save()
        run = sync(connection)
    assert run.status == SyncRun.Status.FAILED
    assert "HTTP 401" in run.error_message
    assert "pat-very-secret" not in run.error_message
    assert "echo" not in run.error_message  # the answer's body is never reported


@pytest.mark.parametrize(("kind", "options", "message"), [
    ("generic", {}, "only receives webhooks"),
    ("github", {}, "name at least one of the repositories"),
])
def test_a_connection_that_cannot_pull_fails_with_the_reason(kind, options, message, org_a, in_org):
    with in_org(org_a):
        connection = ConnectionFactory(organization=org_a, kind=kind, options=options)
        run = sync(connection)
    assert run.status == SyncRun.Status.FAILED
    assert message in run.error_message


def test_a_finished_run_is_not_run_again(server, org_a, in_org):
    JIRA.serve(server)
    with in_org(org_a):
        connection = make_connection(org_a, server, JIRA)
        run = sync(connection)
        again = engine.sync_run_execute(sync_run_id=run.pk, client_options=CLIENT_OPTIONS)
    assert again.status == SyncRun.Status.SUCCEEDED
    assert len(server.hits(JIRA.list_path)) == run.pages


@pytest.mark.django_db(transaction=True)
def test_two_syncs_of_one_connection_at_once_leave_the_rows_of_one(server, org_a, race):
    # Slow pages make the two runs overlap unless the lock keeps them apart.
    def slow(seen, respond=None):
        reply = respond(seen)
        reply.delay = 0.05
        return reply
    JIRA.serve(server)
    server.routes[JIRA.list_path] = lambda seen, respond=server.routes[JIRA.list_path]: slow(seen, respond)
    with tenant_context(org_a):
        connection = make_connection(org_a, server, JIRA)
        runs = [SyncRunFactory(organization=org_a, connection=connection).pk for _ in range(2)]
    _, errors = race(org_a, [partial(engine.sync_run_execute, sync_run_id=run_id, client_options=CLIENT_OPTIONS)
                             for run_id in runs], timeout=30)
    assert errors == []
    with tenant_context(org_a):
        first, second = sorted(SyncRun.objects.filter(pk__in=runs), key=lambda r: r.started_at)
        assert first.status == second.status == SyncRun.Status.SUCCEEDED
        assert second.started_at >= first.finished_at  # the second waited for the first
        assert WorkItem.objects.count() == 8
        assert first.created + second.created == 8
        assert Connection.objects.get(pk=connection.pk).cursors["issues"].keys() == {"since"}
