"""The parameters of the API's review list. Reviews have no public list page of their own; their filters name
public records only, like the pages' filters (an id or slug of a hidden record is refused as an unknown one)."""

import django_filters
from django.db.models import Q

from claims.filters import SearchAndSortFilterSet
from claims.models import Claim, Figure, Verdict
from sources.models import Source

REVIEW_SORTS = {
    "-reviewed": ("latest first", ["-reviewed_at", "-id"]),
    "reviewed": ("earliest first", ["reviewed_at", "id"]),
}


class ReviewFilter(SearchAndSortFilterSet):
    verdict = django_filters.ChoiceFilter(choices=Verdict.choices)
    figure = django_filters.ModelChoiceFilter(queryset=Figure.objects.public(), help_text="A public figure's id.")
    claim = django_filters.ModelChoiceFilter(queryset=Claim.objects.public(), help_text="A public claim's id.")
    source = django_filters.ModelChoiceFilter(
        queryset=Source.objects.public(), to_field_name="slug", method="of_source",
        help_text="Reviews of the claims and figures of this source (slug).",
    )
    evidence = django_filters.ModelChoiceFilter(
        queryset=Source.objects.public(), to_field_name="slug", field_name="evidence",
        help_text="Reviews that give this source (slug) as evidence.",
    )
    sort = django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _) in REVIEW_SORTS.items()], method="ordered",
        empty_label="latest first",
    )

    sorts = REVIEW_SORTS
    default_sort = "-reviewed"

    def of_source(self, queryset, name, value):
        return queryset.filter(Q(claim__source=value) | Q(figure__source=value))
