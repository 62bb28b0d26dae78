from itertools import pairwise

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from claims import anchors
from claims.models import COMPARISON_KEY, Claim, Comparison, Figure, Review
from claims.views import FilteredListView
from sources.filters import SOURCE_SORTS, SourceFilter
from sources.models import Outlet, Source

SOURCE_COLUMNS = ["slug", "title", "kind", "outlet", "authors", "published_on", "published_precision", "language",
                  "url", "archived_url", "reliability"]


@require_safe
def home(request):
    context = {
        "conflicts": Comparison.objects.filter(conflicting=True).select_related("metric", "subject")
        .by_disagreement()[:5],
        "sources": Source.objects.public().select_related("outlet").order_by("-published_on", "title")[:8],
    }
    return render(request, "home.html", context)


class SourceListView(FilteredListView):
    filterset_class = SourceFilter
    template_name = "sources/source_list.html"
    paginate_by = 30
    select_related = ("outlet",)
    facets = (("outlet", "Outlet", "outlet_id", (Outlet, "slug", "name")),
              ("kind", "Kind", "kind", dict(Source.Kind.choices)), ("language", "Language", "language", None))
    snippet_field = "text"

    deferred = ("text", "search_vector")

    def base_queryset(self):
        return Source.objects.public()

    def export(self, queryset, fmt):
        from claims.exports import table_export_response

        rows = (
            [slug, title, kind, outlet or "", authors, published_on, precision, language, url, archived, grade]
            for slug, title, kind, outlet, authors, published_on, precision, language, url, archived, grade
            in queryset.order_by("id").values_list(
                "slug", "title", "kind", "outlet__slug", "authors", "published_on", "published_precision",
                "language", "url", "archived_url", "reliability",
            ).iterator(chunk_size=2000)
        )
        return table_export_response(rows, SOURCE_COLUMNS, fmt, "sources")

    def extra_context(self, filterset):
        return {"sorts": SOURCE_SORTS, "kinds": Source.Kind.choices,
                "selected_outlets": filterset.data.getlist("outlet")}


@require_safe
def source_detail(request, slug: str):
    source = get_object_or_404(Source.objects.public().select_related("outlet"), slug=slug)
    claims = list(source.claims.public().select_related("speaker").order_by("anchor_start", "id"))
    figures = list(source.figures.public().select_related("metric", "subject", "attributed_to", "claim")
                   .order_by("anchor_start", "id"))
    keys = Q()
    for figure in figures:
        keys |= Q(**{field: getattr(figure, field) for field in COMPARISON_KEY})
    compared = {}
    if figures:
        compared = {c.key: c for c in Comparison.objects.filter(keys)}
    for figure in figures:
        figure.comparison = compared.get(tuple(getattr(figure, field) for field in COMPARISON_KEY))
    context = {
        "source": source, "claims": claims, "figures": figures,
        "text": annotated_text(source.text, claims, figures),
        "cited_by": cited_by(source),
        "compared_with": compared_with(source, figures) if compared else [],
    }
    return render(request, "sources/source_detail.html", context)


def cited_by(source) -> list:
    """Reviews that name this source as evidence, with what they judged (a query, at most 50 rows)."""
    reviews = (Review.objects.filter(evidence=source)
               .filter(Q(claim__in=Claim.objects.public()) | Q(figure__in=Figure.objects.public()))
               .select_related("claim__source", "figure__source", "figure__metric").order_by("-reviewed_at")[:50])
    return list(reviews)


def compared_with(source, figures) -> list:
    """Other sources with figures in the same comparisons as this source's, most shared first."""
    keys = Q()
    for figure in figures:
        if figure.comparison is not None:
            keys |= Q(**{f"figures__{field}": getattr(figure, field) for field in COMPARISON_KEY})
    return list(
        Source.objects.public().exclude(pk=source.pk).filter(keys)
        .filter(figures__in=Figure.objects.public())
        .annotate(shared=Count("figures", distinct=True)).order_by("-shared", "title").defer("text")[:20]
    )


def annotated_text(text: str, claims, figures) -> SafeString:
    """The full text with each anchored claim and figure marked in place and linked to its record.

    Spans may nest (a figure inside a quoted claim): the text is cut at every span boundary
    and each piece is wrapped by whatever covers it, so the HTML always nests properly.
    """
    claim_spans = [(c.anchor_start, c.anchor_end, c) for c in claims
                   if anchors.matches(text, c.quote, c.anchor_start, c.anchor_end)]
    figure_spans = [(f.anchor_start, f.anchor_end, f) for f in figures
                    if anchors.matches(text, f.value_text, f.anchor_start, f.anchor_end)]
    cuts = sorted({0, len(text), *(n for s, e, _ in claim_spans + figure_spans for n in (s, e))})
    started = set()
    pieces = []
    for start, end in pairwise(cuts):
        piece = escape(text[start:end])
        figure = next((f for s, e, f in figure_spans if s <= start and end <= e), None)
        claim = next((c for s, e, c in claim_spans if s <= start and end <= e), None)
        if figure is not None:
            anchor_id = f"figure-{figure.pk}" if ("f", figure.pk) not in started else ""
            started.add(("f", figure.pk))
            piece = format_html(
                '<a class="figure-mark" href="{}"{}title="{}: {}">{}</a>', figure.get_absolute_url(),
                format_html(' id="{}" ', anchor_id) if anchor_id else mark_safe(" "),
                figure.metric.name, figure.bounds_display, piece,
            )
        if claim is not None:
            anchor_id = f"claim-{claim.pk}" if ("c", claim.pk) not in started else ""
            started.add(("c", claim.pk))
            attributes = format_html(' id="{}"', anchor_id) if anchor_id else ""
            if figure is None:
                piece = format_html('<a class="claim-mark" href="{}"{}>{}</a>', claim.get_absolute_url(), attributes,
                                    piece)
            else:
                piece = format_html('<mark class="claim-mark"{}>{}</mark>', attributes, piece)
        pieces.append(str(piece))
    return mark_safe("".join(pieces))
