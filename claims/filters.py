"""The query parameters of /figures/ and /claims/ (DESIGN.md fixes their names).

Every parameter is validated: a value that names nothing or does not parse makes
the form invalid, and the view answers 400 with the reason, never a guess.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import F
from django.db.models.functions import Coalesce

from claims import dimensions
from claims.models import NOT_PUBLIC, Entity, Figure, Metric, Status
from factbase.filters import PeriodAfterFilter, PeriodBeforeFilter, SearchAndSortFilterSet, SearchFilter
from sources.models import Outlet, Source

PUBLIC_STATUSES = [(value, label) for value, label in Status.choices if value not in NOT_PUBLIC]


class EntityReferenceField(forms.CharField):
    """An entity by slug, name or alias (Alma-Ata finds Almaty)."""

    def __init__(self, *args, **kwargs):
        # No name, slug or alias is longer (and SQLite refuses a LIKE pattern past 50,000 bytes).
        kwargs.setdefault("max_length", Entity._meta.get_field("name").max_length)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        # Only entities public records name: one that only hidden records name does not exist for readers.
        entity = Entity.objects.public().named(value).first()
        if entity is None:
            # Values go in params: django-filter's API backend formats every message with `%`.
            raise ValidationError(f"No {self.label.lower() if self.label else 'entity'} is called “%(value)s”.",
                                  params={"value": value})
        return entity


class DimensionsField(forms.Field):
    """`dimension=key=value`, repeatable: every pair must hold."""

    widget = forms.MultipleHiddenInput
    label_for = staticmethod(dimensions.display)  # what the filters in force show: "welfare: consumption"

    def clean(self, value):
        pairs = {}
        for text in value or []:
            ProhibitNullCharactersValidator()(text)  # PostgreSQL refuses them in a query
            try:
                found = dimensions.parse(text)
            except dimensions.DimensionError as error:
                raise ValidationError("%(error)s", params={"error": error}) from None
            if not found:
                continue
            if any(pairs.get(key, found[key]) != found[key] for key in found):
                raise ValidationError("“%(text)s” asks for a second value of the same dimension.",
                                      params={"text": text})
            pairs.update(found)
        return pairs


class DimensionFilter(django_filters.Filter):
    field_class = DimensionsField

    def filter(self, qs, value):
        for key, pair_value in (value or {}).items():
            qs = qs.with_dimension(key, pair_value)
        return qs


class EntityFilter(django_filters.Filter):
    field_class = EntityReferenceField


def _sort_value():
    return Coalesce("value", "lower", "upper")


# Each sort is backed by an index (see Figure.Meta.indexes) so a page of a million rows stays cheap.
FIGURE_SORTS = {
    "value": ("value (lowest first)", lambda: [_sort_value().asc(), F("id").asc()]),
    "-value": ("value (highest first)", lambda: [_sort_value().desc(), F("id").desc()]),
    "-period": ("period (latest first)", lambda: ["-period_start", "id"]),
    "period": ("period (earliest first)", lambda: ["period_start", "-id"]),
    "source": ("source (A–Z)", lambda: ["source__slug", "anchor_start", "id"]),
    "-source": ("source (Z–A)", lambda: ["-source__slug", "-anchor_start", "-id"]),
    "metric": ("metric (A–Z), comparable figures together", lambda: [
        "metric__slug", "subject_id", "period_start", "period_end", "id"]),
    "-metric": ("metric (Z–A)", lambda: [
        "-metric__slug", "-subject_id", "-period_start", "-period_end", "-id"]),
}
DEFAULT_FIGURE_SORT = "-period"


class FigureFilter(SearchAndSortFilterSet):
    """Every parameter of /figures/. Values combine with AND; repeated `source` values with OR."""

    # Sources, outlets and subjects are chosen from the facets; the form carries them along as hidden fields.
    source = django_filters.ModelMultipleChoiceFilter(
        queryset=Source.objects.public(), to_field_name="slug", field_name="source__slug",
        label="Source", help_text="Source slug; repeat for several sources.", widget=forms.MultipleHiddenInput,
    )
    outlet = django_filters.ModelChoiceFilter(
        queryset=Outlet.objects.public(), to_field_name="slug", field_name="source__outlet",
        widget=forms.HiddenInput,
    )
    metric = django_filters.ModelChoiceFilter(queryset=Metric.objects.all(), to_field_name="slug",
                                              empty_label="any metric")
    subject = EntityFilter(field_name="subject", help_text="Slug, name or alias.", widget=forms.HiddenInput)
    status = django_filters.ChoiceFilter(choices=PUBLIC_STATUSES, empty_label="any status", label="Status")
    q = SearchFilter(label="Search",
                                  widget=forms.SearchInput(attrs={"placeholder": "Zhanaozen, Gini, turnout…"}))
    value_min = django_filters.NumberFilter(method="value_range", label="Value from",
                                            widget=forms.NumberInput(attrs={"step": "any"}))
    value_max = django_filters.NumberFilter(method="value_range", label="Value to",
                                            widget=forms.NumberInput(attrs={"step": "any"}))
    period_after = PeriodAfterFilter(label="Period from", widget=forms.TextInput(attrs={"placeholder": "2011"}))
    period_before = PeriodBeforeFilter(label="Period to", widget=forms.TextInput(attrs={"placeholder": "2022-01"}))
    dimension = DimensionFilter(label="Definition", help_text="key=value, as in welfare=consumption; repeatable.")
    found_in = django_filters.ChoiceFilter(choices=Figure.FoundIn.choices, label="Found in",
                                           empty_label="anywhere in the source")
    conflicting = django_filters.ChoiceFilter(
        choices=[("1", "only where sources conflict")], method="only_conflicting",
        label="Conflicting", empty_label="all figures",
    )
    sort = django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _) in FIGURE_SORTS.items()], method="ordered",
        empty_label="latest period (or best match)", label="Sort by",
    )

    sorts = FIGURE_SORTS
    default_sort = DEFAULT_FIGURE_SORT

    def value_range(self, queryset, name, value):
        # Both bounds are applied together in narrow().
        return queryset

    def only_conflicting(self, queryset, name, value):
        return queryset.conflicting() if value == "1" else queryset

    def narrow(self, queryset):
        low, high = self.form.cleaned_data.get("value_min"), self.form.cleaned_data.get("value_max")
        return queryset if low is None and high is None else queryset.overlapping(low, high)


CLAIM_SORTS = {
    "-added": ("latest added first", ["-id"]),
    "added": ("earliest added first", ["id"]),
    "source": ("source, in text order", ["source__slug", "anchor_start", "id"]),
    "speaker": ("speaker (A–Z)", ["speaker__name", "id"]),
}


class ClaimFilter(SearchAndSortFilterSet):
    source = django_filters.ModelMultipleChoiceFilter(
        queryset=Source.objects.public(), to_field_name="slug", field_name="source__slug",
        widget=forms.MultipleHiddenInput,
    )
    outlet = django_filters.ModelChoiceFilter(
        queryset=Outlet.objects.public(), to_field_name="slug", field_name="source__outlet",
        widget=forms.HiddenInput,
    )
    speaker = EntityFilter(field_name="speaker", help_text="Slug, name or alias.", widget=forms.HiddenInput)
    about = EntityFilter(field_name="about", help_text="Slug, name or alias.", widget=forms.HiddenInput)
    status = django_filters.ChoiceFilter(choices=PUBLIC_STATUSES, empty_label="any status", label="Status")
    q = SearchFilter(label="Search quotes", widget=forms.SearchInput)
    sort = django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _) in CLAIM_SORTS.items()], method="ordered",
        empty_label="latest added (or best match)", label="Sort by",
    )

    sorts = CLAIM_SORTS
    default_sort = "-added"


class ComparisonFilter(django_filters.FilterSet):
    """The parameters of /compare/ — `metric`, `subject`, `conflicting=1` — by the same rules (the API's
    comparisons use it; the compare view still reads them by hand)."""

    metric = django_filters.ModelChoiceFilter(queryset=Metric.objects.all(), to_field_name="slug")
    subject = EntityFilter(field_name="subject", help_text="Slug, name or alias.")
    conflicting = django_filters.ChoiceFilter(
        choices=[("1", "only comparisons whose figures conflict"), ("0", "all comparisons")],
        method="only_conflicting", label="Conflicting", empty_label="all comparisons",
    )

    def only_conflicting(self, queryset, name, value):
        return queryset.filter(conflicting=True) if value == "1" else queryset
