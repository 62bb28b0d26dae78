"""The database itself refuses rows that break the model's integrity rules."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from claims.models import EntityAlias, Figure, Metric, Review
from sources.models import Source


def refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_it_refuses_a_lower_bound_above_the_upper(make_figure):
    refused(lambda: make_figure(qualifier="range", value_text="20–16", lower=Decimal(20), upper=Decimal(16)))


def test_it_refuses_a_value_outside_its_own_bounds(make_figure):
    refused(lambda: make_figure(qualifier="approximate", value=Decimal(5), lower=Decimal(10), upper=Decimal(20)))


def test_more_than_must_be_a_lower_bound_not_a_value(make_figure):
    refused(lambda: make_figure(qualifier="more_than", value_text="more than 70", value=Decimal(70)))
    figure = make_figure(qualifier="more_than", value_text="more than 70", lower=Decimal(70))
    assert figure.value is None and figure.lower == 70


def test_an_exact_figure_needs_a_value(make_figure):
    refused(lambda: make_figure(qualifier="exact", value_text="16", lower=Decimal(16)))


def test_a_period_cannot_end_before_it_starts(make_figure):
    refused(lambda: make_figure(period_start=date(2012, 1, 1), period_end=date(2011, 1, 1)))


def test_a_deprecated_figure_needs_a_reason(make_figure):
    refused(lambda: make_figure(rank=Figure.Rank.DEPRECATED))
    assert make_figure(rank=Figure.Rank.DEPRECATED, rank_reason="revised by the agency").pk


def test_source_slugs_are_unique(make_source):
    make_source(slug="zhanaozen-report")
    refused(lambda: make_source(slug="zhanaozen-report"))


def test_aliases_are_unique_whatever_their_case(make_entity):
    almaty = make_entity("Almaty")
    EntityAlias.objects.create(entity=almaty, name="Alma-Ata")
    refused(lambda: EntityAlias.objects.create(entity=make_entity("Elsewhere"), name="ALMA-ATA"))


def test_a_metric_range_cannot_run_backwards(db):
    refused(lambda: Metric.objects.create(slug="x", name="X", unit="u", min_value=Decimal(2), max_value=Decimal(1)))


def test_a_review_is_of_exactly_one_thing(make_figure, make_claim, reviewer):
    figure, claim = make_figure(), make_claim()
    refused(lambda: Review.objects.create(figure=figure, claim=claim, verdict="verified", reviewer=reviewer,
                                          rationale="both"))
    refused(lambda: Review.objects.create(verdict="verified", reviewer=reviewer, rationale="neither"))


def test_a_source_with_figures_cannot_be_deleted_by_accident(make_figure):
    figure = make_figure()
    refused(lambda: Source.objects.filter(pk=figure.source_id).delete())


def test_a_publication_precision_needs_a_date(make_source):
    refused(lambda: make_source(published_precision="day", published_on=None))
