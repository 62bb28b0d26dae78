"""The researchers' pages: read-only, public records only, every filtered view a permalink.

What is public: a source once its status is *published*; a claim or figure of a
published source unless it is a *draft* or *withdrawn* (every verdict — unverified,
verified, disputed, false, misleading, unverifiable — is public, so a false number
stays findable as false). Exports apply the same rule.
"""

from collections import Counter

from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.core.paginator import EmptyPage, Paginator
from django.db import connection
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views import View
from django.views.decorators.http import require_safe

from claims import comparisons, dimensions
from claims.exports import FIGURE_COLUMNS, claim_export_response, figure_export_response
from claims.filters import CLAIM_SORTS, FIGURE_SORTS, ClaimFilter, FigureFilter
from claims.models import COMPARISON_KEY, Claim, Comparison, Entity, Figure, Metric, Status
from claims.paginators import CappedPaginator
from sources.models import Outlet, Source

EXPORT_FORMATS = ("csv", "xlsx", "ods", "json")
FACET_SIZE = 8  # values shown per facet before "more"
SAMPLE = 2_000  # facets count at most this many matches; searches with more are not ranked by relevance
MAX_PAGE = 200  # deeper pages cost more (OFFSET): past them, narrow the filters or download the file
_MARK_START, _MARK_STOP = "\ue000", "\ue001"  # private-use characters: the headline is escaped before marking


class PageWindow:
    """One page of a list, found without counting the list: a row more than the page tells
    whether another page follows. `count` is known only when the list is short."""

    def __init__(self, queryset, number: int, per_page: int, count: int | None):
        offset = (number - 1) * per_page
        rows = list(queryset[offset: offset + per_page + 1])
        self.number, self.object_list, self.count = number, rows[:per_page], count
        self.more = count is None
        self.num_pages = max(1, -(-count // per_page)) if count is not None else None
        self.has_next = len(rows) > per_page and number < MAX_PAGE
        self.has_previous = number > 1
        self.next_page_number, self.previous_page_number = number + 1, number - 1


class FilteredListView(View):
    """A list filtered by a FilterSet: an HTML page with facets, or `format=…` for every matching row."""

    http_method_names = ["get", "head", "options"]  # the public pages read; they take no writes

    filterset_class = None
    template_name = ""
    paginate_by = 50
    filename_stem = ""
    select_related = ()
    deferred = ()
    # (parameter, heading, column, labels): labels are (model, slug field, label field) for a foreign key,
    # else a dict of value → label (or None for the value itself)
    facets = ()
    snippet_field = None

    def base_queryset(self):
        raise NotImplementedError

    def export(self, queryset, fmt):
        raise NotImplementedError

    def get(self, request):
        data = request.GET.copy()
        if "o" in data and "sort" not in data:
            data["sort"] = data.pop("o")[-1]
        filterset = self.filterset_class(data, queryset=self.base_queryset())
        fmt = request.GET.get("format", "")
        if fmt and fmt not in EXPORT_FORMATS:
            formats = ", ".join(EXPORT_FORMATS)
            return self.invalid(request, filterset, [f"Unknown format “{fmt}”: use one of {formats}."])
        if not filterset.is_valid():
            return self.invalid(request, filterset, [
                f"{filterset.form.fields[name].label or name}: {' '.join(errors)}" if name in filterset.form.fields
                else " ".join(errors) for name, errors in filterset.errors.items()
            ])
        queryset = filterset.qs
        if fmt:
            return self.export(queryset, fmt)
        page_number = request.GET.get("page") or "1"
        if not page_number.isdigit() or not 1 <= int(page_number) <= MAX_PAGE:
            return self.invalid(request, filterset, [f"Page “{page_number}”: give a number from 1 to {MAX_PAGE}."])
        q = filterset.form.cleaned_data.get("q", "").strip()
        # One read of at most SAMPLE rows gives the facets and, when the matches are fewer, their count:
        # no page ever counts the whole table.
        sample = list(queryset.order_by().values_list(*self.facet_columns())[:SAMPLE]) if self.facets else []
        count = len(sample) if len(sample) < SAMPLE else None
        # Ranking scores every match, so it is done only when they are few; past that the list keeps
        # its usual order and says so.
        ranked = bool(q and not filterset.form.cleaned_data.get("sort") and count is not None)
        # Full texts and search vectors stay in the database: a page of rows needs neither.
        queryset = queryset.select_related(*self.select_related).defer(*self.deferred)
        page = PageWindow(queryset.ranked(q) if ranked else queryset, int(page_number), self.paginate_by, count)
        if page.number > 1 and not page.object_list:
            raise Http404("There is no such page of this list.")
        objects = page.object_list
        if q and self.snippet_field:
            add_snippets(objects, self.snippet_field, q)
        context = {
            "filter": filterset, "form": filterset.form, "page": page, "paginator": page, "objects": objects,
            "facets": self.facet_counts(sample, request), "facets_sampled": count is None, "facet_sample": SAMPLE,
            "q": q, "ranked": ranked, "exports": EXPORT_FORMATS, "active": active_filters(request, filterset),
            "selected_sources": request.GET.getlist("source"), **self.extra_context(filterset),
        }
        return render(request, self.template_name, context)

    def extra_context(self, filterset) -> dict:
        return {}

    def invalid(self, request, filterset, errors):
        context = {"filter": filterset, "form": filterset.form, "errors": errors, "objects": [], "facets": [],
                   "exports": EXPORT_FORMATS, "active": [], **self.extra_context(filterset)}
        return render(request, self.template_name, context, status=400)

    def facet_columns(self) -> list[str]:
        return [facet[2] for facet in self.facets]

    def facet_counts(self, sample: list[tuple], request) -> list[dict]:
        """Counts by each facet over the sampled rows (all matches when they are fewer than SAMPLE):
        Python counts them, and one small query per related model names the top values."""
        facets = []
        for index, (parameter, heading, _column, labels) in enumerate(self.facets):
            counts = Counter(row[index] for row in sample if row[index] is not None)
            if parameter == "year":
                counts = _years(counts)
            elif parameter == "dimension":
                counts = _pairs(counts)
            top = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))[: FACET_SIZE + 1]
            if isinstance(labels, tuple):  # (model, slug field, label field): look the top values up
                model, slug_field, label_field = labels
                names = {pk: (slug, label) for pk, slug, label in model.objects.filter(
                    pk__in=[key for key, _ in top]).values_list("pk", slug_field, label_field)}
                items = [(*names[key], n) for key, n in top if key in names]
            else:
                items = [(key, (labels or {}).get(key, key), n) for key, n in top]
            facets.append({
                "parameter": parameter, "heading": heading, "more": len(items) > FACET_SIZE,
                "items": [facet_item(request, parameter, slug, label, n) for slug, label, n in items[:FACET_SIZE]],
            })
        return facets


