"""Cursor pages: a walk through any list, in any sort, meets every row once — forwards, backwards, and while rows
are added; NULLs, ties and expressions in the sort included, on SQLite and PostgreSQL alike."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from api.pagination import MAX_PAGE_SIZE
from api.testing import corpus_fixture, ids, walk  # noqa: F401 - corpus_fixture is the fixture `corpus`
from claims.models import Figure, Review
from sources.models import Source


@pytest.fixture
def many_figures(make_figure, make_source, make_entity, death_toll):
    """Figures with ties in every sort column: equal values, equal periods, the same source, and one figure that
    is not anchored in its text (anchor_start NULL, which the source sort orders by)."""
    place = make_entity("Zhanaozen", slug="zhanaozen")
    sources = [make_source(slug=f"report-{n}", title=f"Report {n}") for n in range(3)]
    figures = []
    for n in range(17):
        figure = make_figure(source=sources[n % 3], subject=place, value_text=f"{10 + n % 4} (row {n})",
                             value=Decimal(10 + n % 4),
                             note=f"figure {n}", period_start=date(2010 + n % 3, 1, 1),
                             period_end=date(2010 + n % 3, 12, 31))
        figures.append(figure)
    figures.append(make_figure(source=sources[0], subject=place, value_text="more than 12", value=None,
                               lower=Decimal(12), qualifier="more_than", note="a bound only"))
    for n, figure in enumerate(figures):
        if n != 1:
            Figure.objects.filter(pk=figure.pk).update(anchor_start=n % 5, anchor_end=n % 5 + 2)
    return figures


SORTS = ["", "value", "-value", "period", "-period", "source", "-source", "metric", "-metric"]


@pytest.mark.parametrize("sort", SORTS)
def test_walking_the_figures_meets_every_row_once_in_the_lists_order(client, many_figures, sort):
    whole = client.get("/api/figures/", {"sort": sort, "page_size": MAX_PAGE_SIZE}).json()["results"]
    assert len(whole) == len(many_figures)
    walked, pages = walk(client, "/api/figures/", {"sort": sort, "page_size": 4})
    assert ids(walked) == ids(whole)
    assert pages == 5  # 18 rows, 4 a page


@pytest.mark.parametrize("sort", SORTS)
def test_walking_back_from_the_end_meets_every_row_once_in_reverse(client, many_figures, sort):
    forward, _ = walk(client, "/api/figures/", {"sort": sort, "page_size": 4})
    last_page = client.get("/api/figures/", {"sort": sort, "page_size": 4})
    while last_page.json()["next"]:
        last_page = client.get(last_page.json()["next"])
    body = last_page.json()
    backward, _ = walk(client, "", direction="previous", start=body["previous"])
    assert ids(backward) == list(reversed(ids(forward)))[len(body["results"]):]


@pytest.mark.parametrize("sort", ["", "value", "-period", "source"])
def test_rows_added_during_a_walk_neither_repeat_nor_push_out_the_rows_that_were_there(
        client, many_figures, make_figure, death_toll, sort):
    before = set(ids(client.get("/api/figures/", {"sort": sort, "page_size": MAX_PAGE_SIZE}).json()["results"]))
    first = client.get("/api/figures/", {"sort": sort, "page_size": 5}).json()
    place = many_figures[0].subject
    # New rows sorting before, among and after the rows already seen: the same values, periods and sources.
    for n, source in enumerate(figure.source for figure in many_figures[:6]):
        make_figure(source=source, subject=place, value_text=f"{9 + n} (added {n})", value=Decimal(9 + n),
                    period_start=date(2009 + n % 5, 1, 1), period_end=date(2009 + n % 5, 12, 31))
    rest, _ = walk(client, "", start=first["next"])
    seen = ids(first["results"]) + ids(rest)
    assert len(seen) == len(set(seen)), "a row came twice"
    assert before <= set(seen), "a row that was there was skipped"


def test_sources_without_a_date_are_walked_where_the_database_sorts_them(client, make_source):
    # The default sort is newest first: NULL dates come first on PostgreSQL and last on SQLite, and the walk
    # follows the database, ties (the same date and title) broken by id.
    for n in range(7):
        make_source(slug=f"dated-{n}", title="Same title", published_on=date(2020, 1, 1 + n % 2),
                    published_precision="day")
        make_source(slug=f"undated-{n}", title=f"Undated {n % 2}")
    expected = list(Source.objects.public().order_by("-published_on", "title", "id").values_list("slug", flat=True))
    walked, _ = walk(client, "/api/sources/", {"page_size": 3})
    assert ids(walked, "slug") == expected


def test_claims_sorted_by_speaker_walk_through_claims_with_no_speaker(client, make_claim, make_entity):
    speaker = make_entity("Tokayev", slug="tokayev")
    for n in range(9):
        make_claim(speaker=speaker if n % 3 else None, note=f"claim {n}")
    whole = client.get("/api/claims/", {"sort": "speaker", "page_size": MAX_PAGE_SIZE}).json()["results"]
    walked, _ = walk(client, "/api/claims/", {"sort": "speaker", "page_size": 2})
    assert ids(walked) == ids(whole) and len(walked) == 9


def test_reviews_at_the_same_moment_walk_by_their_time_exactly(client, make_figure, reviewer):
    figure = make_figure()
    moment = Review.objects.create(figure=figure, verdict="verified", reviewer=reviewer, rationale="r").reviewed_at
    for n in range(6):
        review = Review.objects.create(figure=figure, verdict="disputed", reviewer=reviewer, rationale=f"r{n}")
        Review.objects.filter(pk=review.pk).update(reviewed_at=moment + timedelta(microseconds=n % 2))
    for sort in ("-reviewed", "reviewed"):
        whole = client.get("/api/reviews/", {"sort": sort, "page_size": MAX_PAGE_SIZE}).json()["results"]
        walked, _ = walk(client, "/api/reviews/", {"sort": sort, "page_size": 2})
        assert ids(walked) == ids(whole) and len(walked) == 7


def test_comparisons_walk_by_their_disagreement(client, corpus):
    whole = client.get("/api/comparisons/", {"page_size": MAX_PAGE_SIZE}).json()["results"]
    walked, _ = walk(client, "/api/comparisons/", {"page_size": 1})
    assert ids(walked) == ids(whole) and len(walked) >= 2


def test_a_page_keeps_the_filters_and_the_sort_in_its_links(client, many_figures):
    body = client.get("/api/figures/", {"subject": "zhanaozen", "sort": "-value", "page_size": 2}).json()
    assert "subject=zhanaozen" in body["next"] and "sort=-value" in body["next"] and "page_size=2" in body["next"]
    assert body["previous"] is None


def test_past_either_end_the_page_is_empty_and_leads_back_to_the_rows_there(client, many_figures):
    whole = ids(client.get("/api/figures/", {"page_size": MAX_PAGE_SIZE}).json()["results"])
    assert client.get("/api/figures/", {"page_size": 20}).json()["next"] is None
    # The last row withdrawn after the page before it was read: the page after is empty, and leads back to
    # the rows up to the one that page ended with.
    first = client.get("/api/figures/", {"page_size": 17}).json()
    Figure.objects.filter(pk=whole[-1]).update(status="withdrawn")
    after = client.get(first["next"]).json()
    assert after["results"] == [] and after["next"] is None
    assert ids(client.get(after["previous"]).json()["results"]) == whole[:17][-17:]
    # And backwards: the first row withdrawn, the page before the second is empty and leads forward again.
    second = client.get(client.get("/api/figures/", {"page_size": 1}).json()["next"]).json()
    Figure.objects.filter(pk=whole[0]).update(status="withdrawn")
    before = client.get(second["previous"]).json()
    assert before["results"] == [] and before["previous"] is None
    assert ids(client.get(before["next"]).json()["results"])[0] == whole[1]
