"""The value stream map's stored delivery events (analytics.WorkKeyDelivery) are written by the
derivation: a pull request's arrival marks its service for derivation, each derivation recomputes
the keys whose events may have moved since its ``since``, a replay rewrites nothing, and an item
that arrives after its pull requests reads them by key."""

from __future__ import annotations

from django.db import connection
from django.http import QueryDict

from analytics.models import WorkKeyDelivery
from analytics.query import metric_query_parse
from analytics.streammap.selectors import value_stream_map_records
from integrations import normalized as n
from integrations.derivation import delivery_derive
from integrations.models import DerivationPending, PullRequest
from integrations.services.ingest import records_ingest
from tests.analytics.flow_support import item, utc
from tests.analytics.vsm_support import Delivery, golden_history
from vsm.tenancy.context import tenant_context

EVENTS = ("pr_opened", "pr_first_review", "pr_merged", "first_test_deploy", "production_deploy",
          "production_started", "waiting")


def _stored(org, key: str) -> dict | None:
    with tenant_context(org):
        return WorkKeyDelivery.objects.filter(key=key).values(*EVENTS).first()


def _versions(org) -> dict[str, str]:
    """Each stored row's xmin: it moves whenever PostgreSQL rewrites the row."""
    with tenant_context(org), connection.cursor() as cursor:
        cursor.execute(f"SELECT key, xmin::text FROM {WorkKeyDelivery._meta.db_table}")
        return dict(cursor.fetchall())


def _spans(row: dict) -> list[tuple]:
    return [(span.lower, span.upper) for span in row["waiting"]]


def test_the_derivation_stores_each_keys_events_and_a_replay_rewrites_nothing(org_a, org_b):
    golden = golden_history(org_a)
    golden_history(org_b)
    row = _stored(org_a, "ABC-2")
    # Two pull requests: the earliest opening, the latest merge, test and production deployment.
    assert {name: row[name] for name in EVENTS[:-1]} == {
        "pr_opened": utc("03-04 12:00"), "pr_first_review": utc("03-04 14:00"), "pr_merged": utc("03-05 20:00"),
        "first_test_deploy": utc("03-06 02:00"), "production_deploy": utc("03-07 11:00"),
        "production_started": utc("03-07 10:00")}
    # Review waits 12:00-14:00 and 03-05 08:00-20:00, test queues 16:00-03-05 00:00 and 20:00-03-06 00:00.
    assert _spans(row) == [(utc("03-04 12:00"), utc("03-04 14:00")), (utc("03-04 16:00"), utc("03-05 00:00")),
                           (utc("03-05 08:00"), utc("03-06 00:00"))]
    # ABC-1's abandoned pull request does not count: opened 03-02, not 03-01.
    assert _stored(org_a, "ABC-1")["pr_opened"] == utc("03-02 09:00")
    before = _versions(org_a)
    golden.derive()
    assert _versions(org_a) == before
    with tenant_context(org_a):
        assert sorted(WorkKeyDelivery.objects.values_list("key", flat=True)) == ["ABC-1", "ABC-2"]


def test_a_derivation_since_a_time_refreshes_the_keys_that_can_have_moved(org_a):
    d = Delivery(org_a)
    d.pull_request("ABC-1", "aaa", "03-02 09:00", reviewed="03-02 10:00", merged="03-02 12:00")
    d.pull_request("ABC-2", "bbb", "03-03 09:00", reviewed="03-03 10:00", merged="03-03 12:00")
    d.deploy("03-02 13:00", "03-02 14:00", ["aaa"])
    d.deploy("03-02 15:00", "03-02 16:00", ["aaa"], production=True)
    d.derive()
    assert _stored(org_a, "ABC-2")["first_test_deploy"] is None
    before = _versions(org_a)
    d.deploy("03-04 09:00", "03-04 10:00", ["bbb"])
    with tenant_context(org_a):
        delivery_derive(service_id=d.service.pk, since=utc("03-04 09:00"))
    assert _stored(org_a, "ABC-2")["first_test_deploy"] == utc("03-04 10:00")
    after = _versions(org_a)
    assert after["ABC-1"] == before["ABC-1"]  # complete, every event before `since`: not recomputed
    assert after["ABC-2"] != before["ABC-2"]