def _pairs(counts: Counter) -> Counter:
    """Counts of each key=value pair, from counts of whole dimension strings."""
    pairs = Counter()
    for text, n in counts.items():
        for key, value in dimensions.parse(text).items():
            pairs[f"{key}={value}"] += n
    return pairs


def _years(counts: Counter) -> Counter:
    years = Counter()
    for day, n in counts.items():
        years[str(day.year)] += n
    return years


def facet_item(request, parameter, slug, label, count) -> dict:
    """A facet value with the link that adds it as a filter (or removes it when it is already on)."""
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("format", None)
    if parameter == "year":
        selected = params.get("period_after") == slug and params.get("period_before") == slug
        if selected:
            params.pop("period_after"), params.pop("period_before")
        else:
            params["period_after"] = params["period_before"] = slug
    else:
        values = params.getlist(parameter)
        selected = slug in values
        if selected:
            params.setlist(parameter, [v for v in values if v != slug])
        elif parameter in ("source", "dimension"):
            params.setlist(parameter, [*values, slug])  # repeatable: another source widens the choice
        else:
            params[parameter] = slug
    return {"slug": slug, "label": label, "count": count, "selected": selected, "url": "?" + params.urlencode()}


def active_filters(request, filterset) -> list[dict]:
    """The filters in force, each with a link that removes it."""
    active = []
    for name in filterset.filters:
        for value in request.GET.getlist(name):
            if value == "" or name == "sort":
                continue
            params = request.GET.copy()
            params.pop("page", None)
            params.setlist(name, [v for v in params.getlist(name) if v != value])
            label = filterset.form.fields[name].label or name.replace("_", " ")
            active.append({"name": label, "value": value, "url": "?" + params.urlencode()})
    return active


def add_snippets(objects, field: str, q: str) -> None:
    """Set `snippet` on each object: its text around the words searched for, marked.

    PostgreSQL's ts_headline runs in a second query on this page's rows only, so it never
    runs over every match. Elsewhere the first occurrence of a word is shown.
    """
    if not objects:
        return
    model = type(objects[0])
    if connection.vendor == "postgresql":
        query = SearchQuery(q, search_type="websearch", config="english")
        headlines = dict(model.objects.filter(pk__in=[o.pk for o in objects]).annotate(
            snippet=SearchHeadline(field, query, config="english", start_sel=_MARK_START, stop_sel=_MARK_STOP,
                                   max_words=30, min_words=12, max_fragments=2),
        ).values_list("pk", "snippet"))
    else:
        headlines = {o.pk: _plain_snippet(_lookup(o, field), q) for o in objects}
    for obj in objects:
        text = headlines.get(obj.pk) or ""
        obj.snippet = mark_safe(
            escape(text).replace(_MARK_START, "<mark>").replace(_MARK_STOP, "</mark>")
        ) if _MARK_START in text else None


