"""Secrets in query strings stay out of the logs.

Jira Server can only authenticate its webhooks by a ``?secret=`` in the URL, and Django logs the
request of every 4xx/5xx answer (``django.request`` puts the request, whose repr is the full path,
on the record), the development server logs request lines, and gunicorn's access log writes the
raw URI. Each of those passes through a redaction here: the value of any ``secret`` or ``token``
query parameter becomes ``***``.

- :class:`JsonFormatter` is the formatter of the JSON log lines (settings.LOGGING).
- :class:`GunicornLogger` is gunicorn's logger class (``--logger-class`` in the Dockerfile).
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

# A parameter starts the query text, or follows "?", "&", a space or a quote (in a logged repr).
_SECRET_PARAMETER = re.compile(r"""(?<![^?&\s"'])((?:secret|token)=)[^&\s"'#\\]+""", re.IGNORECASE)


def redact_query_secrets(text: str) -> str:
    return _SECRET_PARAMETER.sub(r"\1***", text)


class JsonFormatter(_JsonFormatter):
    def format(self, record) -> str:
        return redact_query_secrets(super().format(record))


class GunicornLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        return {name: redact_query_secrets(value) if isinstance(value, str) else value
                for name, value in super().atoms(resp, req, environ, request_time).items()}