def test_a_key_whose_only_pull_request_was_abandoned_loses_its_row(org_a):
    d = Delivery(org_a)
    pull = d.pull_request("ABC-1", "", "03-02 09:00")
    d.derive()
    assert _stored(org_a, "ABC-1")["pr_opened"] == utc("03-02 09:00")
    with tenant_context(org_a):
        PullRequest.objects.filter(pk=pull.pk).update(state="closed", closed_at=utc("03-03 09:00"))
        delivery_derive(service_id=d.service.pk, since=utc("03-03 09:00"))
    assert _stored(org_a, "ABC-1") is None


def test_an_item_arriving_after_its_pull_requests_reads_their_events(org_a):
    d = Delivery(org_a)
    d.pull_request("ABC-7", "aaa", "03-04 09:00", reviewed="03-04 10:00", merged="03-04 12:00")
    d.deploy("03-05 09:00", "03-05 10:00", ["aaa"], production=True)
    d.derive()
    item(org_a, created="03-03 09:00", key="ABC-7", service=d.service, resolved="03-06 08:00",
         moves=[("03-04 08:00", "In Progress"), ("03-06 08:00", "Done")])
    data = QueryDict(mutable=True)
    data.update({"from": "2024-03-04", "to": "2024-03-12"})
    with tenant_context(org_a):
        rows = value_stream_map_records(query=metric_query_parse(params=data, org=org_a), event="")[0:10]
    assert [(row["key"], row["pr_merged"], row["production_deploy"]) for row in rows] == [
        ("ABC-7", utc("03-04 12:00"), utc("03-05 10:00"))]


def test_a_pull_request_marks_its_service_for_derivation(org_a):
    d = Delivery(org_a)
    record = n.NormalizedPullRequest(source=n.Source.GITHUB, external_id="pr-1", service=d.service.slug, number=1,
                                     title="ABC-1 pay", state=n.PullRequestState.OPEN, opened_at=utc("03-02 09:00"),
                                     work_item_keys=("ABC-1",))
    with tenant_context(org_a):
        records_ingest(connection=None, records=[record])
        marker = DerivationPending.objects.get()
        assert (marker.service_id, marker.since) == (d.service.pk, utc("03-02 09:00"))


def test_a_key_a_pull_request_stops_naming_is_recomputed(org_a):
    """An edit that names other keys: the key named before loses what this pull request gave it
    (here its row, nothing else names it), once, at the next derivation of the service."""
    d = Delivery(org_a)

    def pull_request(*keys: str) -> n.NormalizedPullRequest:
        return n.NormalizedPullRequest(source=n.Source.GITHUB, external_id="pr-1", service=d.service.slug, number=1,
                                       title="pay", state=n.PullRequestState.OPEN, opened_at=utc("03-02 09:00"),
                                       work_item_keys=keys)

    def ingest_and_derive(record: n.NormalizedPullRequest) -> None:
        with tenant_context(org_a):
            records_ingest(connection=None, records=[record])
            marker = DerivationPending.objects.get()
            delivery_derive(service_id=marker.service_id, since=marker.since)
            marker.delete()

    ingest_and_derive(pull_request("ABC-1", "ABC-2"))
    assert _stored(org_a, "ABC-1")["pr_opened"] == utc("03-02 09:00")
    ingest_and_derive(pull_request("ABC-2", "ABC-3"))
    assert _stored(org_a, "ABC-1") is None
    assert _stored(org_a, "ABC-3")["pr_opened"] == utc("03-02 09:00")
    with tenant_context(org_a):
        assert PullRequest.objects.get().work_item_keys_dropped == []  # handed over: recomputed once
    # A later edit naming it again brings its row back, and drops the other two.
    ingest_and_derive(pull_request("ABC-1"))
    assert _stored(org_a, "ABC-1")["pr_opened"] == utc("03-02 09:00")
    assert _stored(org_a, "ABC-2") is None and _stored(org_a, "ABC-3") is None
