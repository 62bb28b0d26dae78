"""The researchers' pages: what is public, filters, sorting, pagination and exports."""

import csv
import io
import json
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from claims.models import Figure
from sources.models import Outlet, Source

FIGURES = reverse("claims:figure-list")


def rows_of(response):
    return [int(line.split('"')[0]) for line in response.content.decode().split('data-figure-id="')[1:]]


def csv_rows(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def zhanaozen(make_figure, make_source, make_entity, death_toll):
    """The 2011 death toll as two sources give it: 16 (officials) and more than 70 (activists)."""
    place = make_entity("Zhanaozen", slug="zhanaozen")
    outlet = Outlet.objects.create(slug="icp", name="International Communist Press")
    official = make_figure(source=make_source(slug="official-report", title="Official report"), subject=place,
                           value_text="16")
    activists = make_figure(source=make_source(slug="activist-account", title="Activists' account", outlet=outlet),
                            subject=place, value_text="more than 70", qualifier="more_than", lower=Decimal(70))
    return official, activists


def test_drafts_withdrawn_and_unpublished_sources_never_appear(client, make_figure, make_source):
    public = make_figure()
    draft = make_figure(status="draft")
    withdrawn = make_figure(status="withdrawn")
    hidden_source = make_figure(source=make_source(status=Source.Status.DRAFT))
    page = client.get(FIGURES)
    assert rows_of(page) == [public.pk]
    exported = csv_rows(client.get(FIGURES, {"format": "csv"}))
    assert [int(row["id"]) for row in exported] == [public.pk]
    for hidden in (draft, withdrawn, hidden_source):
        assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(hidden_source.source.get_absolute_url()).status_code == 404


def test_figures_filter_by_source_metric_subject_and_outlet(client, zhanaozen, make_figure, gini):
    official, activists = zhanaozen
    make_figure(metric=gini, value_text="0.332")
    assert rows_of(client.get(FIGURES, {"source": "official-report"})) == [official.pk]
    both = client.get(FIGURES + "?source=official-report&source=activist-account")
    assert sorted(rows_of(both)) == sorted([official.pk, activists.pk])
    assert sorted(rows_of(client.get(FIGURES, {"metric": "death-toll", "subject": "zhanaozen"}))) == sorted(
        [official.pk, activists.pk])
    assert rows_of(client.get(FIGURES, {"outlet": "icp"})) == [activists.pk]


def test_a_subject_can_be_named_by_its_alias(client, make_figure, make_entity):
    from claims.models import EntityAlias

    almaty = make_entity("Almaty")
    EntityAlias.objects.create(entity=almaty, name="Alma-Ata")
    figure = make_figure(subject=almaty)
    make_figure()
    assert rows_of(client.get(FIGURES, {"subject": "Alma-Ata"})) == [figure.pk]


@pytest.mark.parametrize(("low", "high", "matches"), [
    ("10", "20", {"16"}),  # 16 lies inside; "more than 70" cannot be below 20
    ("100", "", {"more than 70"}),  # the true number behind "more than 70" may exceed 100
    ("", "50", {"16"}),
    ("60", "80", {"more than 70"}),
])
def test_a_value_range_matches_figures_whose_range_reaches_into_it(client, zhanaozen, low, high, matches):
    # an empty bound is dropped from the address (a redirect to the clean URL) and means no bound
    page = client.get(FIGURES, {"value_min": low, "value_max": high}, follow=True)
    shown = set(Figure.objects.filter(pk__in=rows_of(page)).values_list("value_text", flat=True))
    assert shown == matches


def test_period_filters_take_years_months_or_days(client, make_figure):
    early = make_figure(period_start=date(2011, 1, 1), period_end=date(2011, 12, 31))
    late = make_figure(period_start=date(2022, 1, 1), period_end=date(2022, 1, 31), period_precision="month")
    assert rows_of(client.get(FIGURES, {"period_after": "2020"})) == [late.pk]
    assert rows_of(client.get(FIGURES, {"period_before": "2011-12"})) == [early.pk]
    assert rows_of(client.get(FIGURES, {"period_after": "2022-01-15", "period_before": "2022"})) == [late.pk]


@pytest.mark.parametrize("query", [
    {"source": "no-such-source"}, {"metric": "nope"}, {"subject": "Atlantis"}, {"status": "draft"},
    {"value_min": "abc"}, {"period_after": "someday"}, {"conflicting": "maybe"}, {"sort": "colour"},
    {"format": "docx"}, {"page": "two"},
])
def test_invalid_parameters_answer_400_with_the_reason_never_500(client, make_figure, query):
    make_figure()
    response = client.get(FIGURES, query)
    assert response.status_code == 400
    assert "Invalid filter" in response.content.decode()


def test_sorting_by_value_uses_the_bound_when_there_is_no_value(client, zhanaozen, make_figure):
    official, activists = zhanaozen
    middle = make_figure(value_text="40")
    assert rows_of(client.get(FIGURES, {"sort": "value"})) == [official.pk, middle.pk, activists.pk]
    assert rows_of(client.get(FIGURES, {"sort": "-value"})) == [activists.pk, middle.pk, official.pk]
    assert rows_of(client.get(FIGURES, {"o": "-value"})) == [activists.pk, middle.pk, official.pk]


@pytest.mark.parametrize("sort", ["period", "-period", "source", "-source", "metric", "-metric"])
def test_every_sort_lists_every_row_once(client, zhanaozen, make_figure, sort):
    make_figure(value_text="40")
    assert len(set(rows_of(client.get(FIGURES, {"sort": sort})))) == 3


def test_pagination_keeps_the_filters(client, make_figure, death_toll):
    source = Source.objects.create(slug="big", title="Big", text="", status="published")
    subject = make_figure().subject
    for n in range(55):
        make_figure(source=source, subject=subject, value_text=str(n))
    page = client.get(FIGURES, {"source": "big", "sort": "value"}).content.decode()
    assert 'href="?source=big&amp;sort=value&amp;page=2"' in page
    second = client.get(FIGURES, {"source": "big", "sort": "value", "page": 2})
    assert len(rows_of(second)) == 5
    assert client.get(FIGURES, {"source": "big", "page": 3}).status_code == 404


def test_a_figure_list_takes_a_bounded_number_of_queries(client, make_figure, django_assert_max_num_queries):
    for _ in range(30):
        make_figure()
    with django_assert_max_num_queries(12):
        client.get(FIGURES, {"q": "16", "sort": "value"})


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods", "json"])
def test_an_export_holds_exactly_the_filtered_rows_in_the_import_columns(client, zhanaozen, make_figure, fmt):
    official, _ = zhanaozen
    make_figure()
    response = client.get(FIGURES, {"source": "official-report", "format": fmt})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content) if response.streaming else response.getvalue()
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
        assert [row["id"] for row in rows] == [str(official.pk)]
        assert rows[0]["source"] == "official-report" and rows[0]["value_text"] == "16"
    elif fmt == "json":
        rows = json.loads(body)
        assert [row["id"] for row in rows] == [official.pk]
        assert set(rows[0]) >= {"source", "metric", "subject", "value", "lower", "upper", "qualifier", "unit"}
    elif fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        values = list(sheet.values)
        assert values[0][:3] == ("id", "source", "metric") and [row[0] for row in values[1:]] == [official.pk]


