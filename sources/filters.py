"""The query parameters of /sources/."""

import django_filters

from factbase.filters import PeriodAfterFilter, PeriodBeforeFilter, SearchAndSortFilterSet, SearchFilter
from sources.models import Outlet, Source

SOURCE_SORTS = {
    "-published": ("newest first", ["-published_on", "title"]),
    "published": ("oldest first", ["published_on", "title"]),
    "title": ("title (A–Z)", ["title", "id"]),
}


class PublishedAfterFilter(PeriodAfterFilter):
    def filter(self, qs, value):
        return qs if value is None else qs.filter(published_on__gte=value)


class PublishedBeforeFilter(PeriodBeforeFilter):
    def filter(self, qs, value):
        return qs if value is None else qs.filter(published_on__lte=value)


class SourceFilter(SearchAndSortFilterSet):
    outlet = django_filters.ModelMultipleChoiceFilter(
        queryset=Outlet.objects.public(), to_field_name="slug", field_name="outlet__slug",
    )
    kind = django_filters.ChoiceFilter(choices=Source.Kind.choices)
    language = django_filters.CharFilter(max_length=Source._meta.get_field("language").max_length)
    published_after = PublishedAfterFilter(label="Published from")
    published_before = PublishedBeforeFilter(label="Published until")
    q = SearchFilter(label="Search titles and full texts")
    sort = django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _) in SOURCE_SORTS.items()], method="ordered",
        empty_label="relevance when searching, else newest first",
    )

    sorts = SOURCE_SORTS
    default_sort = "-published"
