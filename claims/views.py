"""The researchers' pages: read-only, public records only, every filtered view a permalink.

What is public: a source once its status is *published*; a claim or figure of a
published source unless it is a *draft* or *withdrawn* (every verdict — unverified,
verified, disputed, false, misleading, unverifiable — is public, so a false number
stays findable as false). Exports apply the same rule.
"""

from collections import Counter
from itertools import pairwise

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import EmptyPage, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from claims import anchors, comparisons, dimensions, review_queue
from claims.exports import CLAIM_COLUMNS, FIGURE_COLUMNS, claim_rows, comparison_export_response, figure_rows
from claims.filters import ClaimFilter, ComparisonFilter, FigureFilter
from claims.models import COMPARISON_KEY, Claim, Comparison, Entity, Figure, Metric, Review, Status
from factbase.listing import (
    BACKGROUND_FORMATS,
    EXPORT_FORMATS,
    CappedPaginator,
    FilteredListView,
    export_refused,
    page_number,
    without_empty_parameters,
)
from factbase.public_cache import cached_value, public_page
from factbase.throttling import export_wait
from sources.models import Outlet, Source


class FigureListView(FilteredListView):
    """/figures/: every number as its source reports it."""

    filterset_class = FigureFilter
    template_name = "claims/figure_list.html"
    filename_stem = "figures"
    select_related = ("source", "metric", "subject", "attributed_to")
    deferred = ("search_vector", "source__text", "source__search_vector")
    facets = (
        ("metric", "Metric", "metric_id", (Metric, "slug", "name")),
        ("subject", "Subject", "subject_id", (Entity, "slug", "name")),
        ("source", "Source", "source_id", (Source, "slug", "title")),
        ("outlet", "Outlet", "source__outlet_id", (Outlet, "slug", "name")),
        ("dimension", "Definition", "dimensions", dimensions.display),
        ("status", "Status", "status", dict(Status.choices)),
        ("year", "Year", "period_start", None),
    )
    derived_facets = ("dimension",)
    snippet_field = "value_text"

    def base_queryset(self):
        return Figure.objects.public()

    def facet_values(self, parameter, counts):
        if parameter != "dimension":
            return super().facet_values(parameter, counts)
        pairs = Counter()  # each key=value pair, from counts of whole definitions
        for text, n in counts.items():
            for key, value in dimensions.parse(text).items():
                pairs[f"{key}={value}"] += n
        return pairs

    def export_table(self, queryset):
        return figure_rows(queryset, keep_order=True), FIGURE_COLUMNS, "figures"


class ClaimListView(FilteredListView):
    filterset_class = ClaimFilter
    template_name = "claims/claim_list.html"
    filename_stem = "claims"
    select_related = ("source", "speaker")
    deferred = ("search_vector", "source__text", "source__search_vector")
    facets = (
        ("speaker", "Speaker", "speaker_id", (Entity, "slug", "name")),
        ("source", "Source", "source_id", (Source, "slug", "title")),
        ("outlet", "Outlet", "source__outlet_id", (Outlet, "slug", "name")),
        ("status", "Status", "status", dict(Status.choices)),
    )
    snippet_field = "quote"

    def base_queryset(self):
        return Claim.objects.public()

    def export_table(self, queryset):
        return claim_rows(queryset, keep_order=True), CLAIM_COLUMNS, "claims"


@require_safe
@public_page
def claim_detail(request, pk: int):
    claim = get_object_or_404(Claim.objects.public().select_related("source__outlet", "speaker"), pk=pk)
    context = {
        "claim": claim,
        "about": claim.about.all(),
        "figures": claim.figures.public().select_related("metric", "subject", "attributed_to"),
        "reviews": claim.reviews.prefetch_related(Prefetch("evidence", queryset=_public_sources())),
        "excerpt": excerpt(claim), "anchor_id": f"claim-{claim.pk}",
    }
    return with_review_link(request, claim, "claims/claim_detail.html", context)


@require_safe
@public_page
def figure_detail(request, pk: int):
    figure = get_object_or_404(
        Figure.objects.public().select_related("source__outlet", "metric", "subject", "attributed_to", "claim",
                                               "supersedes__source"),
        pk=pk,
    )
    comparison = Comparison.objects.filter(**{field: getattr(figure, field) for field in COMPARISON_KEY}).first()
    comparable = (Figure.objects.public().comparable_with(figure).exclude(pk=figure.pk)
                  .select_related("source", "attributed_to").order_by("id")[:50])
    context = {
        "figure": figure, "comparison": comparison, "comparable": comparable,
        "superseded_by": figure.superseded_by.public().select_related("source"),
        "supersedes": figure.supersedes if figure.supersedes_id and _is_public(figure.supersedes) else None,
        # A public figure may sit in a claim that is not public (a draft quote): then it is not named.
        "claim": figure.claim if figure.claim_id and Claim.objects.public().filter(pk=figure.claim_id).exists()
        else None,
        "reviews": figure.reviews.prefetch_related(Prefetch("evidence", queryset=_public_sources())),
        "excerpt": excerpt(figure), "anchor_id": f"figure-{figure.pk}",
    }
    return with_review_link(request, figure, "claims/figure_detail.html", context)


