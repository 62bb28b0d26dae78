"""/sources/: the published sources, filtered, faceted and downloadable. A source's own page, with its claims and
figures marked in its text, is claims' (claims.views.source_detail)."""

from factbase.listing import FilteredListView
from sources.filters import SourceFilter
from sources.models import Outlet, Source, language_name

SOURCE_COLUMNS = ["slug", "title", "kind", "outlet", "authors", "published_on", "published_precision", "language",
                  "url", "archived_url", "reliability"]


class SourceListView(FilteredListView):
    filterset_class = SourceFilter
    template_name = "sources/source_list.html"
    paginate_by = 30
    select_related = ("outlet",)
    facets = (("outlet", "Outlet", "outlet_id", (Outlet, "slug", "name")),
              ("kind", "Kind", "kind", dict(Source.Kind.choices)), ("language", "Language", "language", language_name))
    snippet_field = "text"

    deferred = ("text", "search_vector")

    def base_queryset(self):
        return Source.objects.public()

    def export_table(self, queryset):
        rows = (
            [slug, title, kind, outlet or "", authors, published_on, precision, language, url, archived, grade]
            for slug, title, kind, outlet, authors, published_on, precision, language, url, archived, grade
            in queryset.values_list(  # in the list's sort, as on screen
                "slug", "title", "kind", "outlet__slug", "authors", "published_on", "published_precision",
                "language", "url", "archived_url", "reliability",
            ).iterator(chunk_size=2000)
        )
        return rows, SOURCE_COLUMNS, "sources"

