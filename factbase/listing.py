"""The machinery every public list shares: a FilterSet-driven page with facets and snippets, every filtered view
a permalink, and `format=…` for every matching row.

Lists never count the whole table: a page is a window with a look-ahead row, facets are counted by the database
over a bounded sample (and kept in the shared cache for the data's generation), and a paginator that must count
(the admin's, /compare/'s) stops at a cap.
"""

import math
from collections import Counter

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F, Model
from django.db.models.functions import ExtractYear
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views import View

from claims.exports import table_export_response
from factbase import public_cache
from factbase.throttling import export_wait

EXPORT_FORMATS = ("csv", "xlsx", "ods", "json")
# Spreadsheets past settings.EXPORT_SHEET_INLINE_MAX_ROWS rows are prepared in the background (jobs.views);
# CSV and JSON stream at any size.
BACKGROUND_FORMATS = ("xlsx", "ods")
FACET_SIZE = 8  # values shown per facet before "more"
SAMPLE = 2_000  # facets count at most this many matches; searches with more are not ranked by relevance
NOT_FILTERS = ("page", "sort", "o", "format")  # parameters that choose the page or its order, not the matches
MAX_PAGE = 200  # deeper pages cost more (OFFSET): past them, narrow the filters or download the file
REPEATABLE = ("source", "dimension")  # parameters a facet adds to rather than replaces
_MARK_START, _MARK_STOP = "\ue000", "\ue001"  # private-use characters: the headline is escaped before marking


def page_number(text: str, last: int) -> int | None:
    """The page a `page` parameter asks for, or None when it is not a whole number from 1 to `last`.

    Only ASCII digits, and no more of them than `last` has: `²` is a digit to isdigit() but not to int(),
    and int() refuses 4,300 digits or more.
    """
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(last)):
        return None
    number = int(text)
    return number if 1 <= number <= last else None


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


def export_refused(request, wait: int):
    """429: this client has taken its downloads for now; Retry-After says when it may take more."""
    response = render(request, "export_limited.html", {
        "limit": settings.EXPORT_RATE_LIMIT, "window_minutes": max(1, round(settings.EXPORT_RATE_WINDOW / 60)),
        "wait_minutes": max(1, math.ceil(wait / 60)),
    }, status=429)
    response["Retry-After"] = str(wait)
    return response