def test_an_export_has_every_matching_row_not_one_page(client, make_figure):
    source = Source.objects.create(slug="big", title="Big", text="", status="published")
    subject = make_figure().subject
    for n in range(60):
        make_figure(source=source, subject=subject, value_text=str(n))
    assert len(csv_rows(client.get(FIGURES, {"source": "big", "format": "csv"}))) == 60


def test_claims_and_sources_lists_filter_and_export(client, make_claim, make_source):
    shown = make_claim(source=make_source(slug="shown", title="Shown"))
    make_claim(status="draft")
    page = client.get(reverse("claims:claim-list"), {"source": "shown"})
    assert page.status_code == 200 and shown.get_absolute_url() in page.content.decode()
    exported = csv_rows(client.get(reverse("claims:claim-list"), {"format": "csv"}))
    assert [int(row["id"]) for row in exported] == [shown.pk]
    make_source(slug="hidden", status=Source.Status.DRAFT)
    sources = json.loads(b"".join(client.get(reverse("sources:list"), {"format": "json"}).streaming_content))
    assert "hidden" not in {row["slug"] for row in sources} and "shown" in {row["slug"] for row in sources}


def test_the_source_page_marks_claims_and_figures_in_the_text(client, make_claim, make_figure, make_source):
    source = make_source(slug="marked")
    claim = make_claim(source=source, quote="We will restore order")
    figure = make_figure(source=source, value_text="more than 70", qualifier="more_than", lower=Decimal(70))
    figure.anchor()
    figure.save()
    page = client.get(source.get_absolute_url()).content.decode()
    assert f'href="{claim.get_absolute_url()}" id="claim-{claim.pk}">We will restore order</a>' in page
    assert f'href="{figure.get_absolute_url()}" id="figure-{figure.pk}"' in page
    assert "activists counted <a" in page  # the figure sits in place, inside the running text


def test_detail_pages_show_provenance(client, zhanaozen, make_entity):
    official, activists = zhanaozen
    official.attributed_to = make_entity("Prosecutor General's Office")
    official.save()
    page = client.get(official.get_absolute_url()).content.decode()
    assert "Prosecutor General&#x27;s Office" in page and "Official report" in page
    assert "more than 70" in page  # the comparable figure from the other source