def _lookup(obj, path: str) -> str:
    for part in path.split("__"):
        obj = getattr(obj, part, None) if obj is not None else None
    return obj or ""


def _plain_snippet(text: str, q: str, width: int = 90) -> str:
    lowered = text.lower()
    for word in q.split():
        word = word.strip('"').lower()
        position = lowered.find(word) if word else -1
        if position != -1:
            start, end = max(0, position - width), min(len(text), position + len(word) + width)
            return ("…" if start else "") + text[start:position] + _MARK_START + text[position:position + len(word)] \
                + _MARK_STOP + text[position + len(word):end] + ("…" if end < len(text) else "")
    return ""


class FigureListView(FilteredListView):
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
        ("dimension", "Definition", "dimensions", None),
        ("status", "Status", "status", dict(Status.choices)),
        ("year", "Year", "period_start", None),
    )
    snippet_field = "value_text"

    def base_queryset(self):
        return Figure.objects.public()

    def export(self, queryset, fmt):
        return figure_export_response(queryset, fmt, "figures")

    def extra_context(self, filterset):
        return {"metrics": Metric.objects.all(), "sorts": FIGURE_SORTS, "columns": FIGURE_COLUMNS,
                "statuses": filterset.filters["status"].extra["choices"]}


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

    def export(self, queryset, fmt):
        return claim_export_response(queryset, fmt)

    def extra_context(self, filterset):
        return {"sorts": CLAIM_SORTS, "statuses": filterset.filters["status"].extra["choices"]}


@require_safe
def claim_detail(request, pk: int):
    claim = get_object_or_404(Claim.objects.public().select_related("source__outlet", "speaker"), pk=pk)
    context = {
        "claim": claim,
        "about": claim.about.all(),
        "figures": claim.figures.public().select_related("metric", "subject", "attributed_to"),
        "reviews": claim.reviews.prefetch_related(Prefetch("evidence", queryset=_public_sources())),
        "excerpt": excerpt(claim), "anchor_id": f"claim-{claim.pk}",
    }
    return render(request, "claims/claim_detail.html", context)


@require_safe
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
    return render(request, "claims/figure_detail.html", context)


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
def compare(request):
    """Comparisons, the most disagreeing first; `metric`, `subject` and `conflicting=1` narrow them, and
    `across=1` (with a metric or a subject) shows figures that differ in definition side by side."""
    found = Comparison.objects.select_related("metric", "subject").by_disagreement()
    errors = []
    metric_slug, subject_ref = request.GET.get("metric", ""), request.GET.get("subject", "")
    metric = subject = None
    if metric_slug:
        metric = Metric.objects.filter(slug=metric_slug).first()
        if metric is None:
            errors.append(f"No metric has the slug “{metric_slug}”.")
        found = found.filter(metric=metric)
    if subject_ref:
        subject = Entity.objects.public().named(subject_ref).first()
        if subject is None:
            errors.append(f"No subject is called “{subject_ref}”.")
        found = found.filter(subject=subject)
    conflicting = request.GET.get("conflicting", "")
    if conflicting not in ("", "1", "0"):
        errors.append("conflicting: use 1 for conflicts only.")
    if conflicting == "1":
        found = found.filter(conflicting=True)
    across = request.GET.get("across", "")
    if across not in ("", "1", "0"):
        errors.append("across: use 1 to see figures with different definitions side by side.")
    elif across == "1" and not errors and metric is None and subject is None:
        errors.append("To compare across definitions, choose a metric or a subject first.")
    context = {"metrics": Metric.objects.all(), "metric": metric, "subject": subject, "subject_ref": subject_ref,
               "conflicting": conflicting == "1", "across": across == "1", "errors": errors}
    if errors:
        return render(request, "claims/compare.html", {**context, "groups": []}, status=400)
    if across == "1":
        return compare_across(request, context, metric, subject)
    paginator = CappedPaginator(found, COMPARISONS_PER_PAGE)
    page = _page(request, paginator)
    if page is None:
        return render(request, "claims/compare.html", {**context, "groups": [], "errors": ["No such page."]},
                      status=400)
    groups = list(page.object_list)
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
    return render(request, "claims/compare.html", {**context, "groups": groups, "page": page,
                                                   "paginator": paginator})


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
    number = request.GET.get("page") or "1"
    if not (number.isascii() and number.isdigit()) or not 1 <= int(number) <= 10_000:
        return None
    try:
        return paginator.page(int(number))
    except EmptyPage as error:
        raise Http404("There is no such page.") from error
