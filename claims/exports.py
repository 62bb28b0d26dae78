"""Figure spreadsheets out: the DESIGN.md columns, streamed in any supported format.

The same rows serve the public list exports, the admin export and
`manage.py export_figures`, so an export is always also an import file.
"""

from collections.abc import Iterable, Iterator

from django.http import HttpResponse, StreamingHttpResponse

from claims import spreadsheets
from claims.parsing import period_cells

FIGURE_COLUMNS = ["id", "source", "metric", "subject", "period_start", "period_end", "value", "lower", "upper",
                  "qualifier", "unit", "value_text", "attributed_to", "status", "note", "dimensions"]
_FIGURE_VALUES = ["id", "source__slug", "metric_id", "subject__slug", "period_start", "period_end",
                  "period_precision", "value", "lower", "upper", "qualifier", "written_unit", "value_text",
                  "attributed_to__slug", "status", "note", "dimensions"]


def _in_order(queryset, keep_order: bool):
    """The queryset in its own order (a public list's sort, so the file matches the screen), else by id."""
    return queryset if keep_order and queryset.query.order_by else queryset.order_by("id")


def figure_rows(queryset, chunk_size: int = 5000, keep_order: bool = False, extra_values=()) -> Iterator[list]:
    """Rows in FIGURE_COLUMNS order, fetched in chunks (a server-side cursor on PostgreSQL); by id unless
    keep_order keeps the queryset's own order. extra_values are read too and follow the columns.

    Numbers come out in the unit the source wrote them in (a Gini written 27.01 percent is 27.01 with unit
    percent), so the row reads back as the same figure.
    """
    from claims.models import Metric

    metrics = {metric.pk: metric for metric in Metric.objects.all()}
    reading = _in_order(queryset, keep_order).values_list(*_FIGURE_VALUES, *extra_values)
    for row in reading.iterator(chunk_size=chunk_size):
        (pk, source, metric_id, subject, start, end, precision, value, lower, upper, qualifier, written_unit,
         value_text, attributed_to, status, note, dimensions) = row[:len(_FIGURE_VALUES)]
        metric = metrics[metric_id]
        if written_unit and (factor := metric.unit_factor(written_unit)):
            value, lower, upper = (None if n is None else n / factor for n in (value, lower, upper))
        first, last = period_cells(start, end, precision)
        yield [pk, source, metric.slug, subject, first, last, value, lower, upper, qualifier,
               written_unit or metric.unit, value_text, attributed_to or "", status, note, dimensions,
               *row[len(_FIGURE_VALUES):]]


CLAIM_COLUMNS = ["id", "source", "quote", "speaker", "status", "anchor_start", "anchor_end", "note"]


def claim_rows(queryset, chunk_size: int = 2000, keep_order: bool = False) -> Iterator[list]:
    """Claim rows in CLAIM_COLUMNS order; the anchors are for reading (an import finds them again)."""
    for pk, source, quote, speaker, status, start, end, note in _in_order(queryset, keep_order).values_list(
            "id", "source__slug", "quote", "speaker__slug", "status", "anchor_start", "anchor_end", "note",
    ).iterator(chunk_size=chunk_size):
        yield [pk, source, quote, speaker or "", status, start, end, note]


def write_file(header: list[str], rows: Iterable[list], fmt: str, target, sheet_name: str = "figures") -> int:
    """Write rows to a binary file object (seekable or not) as they come; returns how many were written."""
    written = 0

    def counted(source):
        nonlocal written
        for row in source:
            written += 1
            yield row

    for chunk in spreadsheets.write_file_chunks(fmt, header, counted(rows), sheet_name=sheet_name):
        target.write(chunk)
    return written


def table_export_response(rows: Iterable[list], header: list[str], fmt: str, filename_stem: str) -> HttpResponse:
    """Stream the rows as a file download in any format: memory stays flat at any size."""
    chunks = spreadsheets.write_file_chunks(fmt, header, rows, sheet_name=filename_stem)
    response = StreamingHttpResponse(chunks, content_type=spreadsheets.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename_stem}.{fmt}"'
    return response


def figure_export_response(queryset, fmt: str, filename_stem: str = "figures",
                           keep_order: bool = False) -> HttpResponse:
    return table_export_response(figure_rows(queryset, keep_order=keep_order), FIGURE_COLUMNS, fmt, filename_stem)


def claim_export_response(queryset, fmt: str, filename_stem: str = "claims", keep_order: bool = False) -> HttpResponse:
    return table_export_response(claim_rows(queryset, keep_order=keep_order), CLAIM_COLUMNS, fmt, filename_stem)


# /compare/'s download: the figure columns (so it imports back), then what the page says of each figure: whether its
# comparison conflicts, whether it is the headline, and by which rule (the reader's `headline=`).
COMPARISON_COLUMNS = [*FIGURE_COLUMNS, "conflicting", "headline", "headline_rule"]


def comparison_export_response(found, rule: str, fmt: str) -> HttpResponse:
    """Every public figure of the comparisons `found` (a Comparison queryset), the most disagreeing comparison
    first as on the page, each comparison's figures by id."""
    from django.db.models import OuterRef, Subquery

    from claims.comparisons import HEADLINE_RULES, HeadlineFacts, headline
    from claims.models import COMPARISON_KEY, Figure

    match = found.filter(**{field: OuterRef(field) for field in COMPARISON_KEY})
    figures = (Figure.objects.public()
               .annotate(comparison_disagreement=Subquery(match.values("disagreement")[:1]),
                         comparison=Subquery(match.values("pk")[:1]))
               .filter(comparison__isnull=False).order_by("-comparison_disagreement", "comparison", "id"))

    def headlines() -> set[int]:
        """One pass over the figures' few facts: each comparison's headline."""
        chosen, group, current = set(), [], None
        facts = figures.values_list("comparison", "pk", "rank", "status", "origin_role", "value", "lower", "upper",
                                    "source__published_on")
        for comparison, *fields in facts.iterator(chunk_size=5000):
            if comparison != current and group:
                chosen.add(headline(group, rule).pk)
                group = []
            current = comparison
            group.append(HeadlineFacts(*fields))
        if group:
            chosen.add(headline(group, rule).pk)
        return chosen

    def rows():
        leading = headlines()
        for row in figure_rows(figures, keep_order=True, extra_values=("in_conflict",)):
            *columns, in_conflict = row
            yield [*columns, "yes" if in_conflict else "no", "yes" if columns[0] in leading else "no",
                   HEADLINE_RULES[rule]]

    return table_export_response(rows(), COMPARISON_COLUMNS, fmt, "comparisons")
