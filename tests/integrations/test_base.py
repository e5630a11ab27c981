"""Reading webhook bodies and timestamps: every failure says what is wrong and which status to answer."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from integrations.connectors import WEBHOOKS, parse_json_body
from integrations.connectors.base import PayloadError, from_epoch_ms, parse_timestamp, req
from tests.integrations.support import fixture_bytes, utc

PUSH = "github/push.branch.json"


def test_a_fixture_body_reads_as_json():
    body = parse_json_body(fixture_bytes(PUSH), "application/json; charset=utf-8")
    assert body["after"] == "199eddf46df50de8d02e99bf1c5fdb4101338224"


def test_truncated_body_says_so():
    raw = fixture_bytes(PUSH)
    for cut in (len(raw) // 2, len(raw) - 2, 1):
        with pytest.raises(PayloadError, match=r"^body is not valid JSON: .*; the body looks truncated$") as error:
            parse_json_body(raw[:cut], "application/json")
        assert error.value.status == 400


def test_malformed_body_names_the_position():
    with pytest.raises(PayloadError, match=r"not valid JSON: Expecting property name enclosed in double quotes "
                                           r"\(line 1, column 2\)$"):
        parse_json_body(b"{'single': 'quotes'}", "application/json")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None, ""])
def test_wrong_content_type_is_415(content_type):
    with pytest.raises(PayloadError, match="is not application/json") as error:
        parse_json_body(fixture_bytes(PUSH), content_type)
    assert error.value.status == 415


def test_json_suffix_types_are_json():
    assert parse_json_body(b'{"a": 1}', "application/vnd.github+json") == {"a": 1}


def test_github_form_payload_is_read():
    raw = fixture_bytes(PUSH)
    form = urlencode({"payload": raw.decode()}).encode()

    assert parse_json_body(form, "application/x-www-form-urlencoded", form_field="payload") == json.loads(raw)
    with pytest.raises(PayloadError, match="no 'payload' field"):
        parse_json_body(b"other=1", "application/x-www-form-urlencoded", form_field="payload")


@pytest.mark.parametrize(("raw", "message"), [(b"", "body is empty"), (b"   ", "body is empty"),
                                              (b"[1, 2]", "must be a JSON object, got list"),
                                              (b"\xff\xfe{}", "not UTF-8")])
def test_empty_non_object_or_undecodable_body(raw, message):
    with pytest.raises(PayloadError, match=message):
        parse_json_body(raw, "application/json")


def test_huge_body_is_413_before_parsing():
    with pytest.raises(PayloadError, match="body of 2049 bytes exceeds the limit of 2048 bytes") as error:
        parse_json_body(b" " * 2049, "application/json", max_bytes=2048)
    assert error.value.status == 413


@pytest.mark.parametrize(("raw", "expected"), [
    ("2012-12-07T15:25:45.000+0100", utc(2012, 12, 7, 14, 25, 45)),  # Jira: offset without colon
    ("2013-12-03T17:23:34Z", utc(2013, 12, 3, 17, 23, 34)),
    ("2018-06-15T13:01:51-07:00", utc(2018, 6, 15, 20, 1, 51)),
    ("2016-08-12 15:23:28 UTC", utc(2016, 8, 12, 15, 23, 28)),  # GitLab pipelines
    ("2021-04-28 21:50:00 +0200", utc(2021, 4, 28, 19, 50)),  # GitLab deployments
    ("2016-04-19 18:51:32 GMT", utc(2016, 4, 19, 18, 51, 32)),  # Jenkins change sets
    ("2022-01-06 12:12:43", utc(2022, 1, 6, 12, 12, 43)),  # ServiceNow: UTC without a zone
    ("2021-08-05T10:26:08.000Z", utc(2021, 8, 5, 10, 26, 8)),
    ("", None), (None, None),
])
def test_timestamps_of_every_source(raw, expected):
    parsed = parse_timestamp(raw, "when")
    assert parsed == expected
    assert parsed is None or parsed.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("raw", ["yesterday", "2019-1-30 15:51:34,870", 1452812797049])
def test_bad_timestamp_names_the_field(raw):
    with pytest.raises(PayloadError, match="^issue.fields.updated: ") as error:
        parse_timestamp(raw, "issue.fields.updated")
    assert error.value.field == "issue.fields.updated"


def test_epoch_milliseconds():
    assert from_epoch_ms(1452812797049, "timestamp") == utc(2016, 1, 14, 23, 6, 37, 49000)
    with pytest.raises(PayloadError, match="must be epoch milliseconds"):
        from_epoch_ms("1452812797049", "timestamp")


def test_required_path_through_lists():
    body = {"commits": [{"id": "a"}, {"author": None}]}
    assert req(body, "commits", 0, "id") == "a"
    with pytest.raises(PayloadError, match=r"^commits\[1\]\.author: missing"):
        req(body, "commits", 1, "author")


@pytest.mark.parametrize("kind", sorted(WEBHOOKS))
def test_every_webhook_connector_has_the_same_interface(kind):
    module = WEBHOOKS[kind]
    assert {"event_name", "verify_webhook", "parse_webhook"} <= set(dir(module))
    parsed = module.parse_webhook("no-such-event", {}, {})
    assert parsed.records == () and parsed.ignored
