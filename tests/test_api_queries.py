"""A page of the API costs the same few queries whatever its size: what its records need from other rows
(links, spreadsheet columns, comparisons, evidence, aliases) is read for the whole page at once."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import EntityAlias, Figure, Review
from sources.models import Outlet

MAX_QUERIES = 8


@pytest.fixture
def crowd(make_source, make_entity, make_figure, make_claim, death_toll, reviewer):
    """Twelve figures in four comparisons, each in a claim with a speaker and subjects, each reviewed with
    evidence; entities with aliases; sources with outlets."""
    outlets = [Outlet.objects.create(slug=f"outlet-{n}", name=f"Outlet {n}") for n in range(3)]
    sources = [make_source(slug=f"source-of-{n}", outlet=outlets[n]) for n in range(3)]
    places = [make_entity(f"Place {n}", slug=f"place-{n}") for n in range(6)]
    for place in places:
        EntityAlias.objects.create(entity=place, name=f"Old {place.name}")
    previous = None
    for n in range(12):
        claim = make_claim(source=sources[n % 3], speaker=places[(n + 1) % 6], note=f"claim {n}")
        claim.about.add(places[n % 6], places[(n + 2) % 6])
        figure = make_figure(source=sources[n % 3], subject=places[n // 3], value_text=str(10 + n), claim=claim,
                             attributed_to=places[(n + 3) % 6], supersedes=previous,
                             period_start=date(2011, 1, 1), period_end=date(2011, 12, 31))
        review = Review.objects.create(figure=figure, verdict="disputed", reviewer=reviewer, rationale=f"r{n}")
        review.evidence.add(*sources)
        Review.objects.create(claim=claim, verdict="verified", reviewer=reviewer, rationale=f"c{n}")
        previous = figure
    assert Figure.objects.count() == 12


LISTS = ["/api/figures/", "/api/claims/", "/api/sources/", "/api/comparisons/", "/api/reviews/", "/api/entities/",
         "/api/outlets/", "/api/metrics/"]


def test_every_list_page_costs_the_same_queries_for_2_rows_as_for_all(client, crowd, django_assert_max_num_queries):
    for path in LISTS:
        counts = []
        for size in (2, 200):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path, {"page_size": size})
            assert response.status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1], (path, counts)
        with django_assert_max_num_queries(MAX_QUERIES):
            client.get(path, {"page_size": 200})


def test_a_later_page_costs_no_more_than_the_first(client, crowd, django_assert_max_num_queries):
    for path in ["/api/figures/?sort=value", "/api/claims/?sort=speaker", "/api/reviews/?sort=reviewed",
                 "/api/figures/?subject=Old+Place+1&sort=-value"]:
        first = client.get(path + "&page_size=2").json()
        assert first["next"], f"{path} has a second page"
        with django_assert_max_num_queries(MAX_QUERIES + 1):  # a filter by an entity's name looks it up
            assert client.get(first["next"]).status_code == 200