class FilteredListView(View):
    """A list filtered by a FilterSet: an HTML page with facets, or `format=…` for every matching row."""

    http_method_names = ["get", "head", "options"]  # the public pages read; they take no writes

    filterset_class = None
    template_name = ""
    paginate_by = 50
    select_related = ()
    deferred = ()
    # (parameter, heading, column, labels): labels are (model, slug field, label field) for a foreign key,
    # else a dict of value → label (or None for the value itself)
    facets = ()
    derived_facets = ()  # facets whose values facet_values() derives from every value of the column
    snippet_field = None

    @method_decorator(public_cache.public_page)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def base_queryset(self):
        raise NotImplementedError

    def export_table(self, queryset) -> tuple:
        """The rows of a download, its header and its file name's stem."""
        raise NotImplementedError

    def export(self, queryset, fmt):
        rows, header, stem = self.export_table(queryset)
        return table_export_response(rows, header, fmt, stem)

    def filterset_for(self, data):
        data = data.copy()
        if "o" in data and "sort" not in data:
            data["sort"] = data.pop("o")[-1]
        return self.filterset_class(data, queryset=self.base_queryset())

    def in_screen_order(self, filterset):
        """Every match, in the order the page shows them (by relevance when a search is not sorted): what a
        download holds, inline or prepared in the background."""
        queryset = filterset.qs
        q = filterset.form.cleaned_data.get("q", "").strip()
        return queryset.ranked(q) if q and not filterset.form.cleaned_data.get("sort") else queryset

    def get(self, request):
        if (clean := without_empty_parameters(request)) is not None:
            return clean
        filterset = self.filterset_for(request.GET)
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
            if wait := export_wait(request):
                return export_refused(request, wait)
            # Counted once per generation of the data: eight readers asking for every figure count them once.
            limit = settings.EXPORT_SHEET_INLINE_MAX_ROWS
            if fmt in BACKGROUND_FORMATS and (count := public_cache.cached_value(
                    "count", (type(self).__name__, public_cache.normalised_query(request.GET, drop=NOT_FILTERS),
                              str(limit)), lambda: count_over(queryset, limit))) is not None:
                from jobs.views import offer_export  # jobs imports this module

                return offer_export(request, fmt, count)
            return self.export(self.in_screen_order(filterset), fmt)
        page_text = request.GET.get("page") or "1"
        number = page_number(page_text, MAX_PAGE)
        if number is None:
            return self.invalid(request, filterset, [f"Page “{page_text[:20]}”: give a number from 1 to {MAX_PAGE}."])
        q = filterset.form.cleaned_data.get("q", "").strip()
        # One query over at most SAMPLE matches gives the facets and, when the matches are fewer, their count: no
        # page ever counts the whole table. Kept for the data's generation, whatever page or order is asked.
        count, facets = public_cache.cached_value(
            "facets", (type(self).__name__, public_cache.normalised_query(request.GET, drop=NOT_FILTERS)),
            lambda: self.sampled_facets(queryset))
        # Ranking scores every match, so it is done only when they are few; past that the list keeps
        # its usual order and says so.
        ranked = bool(q and not filterset.form.cleaned_data.get("sort") and count is not None)
        # Full texts and search vectors stay in the database: a page of rows needs neither.
        queryset = queryset.select_related(*self.select_related).defer(*self.deferred)
        page = PageWindow(queryset.ranked(q) if ranked else queryset, number, self.paginate_by, count)
        if page.number > 1 and not page.object_list:
            raise Http404("There is no such page of this list.")
        objects = page.object_list
        if q and self.snippet_field:
            add_snippets(objects, self.snippet_field, q)
        context = {
            "filter": filterset, "form": filterset.form, "page": page, "paginator": page, "objects": objects,
            "facets": self.facet_links(facets, request), "facets_sampled": count is None, "facet_sample": SAMPLE,
            "q": q, "ranked": ranked, "exports": EXPORT_FORMATS, "active": active_filters(request, filterset),
            **self.extra_context(filterset),
        }
        return render(request, self.template_name, context)

    def extra_context(self, filterset) -> dict:
        return {}

    def invalid(self, request, filterset, errors):
        context = {"filter": filterset, "form": filterset.form, "errors": errors, "objects": [], "facets": [],
                   "exports": EXPORT_FORMATS, "active": [], **self.extra_context(filterset)}
        return render(request, self.template_name, context, status=400)

    def facet_values(self, parameter: str, counts: Counter) -> Counter:
        """The counts a facet shows, from the counts of its column's values (key=value pairs from definitions)."""
        return counts

    def facet_expression(self, parameter: str, column: str):
        """What a facet groups by: its column, or the year of a date."""
        return ExtractYear(column) if parameter == "year" else F(column)

    def sampled_facets(self, queryset) -> tuple[int | None, list[dict]]:
        """The number of matches when they are fewer than SAMPLE (else None), and for each facet its top values
        with their counts over the first SAMPLE matches, labelled.

        One query: the database reads the sample once (a CTE), groups it by each facet's column and returns the top
        FACET_SIZE + 1 values of each; then one small query per related model names the values shown.
        """
        if not self.facets:
            matched = queryset.order_by().values("pk")[:SAMPLE].count()
            return (matched if matched < SAMPLE else None), []
        columns = {f"facet_{index}": self.facet_expression(parameter, column)
                   for index, (parameter, _heading, column, _labels) in enumerate(self.facets)}
        sql, params = queryset.order_by().values(**columns)[:SAMPLE].query.sql_with_params()
        branches = ["SELECT -1, CAST(NULL AS TEXT), COUNT(*) FROM sample"]
        for index, (parameter, *_rest) in enumerate(self.facets):
            # A facet derived from whole values (pairs from definitions) needs every value of the sample.
            limit = "" if parameter in self.derived_facets else f" LIMIT {FACET_SIZE + 1}"
            branches.append(
                f"SELECT {index}, CAST(value AS TEXT), n FROM (SELECT facet_{index} AS value, COUNT(*) AS n "
                f"FROM sample WHERE facet_{index} IS NOT NULL GROUP BY facet_{index} "
                f"ORDER BY n DESC, facet_{index}{limit}) AS top_{index}")
        with connection.cursor() as cursor:
            cursor.execute(f"WITH sample AS ({sql}) " + " UNION ALL ".join(branches), params)
            rows = cursor.fetchall()
        counts = [Counter() for _ in self.facets]
        matched = 0
        for index, value, n in rows:
            if index < 0:
                matched = n
            else:
                counts[index][value] = n
        facets = []
        for (parameter, heading, _column, labels), found in zip(self.facets, counts, strict=True):
            found = self.facet_values(parameter, found)
            top = sorted(found.items(), key=lambda item: (-item[1], item[0]))[: FACET_SIZE + 1]
            if callable(labels):  # a function of the value: a language's name from its code
                items = [(key, labels(key), n) for key, n in top]
            elif isinstance(labels, tuple):  # (model, slug field, label field): look the top values up
                model, slug_field, label_field = labels
                names = {str(pk): (slug, label) for pk, slug, label in model.objects.filter(
                    pk__in=[key for key, _ in top]).values_list("pk", slug_field, label_field)}
                items = [(*names[key], n) for key, n in top if key in names]
            else:
                items = [(key, (labels or {}).get(key, key), n) for key, n in top]
            facets.append({"parameter": parameter, "heading": heading, "more": len(items) > FACET_SIZE,
                           "items": items[:FACET_SIZE]})
        return (matched if matched < SAMPLE else None), facets

    def facet_links(self, facets: list[dict], request) -> list[dict]:
        """The facets as the page shows them: each value with the link that adds (or removes) it."""
        return [{**facet, "items": [facet_item(request, facet["parameter"], slug, label, n)
                                    for slug, label, n in facet["items"]]} for facet in facets]


