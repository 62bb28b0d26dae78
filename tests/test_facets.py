"""Facets beside the lists: counts that link to their filter, bounded in queries and size."""

from datetime import date

from django.urls import reverse

from factbase import listing
from sources.models import Outlet

FIGURES = reverse("claims:figure-list")


def facet(response, parameter):
    return {item["slug"]: item for f in response.context["facets"] if f["parameter"] == parameter
            for item in f["items"]}


def test_facets_count_the_matching_figures_and_change_with_the_filters(client, make_figure, make_source, gini):
    outlet = Outlet.objects.create(slug="icp", name="ICP")
    source = make_source(slug="one", outlet=outlet)
    make_figure(source=source)
    make_figure(source=source, metric=gini, value_text="0.3")
    make_figure(period_start=date(2022, 1, 1), period_end=date(2022, 12, 31))
    everything = client.get(FIGURES)
    assert facet(everything, "metric")["death-toll"]["count"] == 2
    assert facet(everything, "year")["2011"]["count"] == 2
    assert facet(everything, "outlet")["icp"]["count"] == 2
    narrowed = client.get(FIGURES, {"source": "one"})
    assert facet(narrowed, "metric")["death-toll"]["count"] == 1
    assert set(facet(narrowed, "source")) == {"one"}


def test_a_facet_link_adds_its_filter_and_a_selected_one_removes_it(client, make_figure, make_source):
    make_figure(source=make_source(slug="one"))
    make_figure(source=make_source(slug="two"))
    items = facet(client.get(FIGURES, {"source": "one", "page": "1"}), "source")
    assert items["one"]["selected"] and items["one"]["url"] == "?"
    second = client.get(FIGURES + "?metric=death-toll&source=one")
    years = facet(second, "year")
    assert years["2011"]["url"] == "?metric=death-toll&source=one&period_after=2011&period_before=2011"


def test_facets_show_the_top_values_then_more(client, make_figure, monkeypatch):
    monkeypatch.setattr(listing, "FACET_SIZE", 3)
    for _ in range(5):
        make_figure()  # five subjects
    subjects = next(f for f in client.get(FIGURES).context["facets"] if f["parameter"] == "subject")
    assert len(subjects["items"]) == 3 and subjects["more"]


def test_facets_count_a_sample_when_the_matches_are_many(client, make_figure, monkeypatch):
    monkeypatch.setattr(listing, "SAMPLE", 3)
    for _ in range(5):
        make_figure()
    response = client.get(FIGURES)
    assert sum(item["count"] for item in facet(response, "subject").values()) == 3
    page = response.content.decode()
    assert "first 3 matches" in page and "More than 3" in page
    assert len(response.context["objects"]) == 5  # the list itself is not cut short


def test_facets_take_one_query_each(client, make_figure, django_assert_max_num_queries):
    for _ in range(20):
        make_figure()
    # sample, page, names of the top facet values: independent of the number of rows
    with django_assert_max_num_queries(8):
        client.get(FIGURES)
