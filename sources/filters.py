"""The query parameters of /sources/."""

import django_filters
from django import forms

from factbase.filters import PeriodAfterFilter, PeriodBeforeFilter, SearchAndSortFilterSet, SearchFilter
from sources.models import Outlet, Source, language_name

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


class LanguageField(forms.CharField):
    """A BCP 47 code (en, ru, kk) that the page names in words."""

    label_for = staticmethod(language_name)


class LanguageFilter(django_filters.CharFilter):
    field_class = LanguageField


class SourceFilter(SearchAndSortFilterSet):
    outlet = django_filters.ModelMultipleChoiceFilter(
        queryset=Outlet.objects.public(), to_field_name="slug", field_name="outlet__slug",
        widget=forms.MultipleHiddenInput,
    )
    kind = django_filters.ChoiceFilter(choices=Source.Kind.choices, empty_label="any kind")
    language = LanguageFilter(max_length=Source._meta.get_field("language").max_length, label="Language",
                              help_text="A language code: en, ru, kk.", widget=forms.HiddenInput)
    published_after = PublishedAfterFilter(label="Published from",
                                           widget=forms.TextInput(attrs={"placeholder": "2018"}))
    published_before = PublishedBeforeFilter(label="Published until",
                                             widget=forms.TextInput(attrs={"placeholder": "2025"}))
    q = SearchFilter(label="Search titles and full texts", widget=forms.SearchInput)
    sort = django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _) in SOURCE_SORTS.items()], method="ordered",
        empty_label="newest first (or best match)", label="Sort by",
    )

    sorts = SOURCE_SORTS
    default_sort = "-published"
