"""Query-string secrets are redacted from gunicorn's access log lines (the Dockerfile's
--logger-class) as from the JSON log lines."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from vsm.logredact import GunicornLogger, redact_query_secrets


def test_gunicorn_access_lines_carry_no_query_secret(capsys):
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", '%(h)s "%(r)s" %(s)s q=%(q)s')
    logger = GunicornLogger(config)
    environ = {"REQUEST_METHOD": "POST", "RAW_URI": "/hooks/7/?secret=s3cr3t-Value_1&page=2",
               "PATH_INFO": "/hooks/7/", "QUERY_STRING": "secret=s3cr3t-Value_1&page=2",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.9"}

    logger.access(SimpleNamespace(status="200 OK", headers=[], sent=2), SimpleNamespace(headers=[]), environ,
                  timedelta(milliseconds=12))

    line = capsys.readouterr().out
    assert line.strip() == '203.0.113.9 "POST /hooks/7/?secret=***&page=2 HTTP/1.1" 200 q=secret=***&page=2'


@pytest.mark.parametrize(("text", "redacted"), [
    ("<WSGIRequest: POST '/hooks/3/?token=abc'>", "<WSGIRequest: POST '/hooks/3/?token=***'>"),
    ('"GET /x?a=1&Secret=abc%2F HTTP/1.1" 200', '"GET /x?a=1&Secret=*** HTTP/1.1" 200'),
    ("/x?webhook_secret=kept&tokens=kept", "/x?webhook_secret=kept&tokens=kept"),
])
def test_redact_query_secrets(text, redacted):
    assert redact_query_secrets(text) == redacted