def with_review_link(request, record, template: str, context: dict):
    """The record's page; for a reviewer logged in to the admin, with "Review this". Such a page is theirs
    alone: it is marked private, so no shared cache hands it to anyone else (Vary: Cookie says the same)."""
    may_review = request.user.is_authenticated and review_queue.may_review(request.user)
    if may_review:
        context["review_url"] = review_queue.review_url(record)
    response = render(request, template, context)
    if may_review:
        patch_cache_control(response, private=True)
    return response


def _public_sources():
    return Source.objects.public()


def _is_public(figure) -> bool:
    return Figure.objects.public().filter(pk=figure.pk).exists()


def excerpt(record, width: int = 160) -> dict | None:
    """The record's anchored text with a little of the source around it, when the anchor still holds."""
    if not record.is_anchored:
        return None
    text = record.source.text
    start = max(0, record.anchor_start - width)
    end = min(len(text), record.anchor_end + width)
    return {"before": ("…" if start else "") + text[start:record.anchor_start],
            "quote": text[record.anchor_start:record.anchor_end],
            "after": text[record.anchor_end:end] + ("…" if end < len(text) else "")}


COMPARISONS_PER_PAGE = 10
ACROSS_LIMIT = 2000  # figures read to group across definitions; narrow by metric and subject for more


@require_safe
@public_page
def compare(request):
    """Comparisons, the most disagreeing first; `metric`, `subject` and `conflicting=1` narrow them, `headline`
    picks the rule that chooses each one's leading figure, and `across=1` (with a metric or a subject) shows
    figures that differ in definition side by side. `format=…` downloads every figure of every matching
    comparison, in that order, with the headline marked."""
    if (clean := without_empty_parameters(request)) is not None:
        return clean
    found = Comparison.objects.select_related("metric", "subject").by_disagreement()
    # metric, subject and conflicting are checked by the API's FilterSet (a NUL, a 100,000-character name or an
    # unknown slug is a reason, never a query error); the page keeps its own messages for them.
    form = ComparisonFilter(request.GET, queryset=found).form
    form.is_valid()
    errors = []
    metric_slug, subject_ref = request.GET.get("metric", ""), request.GET.get("subject", "")
    metric, subject = form.cleaned_data.get("metric"), form.cleaned_data.get("subject")
    if "metric" in form.errors:
        errors.append(f"No metric has the slug “{metric_slug}”.")
    elif metric is not None:
        found = found.filter(metric=metric)
    if "subject" in form.errors:
        errors.append(f"Subject: {' '.join(form.errors['subject'])}")
    elif subject is not None:
        found = found.filter(subject=subject)
    conflicting = request.GET.get("conflicting", "")
    if "conflicting" in form.errors:
        errors.append("conflicting: use 1 for conflicts only.")
    if conflicting == "1":
        found = found.filter(conflicting=True)
    rule = request.GET.get("headline") or comparisons.DEFAULT_HEADLINE
    if rule not in comparisons.HEADLINE_RULES:
        errors.append(f"headline: “{rule}” is no rule; use one of {', '.join(comparisons.HEADLINE_RULES)}.")
    fmt = request.GET.get("format", "")
    if fmt and fmt not in EXPORT_FORMATS:
        errors.append(f"Unknown format “{fmt}”: use one of {', '.join(EXPORT_FORMATS)}.")
    across = request.GET.get("across", "")
    if across not in ("", "1", "0"):
        errors.append("across: use 1 to see figures with different definitions side by side.")
    elif across == "1" and not errors and metric is None and subject is None:
        errors.append("To compare across definitions, choose a metric or a subject first.")
    context = {"metrics": Metric.objects.all(), "metric": metric, "subject": subject, "subject_ref": subject_ref,
               "conflicting": conflicting == "1", "across": across == "1", "errors": errors,
               "rule": rule, "rules": comparisons.HEADLINE_RULES,
               "rule_explained": comparisons.HEADLINE_EXPLAINED.get(rule, ""), "exports": EXPORT_FORMATS}
    if errors:
        return render(request, "claims/compare.html", {**context, "groups": []}, status=400)
    if fmt:
        if wait := export_wait(request):
            return export_refused(request, wait)
        if fmt in BACKGROUND_FORMATS and (
                count := found.aggregate(n=Sum("figure_count"))["n"] or 0) > settings.EXPORT_SHEET_INLINE_MAX_ROWS:
            return compare_download_too_big(request, fmt, count)
        return comparison_export_response(found, rule, fmt)
    if across == "1":
        return compare_across(request, context, metric, subject)
    paginator = CappedPaginator(found, COMPARISONS_PER_PAGE)
    page = _page(request, paginator)
    if page is None:
        return render(request, "claims/compare.html", {**context, "groups": [], "errors": ["No such page."]},
                      status=400)
    groups = list(page.object_list)
    with_figures(groups, rule)
    return render(request, "claims/compare.html", {**context, "groups": groups, "page": page,
                                                   "paginator": paginator, "open_figures": len(groups) == 1})