def count_over(queryset, limit: int) -> int | None:
    """The number of rows when there are more than `limit`, else None: a small selection costs a count of at most
    limit + 1 rows."""
    if queryset.order_by().values("pk")[: limit + 1].count() <= limit:
        return None
    return queryset.order_by().count()


def without_empty_parameters(request) -> HttpResponseRedirect | None:
    """A redirect to the same URL without its empty parameters (a filter form submits every field), or None
    when there are none: every filtered view has one clean permalink. The page's own script drops them before
    submitting; this is for a browser without it."""
    params = request.GET.copy()
    removed = False
    for key, values in list(params.lists()):
        kept = [value for value in values if value.strip()]
        removed = removed or len(kept) < len(values)
        if kept:
            params.setlist(key, kept)
        else:
            del params[key]
    if not removed:
        return None
    query = params.urlencode()
    return HttpResponseRedirect(request.path + (f"?{query}" if query else ""))


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
        elif parameter in REPEATABLE:
            params.setlist(parameter, [*values, slug])  # another source widens the choice, another pair narrows it
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
            label = filterset.form.fields[name].label or name.replace("_", " ").capitalize()
            active.append({"name": label, "value": value_label(filterset.form, name, value),
                           "url": "?" + params.urlencode()})
    return active


def value_label(form, name: str, value: str) -> str:
    """What a reader calls a filter's value: a source's title for its slug, a status's name for its code."""
    field, cleaned = form.fields[name], form.cleaned_data.get(name)
    if hasattr(field, "label_for"):
        return field.label_for(value)
    if hasattr(field, "to_field_name") and cleaned is not None:
        records = cleaned if hasattr(cleaned, "__iter__") else [cleaned]
        for record in records:
            if str(getattr(record, field.to_field_name or "pk")) == value:
                return getattr(record, "name", None) or str(record)
    if isinstance(cleaned, Model):  # an entity found by slug, name or alias
        return str(cleaned)
    return str(dict(getattr(field, "choices", ())).get(value, value))


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


class CappedPaginator(Paginator):
    """Counts at most `cap` rows, so no page costs a count of the whole table.

    Past the cap, `count` stays at the cap and `more` is true: lists then say
    "10,000+" and offer narrower filters or an export (which has every row).
    The count is `SELECT COUNT(*) FROM (… LIMIT cap + 1)`: its cost depends on the cap, not the table.
    """

    cap = 10_000

    @cached_property
    def _capped_count(self) -> int:
        object_list = self.object_list
        if hasattr(object_list, "order_by"):
            object_list = object_list.order_by()
        rows = object_list[: self.cap + 1]
        return rows.count() if hasattr(rows, "count") and not isinstance(rows, list) else len(rows)

    @cached_property
    def count(self) -> int:
        return min(self._capped_count, self.cap)

    @property
    def more(self) -> bool:
        """There are more rows than were counted."""
        return self._capped_count > self.cap
