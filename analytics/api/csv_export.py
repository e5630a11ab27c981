"""CSV from the metrics endpoints: ``?format=csv`` or ``Accept: text/csv``. CsvRenderer writes what
a view answers: one row per period (the whole window first, with an empty period_start) or per
record; nested blocks become dotted columns (``change_lead_time.median_hours``). A view that
writes every record itself (flow records: records_csv) only reads which renderer was chosen.

Every CSV the product writes goes through write_csv, so every text cell passes csv_cell: a
spreadsheet would run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return ahead of one) as a formula, so such text gets a leading apostrophe and is shown as written.
Numbers the code writes stay numbers, negative ones included."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from rest_framework.renderers import BaseRenderer, JSONRenderer

CSV_CHUNK = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """One cell: text that a spreadsheet would take for a formula gets a leading apostrophe;
    None is empty; anything else (numbers, booleans) is written as it is."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(out, columns: Sequence[str], rows: Iterable[dict]) -> None:
    """A header, then each row (a dict; missing columns are empty, others ignored) cell by cell
    through csv_cell. Lines end in CRLF (RFC 4180), so a cell holding a lone CR or LF is quoted."""
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(column)) for column in columns])


def _flat(row: dict, prefix: str = "") -> dict:
    out: dict = {}
    for key, value in row.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            out[f"{prefix}{key}"] = ";".join(str(v) for v in value)
        else:
            out[f"{prefix}{key}"] = value
    return out


def csv_rows(data: dict) -> list[dict]:
    if "results" in data:
        return data["results"]
    if "series" in data:
        overall = {key: value for key, value in data.items() if key not in ("series", "window")}
        return [{"period_start": "", "days": data["window"]["days"], **overall}, *data["series"]]
    return [data]


class CsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows = [_flat(row) for row in csv_rows(data or {})]
        columns = list(dict.fromkeys(key for row in rows for key in row))
        buffer = io.StringIO()
        write_csv(buffer, columns, rows)
        return buffer.getvalue().encode(self.charset)


class CsvExportMixin:
    """JSON by default, CSV on request; errors always answer in the one JSON error shape."""

    renderer_classes = [JSONRenderer, CsvRenderer]

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


def records_csv(records, filename: str) -> HttpResponse:
    """Every record of an analytics.flow.records.RecordSet as a CSV attachment, described
    CSV_CHUNK rows at a time (a fixed number of queries per chunk)."""
    out = io.StringIO()
    rows = records.rows
    chunks = range(0, len(rows) if isinstance(rows, list) else rows.count(), CSV_CHUNK)
    write_csv(out, records.columns,
              (row for offset in chunks for row in records.describe(list(rows[offset:offset + CSV_CHUNK]))))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
