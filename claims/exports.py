"""Figure spreadsheets out: the DESIGN.md columns, streamed in any supported format.

The same rows serve the public list exports, the admin export and
`manage.py export_figures`, so an export is always also an import file.
"""

import tempfile
from collections.abc import Iterable, Iterator

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

from claims import spreadsheets
from claims.parsing import period_cells

FIGURE_COLUMNS = ["id", "source", "metric", "subject", "period_start", "period_end", "value", "lower", "upper",
                  "qualifier", "unit", "value_text", "attributed_to", "status", "note", "dimensions"]
_FIGURE_VALUES = ["id", "source__slug", "metric_id", "subject__slug", "period_start", "period_end",
                  "period_precision", "value", "lower", "upper", "qualifier", "written_unit", "value_text",
                  "attributed_to__slug", "status", "note", "dimensions"]


def figure_rows(queryset, chunk_size: int = 5000) -> Iterator[list]:
    """Rows in FIGURE_COLUMNS order, fetched in chunks (a server-side cursor on PostgreSQL).

    Numbers come out in the unit the source wrote them in (a Gini written 27.01 percent is 27.01 with unit
    percent), so the row reads back as the same figure.
    """
    from claims.models import Metric

    metrics = {metric.pk: metric for metric in Metric.objects.all()}
    for row in queryset.order_by("id").values_list(*_FIGURE_VALUES).iterator(chunk_size=chunk_size):
        (pk, source, metric_id, subject, start, end, precision, value, lower, upper, qualifier, written_unit,
         value_text, attributed_to, status, note, dimensions) = row
        metric = metrics[metric_id]
        if written_unit and (factor := metric.unit_factor(written_unit)):
            value, lower, upper = (None if n is None else n / factor for n in (value, lower, upper))
        first, last = period_cells(start, end, precision)
        yield [pk, source, metric.slug, subject, first, last, value, lower, upper, qualifier,
               written_unit or metric.unit, value_text, attributed_to or "", status, note, dimensions]


CLAIM_COLUMNS = ["id", "source", "quote", "speaker", "status", "anchor_start", "anchor_end", "note"]


def claim_rows(queryset, chunk_size: int = 2000) -> Iterator[list]:
    """Claim rows in CLAIM_COLUMNS order; the anchors are for reading (an import finds them again)."""
    for pk, source, quote, speaker, status, start, end, note in queryset.order_by("id").values_list(
            "id", "source__slug", "quote", "speaker__slug", "status", "anchor_start", "anchor_end", "note",
    ).iterator(chunk_size=chunk_size):
        yield [pk, source, quote, speaker or "", status, start, end, note]


def write_file(header: list[str], rows: Iterable[list], fmt: str, target) -> int:
    """Write rows to a binary file object; returns how many were written."""
    written = 0

    def counted(source):
        nonlocal written
        for row in source:
            written += 1
            yield row

    rows = counted(rows)
    if fmt == "csv":
        for chunk in spreadsheets.write_csv(header, rows):
            target.write(chunk.encode("utf-8"))
    elif fmt == "json":
        for chunk in spreadsheets.write_json(header, rows):
            target.write(chunk.encode("utf-8"))
    elif fmt == "xlsx":
        spreadsheets.write_xlsx(header, rows, target)
    elif fmt == "ods":
        spreadsheets.write_ods(header, rows, target)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return written


def table_export_response(rows: Iterable[list], header: list[str], fmt: str, filename_stem: str) -> HttpResponse:
    filename = f"{filename_stem}.{fmt}"
    if fmt in ("csv", "json"):
        writer = spreadsheets.write_csv if fmt == "csv" else spreadsheets.write_json
        response = StreamingHttpResponse(writer(header, rows), content_type=spreadsheets.CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    # Zip-based formats need a seekable file; spool to disk beyond a few MB to keep memory flat.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    write_file(header, rows, fmt, spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=spreadsheets.CONTENT_TYPES[fmt])


def figure_export_response(queryset, fmt: str, filename_stem: str = "figures") -> HttpResponse:
    return table_export_response(figure_rows(queryset), FIGURE_COLUMNS, fmt, filename_stem)


def claim_export_response(queryset, fmt: str, filename_stem: str = "claims") -> HttpResponse:
    return table_export_response(claim_rows(queryset), CLAIM_COLUMNS, fmt, filename_stem)
