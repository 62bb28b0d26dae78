"""/compare/: figures of one metric, subject and period side by side, conflicts first."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from claims import comparisons
from claims.models import Comparison, Figure

COMPARE = reverse("claims:compare")


def test_16_against_more_than_70_is_a_conflict(make_figure, make_entity):
    place = make_entity("Zhanaozen")
    make_figure(subject=place, value_text="16")
    make_figure(subject=place, value_text="more than 70", qualifier="more_than", lower=Decimal(70))
    comparison = Comparison.objects.get()
    assert comparison.conflicting and comparison.disagreement > 1
    assert (comparison.lowest, comparison.highest) == (16, 70)


def test_about_a_number_overlaps_a_close_one(make_figure, make_entity, gini):
    country = make_entity("Kazakhstan")
    make_figure(subject=country, metric=gini, value_text="0.41")
    make_figure(subject=country, metric=gini, value_text="about 0.421", qualifier="approximate",
                value=Decimal("0.421"))
    assert not Comparison.objects.get().conflicting  # 0.421 ± 5 % reaches down to 0.41


def test_one_source_repeating_itself_is_no_comparison(make_figure, make_source, make_entity):
    source, place = make_source(), make_entity()
    make_figure(source=source, subject=place, value_text="16")
    make_figure(source=source, subject=place, value_text="17")
    assert not Comparison.objects.exists()


def test_ten_outlets_repeating_one_ministry_are_one_origin(make_figure, make_entity):
    place, ministry = make_entity("Zhanaozen"), make_entity("Ministry of the Interior")
    for _ in range(4):
        make_figure(subject=place, value_text="16", attributed_to=ministry)
    make_figure(subject=place, value_text="more than 70", qualifier="more_than", lower=Decimal(70))
    comparison = Comparison.objects.get()
    assert (comparison.figure_count, comparison.source_count, comparison.origin_count) == (5, 5, 2)


def test_the_comparison_follows_edits_withdrawals_and_moves(make_figure, make_entity):
    place = make_entity()
    first = make_figure(subject=place, value_text="16")
    second = make_figure(subject=place, value_text="16")
    assert not Comparison.objects.get().conflicting
    second.value_text, second.value = "90", Decimal(90)
    second.save()
    assert Comparison.objects.get().conflicting
    assert set(Figure.objects.filter(in_conflict=True)) == {first, second}
    second.status = "withdrawn"
    second.save()
    assert not Comparison.objects.exists()
    assert not Figure.objects.filter(in_conflict=True).exists()
    second.status = "unverified"
    second.period_start, second.period_end = date(2012, 1, 1), date(2012, 12, 31)
    second.save()
    assert not Comparison.objects.exists()  # moved to another period: nothing left to compare
    first.delete()
    assert comparisons.rebuild() == 0


def test_conflicting_figures_are_listed_by_the_figure_filter(client, make_figure, make_entity):
    place, calm = make_entity(), make_entity()
    conflict = [make_figure(subject=place, value_text="16"),
                make_figure(subject=place, value_text="more than 70", qualifier="more_than", lower=Decimal(70))]
    make_figure(subject=calm, value_text="16")
    make_figure(subject=calm, value_text="16")
    page = client.get(reverse("claims:figure-list"), {"conflicting": "1"}).content.decode()
    shown = {int(chunk.split('"')[0]) for chunk in page.split('data-figure-id="')[1:]}
    assert shown == {figure.pk for figure in conflict}


def test_the_compare_page_draws_each_group_and_sorts_by_disagreement(client, make_figure, make_entity, gini,
                                                                        django_assert_max_num_queries):
    place, country = make_entity("Zhanaozen"), make_entity("Kazakhstan")
    make_figure(subject=place, value_text="16")
    make_figure(subject=place, value_text="more than 70", qualifier="more_than", lower=Decimal(70))
    make_figure(subject=country, metric=gini, value_text="0.33")
    make_figure(subject=country, metric=gini, value_text="0.34")
    with django_assert_max_num_queries(6):
        page = client.get(COMPARE).content.decode()
    assert page.count('<svg class="chart chart-wide"') == 2  # and a narrow drawing of each, for phones
    assert page.index("Zhanaozen") < page.index("Kazakhstan")  # the conflict first
    assert "no upper end" in page  # the open end of "more than 70"
    filtered = client.get(COMPARE, {"metric": "gini-coefficient"}).content.decode()
    assert filtered.count('<svg class="chart chart-wide"') == 1 and "Kazakhstan" in filtered
    assert client.get(COMPARE, {"subject": "Atlantis"}).status_code == 400


@pytest.mark.django_db
def test_the_seed_corpus_shows_the_zhanaozen_and_gini_disagreements(client):
    call_command("seed", verbosity=0)
    page = client.get(COMPARE, {"conflicting": "1"}).content.decode()
    assert "Zhanaozen" in page and "Gini coefficient" in page
    zhanaozen = Comparison.objects.get(metric__slug="death-toll", subject__name__icontains="Zhanaozen",
                                       period_start__year=2011)
    assert zhanaozen.conflicting
    values = set(Figure.objects.public().comparable_with(zhanaozen).values_list("value_text", flat=True))
    assert {"16", "more than 70"} <= values


def test_rebuild_comparisons_recomputes_what_the_table_lost(db, make_figure, make_entity, make_source):
    from django.core.management import call_command

    from claims.models import Comparison

    subject = make_entity("Zhanaozen")
    make_figure(subject=subject, value_text="16")
    make_figure(subject=subject, value_text="more than 70", value=None, lower=70, qualifier="more_than")
    Comparison.objects.all().delete()  # as if the rules had changed since the table was built
    call_command("rebuild_comparisons")
    assert Comparison.objects.get().conflicting
