"""Filters the public lists share: search and sort, and periods typed as people write them."""

from datetime import date

import django_filters
from django import forms
from django.core.exceptions import ValidationError

from claims.parsing import ParseError, parse_period

# Longest search a list takes. Longer ones find nothing a shorter one would not, and SQLite refuses a LIKE
# pattern past 50,000 bytes: a bound here makes a 100,000-character `q` a 400 with its reason, not a 500.
MAX_SEARCH_LENGTH = 500


class PeriodBoundField(forms.CharField):
    """A date, a month or a year: 2011, 2011-12, December 2011, 2011-12-16."""

    def __init__(self, *args, end: bool = False, **kwargs):
        self.end = end
        super().__init__(*args, **kwargs)

    def clean(self, value) -> date | None:
        value = super().clean(value)
        if not value:
            return None
        try:
            period = parse_period(value)
        except ParseError as error:
            # Values go in params: django-filter's API backend formats every message with `%`.
            raise ValidationError("“%(value)s” is not a date, month or year (%(error)s).",
                                  params={"value": value, "error": error}) from None
        return period.end if self.end else period.start


class PeriodAfterFilter(django_filters.Filter):
    """Figures whose period ends on or after the start of the given date, month or year."""

    field_class = PeriodBoundField

    def filter(self, qs, value):
        return qs if value is None else qs.filter(period_end__gte=value)


class PeriodBeforeFilter(django_filters.Filter):
    """Figures whose period starts on or before the end of the given date, month or year."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, end=True, **kwargs)

    field_class = PeriodBoundField

    def filter(self, qs, value):
        return qs if value is None else qs.filter(period_start__lte=value)


class SearchFilter(django_filters.CharFilter):
    """`q`: words to search for, at most MAX_SEARCH_LENGTH characters."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("method", "search")
        kwargs.setdefault("max_length", MAX_SEARCH_LENGTH)
        super().__init__(*args, **kwargs)


class SearchAndSortFilterSet(django_filters.FilterSet):
    """`q` searches with the model's own search(); `sort` picks one of `sorts`, applied after every filter."""

    sorts: dict = {}
    default_sort = ""

    def search(self, queryset, name, value):
        return queryset.search(value) if value.strip() else queryset

    def ordered(self, queryset, name, value):
        return queryset  # applied last, in filter_queryset

    def narrow(self, queryset):
        """Filters that need several parameters at once."""
        return queryset

    def filter_queryset(self, queryset):
        queryset = self.narrow(super().filter_queryset(queryset))
        fields = self.sorts[self.form.cleaned_data.get("sort") or self.default_sort][1]
        return queryset.order_by(*(fields() if callable(fields) else fields))