def with_figures(groups, rule: str = comparisons.DEFAULT_HEADLINE) -> None:
    """Set `figure_list` (public figures, by id) and `headline` (the figure the rule puts first) on each
    comparison: one query for all of them."""
    keys = Q()
    for group in groups:
        keys |= Q(**{field: getattr(group, field) for field in COMPARISON_KEY})
    figures = []
    if groups:
        figures = list(Figure.objects.public().filter(keys).select_related("source__outlet", "attributed_to")
                       .defer("search_vector", "source__text", "source__search_vector").order_by("id"))
    by_key = {}
    for figure in figures:
        by_key.setdefault(tuple(getattr(figure, field) for field in COMPARISON_KEY), []).append(figure)
    for group in groups:
        group.figure_list = by_key.get(group.key, [])
        lead = comparisons.headline([comparisons.HeadlineFacts.of(f) for f in group.figure_list], rule)
        group.headline = next((f for f in group.figure_list if lead and f.pk == lead.pk), None)


def compare_download_too_big(request, fmt: str, count: int):
    """A spreadsheet of every figure of many comparisons is not written inside a request: the streamed formats
    offered instead (the background jobs prepare the lists' downloads, not this page's)."""
    links = {}
    for streamed in ("csv", "json"):
        query = request.GET.copy()
        query["format"] = streamed
        links[f"{streamed}_url"] = f"{request.path}?{query.urlencode()}"
    return render(request, "claims/compare_download_too_big.html", {
        "count": count, "format": fmt.upper(), "limit": settings.EXPORT_SHEET_INLINE_MAX_ROWS, **links})


def compare_across(request, context, metric, subject):
    """One metric's or subject's figures grouped by period only: what different definitions say side by side."""
    figures = Figure.objects.public().select_related("metric", "subject", "source__outlet", "attributed_to").defer(
        "search_vector", "source__text", "source__search_vector")
    if metric is not None:
        figures = figures.filter(metric=metric)
    if subject is not None:
        figures = figures.filter(subject=subject)
    figures = list(figures.order_by("metric_id", "subject_id", "period_start", "period_end", "dimensions", "id")
                   [:ACROSS_LIMIT + 1])
    truncated = len(figures) > ACROSS_LIMIT
    groups = comparisons.across_definitions(figures[:ACROSS_LIMIT])
    paginator = Paginator(groups, COMPARISONS_PER_PAGE)
    page = _page(request, paginator)
    if page is None:
        return render(request, "claims/compare.html", {**context, "groups": [], "errors": ["No such page."]},
                      status=400)
    return render(request, "claims/compare.html", {**context, "groups": page.object_list, "page": page,
                                                   "paginator": paginator, "truncated": truncated,
                                                   "across_limit": ACROSS_LIMIT})


def _page(request, paginator):
    """The asked page; None for one that is not a page number, 404 past the end."""
    number = page_number(request.GET.get("page") or "1", 10_000)
    if number is None:
        return None
    try:
        return paginator.page(number)
    except EmptyPage as error:
        raise Http404("There is no such page.") from error


HOME_DISPUTED, HOME_LATEST = 4, 2


@require_safe
@public_page
def home(request):
    """What factbase holds, where sources disagree most (drawn), the newest comparisons and sources."""
    disputed = list(Comparison.objects.filter(conflicting=True).select_related("metric", "subject")
                    .by_disagreement()[:HOME_DISPUTED])
    latest = list(Comparison.objects.exclude(pk__in=[c.pk for c in disputed]).select_related("metric", "subject")
                  .order_by("-id")[:HOME_LATEST])
    with_figures(disputed + latest)
    context = {
        "counts": cache.get_or_set("home-counts", holdings, HOME_COUNTS_SECONDS),
        "disputed": disputed, "latest": latest, "rule": comparisons.HEADLINE_RULES[comparisons.DEFAULT_HEADLINE],
        "sources": Source.objects.public().select_related("outlet").defer("text", "search_vector")
        .order_by("-published_on", "title")[:6],
    }
    return render(request, "home.html", context)


