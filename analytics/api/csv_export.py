"""CSV from the metrics endpoints: ``?format=csv`` or ``Accept: text/csv``. CsvRenderer writes what
a view answers: one row per period (the whole window first, with an empty period_start) or per
record; nested blocks become dotted columns (``change_lead_time.median_hours``). A view that
writes every record itself (flow records: records_csv) only reads which renderer was chosen."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from rest_framework.renderers import BaseRenderer, JSONRenderer

CSV_CHUNK = 500


def _flat(row: dict, prefix: str = "") -> dict:
    out: dict = {}
    for key, value in row.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            out[f"{prefix}{key}"] = ";".join(str(v) for v in value)
        else:
            out[f"{prefix}{key}"] = "" if value is None else value
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
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
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
    """Every record of an analytics.flow_records.RecordSet as a CSV attachment, described
    CSV_CHUNK rows at a time (a fixed number of queries per chunk)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=records.columns, extrasaction="ignore")
    writer.writeheader()
    rows = records.rows
    for offset in range(0, len(rows) if isinstance(rows, list) else rows.count(), CSV_CHUNK):
        for row in records.describe(list(rows[offset:offset + CSV_CHUNK])):
            writer.writerow({key: "" if row.get(key) is None else row.get(key) for key in records.columns})
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