HOME_COUNTS_SECONDS = 60  # counting a million figures takes a moment: the home page's counts may be a minute old


def holdings() -> dict:
    """How many public sources, figures, claims and reviews of public records there are."""
    figures, claims = Figure.objects.public(), Claim.objects.public()
    return {
        "sources": Source.objects.public().count(), "figures": figures.count(), "claims": claims.count(),
        "reviews": Review.objects.public().count(),
        "conflicts": Comparison.objects.filter(conflicting=True).count(),
    }


SOURCE_PAGE_ROWS = 100  # figures and claims a source's page lists (and marks in its text); the rest are a link away


@require_safe
@public_page
def source_detail(request, slug: str):
    """A source with its text, and the first SOURCE_PAGE_ROWS of its figures and claims in text order: the page
    costs the same for a source of 10,000 figures as for one of 100 (the lists link to every one).

    What it shows is public data, the same for everyone: read once per generation of the data and kept in the
    shared cache, for anyone's page (a curator's too; the page itself is rendered for each of them)."""
    context = cached_value("source-page", (slug,), lambda: source_page(slug))
    return render(request, "sources/source_detail.html", context)


def source_page(slug: str) -> dict:
    source = get_object_or_404(Source.objects.public().select_related("outlet"), slug=slug)
    claims, claim_count = _first_rows(source.claims.public().select_related("speaker").order_by("anchor_start", "id"))
    figures, figure_count = _first_rows(source.figures.public().select_related("metric", "subject", "attributed_to")
                                        .defer("search_vector").order_by("anchor_start", "id"))
    shown = [figure.pk for figure in figures]
    compared = {c.key: c for c in Comparison.objects.filter(_same_key_as(shown))} if figures else {}
    for figure in figures:
        figure.comparison = compared.get(tuple(getattr(figure, field) for field in COMPARISON_KEY))
    return {
        "source": source, "claims": claims, "figures": figures, "claim_count": claim_count,
        "figure_count": figure_count, "page_rows": SOURCE_PAGE_ROWS, "compare_url": reverse("claims:compare"),
        "text": annotated_text(source.text, claims, figures),
        "cited_by": cited_by(source),
        "compared_with": compared_with(source, shown) if compared else [],
    }


def _first_rows(queryset) -> tuple[list, int]:
    """The first SOURCE_PAGE_ROWS rows, and how many there are in all (counted only when there are more)."""
    rows = list(queryset[: SOURCE_PAGE_ROWS + 1])
    if len(rows) <= SOURCE_PAGE_ROWS:
        return rows, len(rows)
    return rows[:SOURCE_PAGE_ROWS], queryset.order_by().count()  # an index-only count on figure_source


def cited_by(source) -> list:
    """Reviews that name this source as evidence, with what they judged (a query, at most 50 rows)."""
    reviews = (Review.objects.public().filter(evidence=source)
               .select_related("claim__source", "figure__source", "figure__metric").order_by("-reviewed_at")[:50])
    return list(reviews)


def _same_key_as(figure_ids: list[int]) -> Exists:
    """Rows (comparisons or figures) with the comparison key of one of these figures: a semi-join from at most
    SOURCE_PAGE_ROWS figures by primary key, each looked up by its key (comparison_unique_key, figure_identity)."""
    return Exists(Figure.objects.filter(pk__in=figure_ids, **{field: OuterRef(field) for field in COMPARISON_KEY}))


def compared_with(source, figure_ids: list[int]) -> list:
    """Other sources with public figures in the comparisons of the figures this page shows, most shared first
    (at most 20).

    The figures are counted by source in one grouped query, and only then are the top sources read: a big
    source among them is counted through an index, never joined row by row against this one's figures.
    """
    shared = dict(Figure.objects.public().filter(_same_key_as(figure_ids)).exclude(source=source).order_by()
                  .values("source_id").annotate(shared=Count("id")).order_by("-shared", "source_id")
                  .values_list("source_id", "shared")[:20])
    others = list(Source.objects.filter(pk__in=shared).defer("text", "search_vector"))
    for other in others:
        other.shared = shared[other.pk]
    return sorted(others, key=lambda other: (-other.shared, other.title))


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
