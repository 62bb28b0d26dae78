"""A page costs what it shows, not what the database holds: the same number of queries with 5 records as with 50,
and a source's page lists at most SOURCE_PAGE_ROWS of its figures and claims, linking to the rest."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.views import SOURCE_PAGE_ROWS


@pytest.fixture
def grow(make_source, make_figure, make_claim, make_entity, death_toll):
    """grow(n): n more public figures and claims in one source and n others (comparisons among them)."""
    source = make_source(slug="big")
    subject = make_entity(slug="zhanaozen")
    made = []

    def add(n: int):
        for _ in range(n):
            made.append(None)
            other = make_source()
            make_figure(source=source, subject=subject, value_text=str(len(made)))
            make_figure(source=other, subject=subject, value_text=str(len(made)))
            make_claim(source=source)
        return source

    return add


def queries(client, url) -> int:
    cache.clear()  # the home page keeps its counts for a minute: measure the page as its first reader pays for it
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


PAGES = ["/", "/figures/", "/claims/", "/sources/", "/compare/", "/sources/big/", "/figures/?source=big",
         "/figures/?q=1", "/api/figures/", "/api/sources/", "/feed.atom"]


@pytest.mark.parametrize("url", PAGES)
def test_a_page_takes_as_many_queries_with_50_records_as_with_5(client, grow, url):
    grow(5)
    few = queries(client, url)
    grow(45)
    assert queries(client, url) == few


def test_the_detail_pages_take_as_many_queries_with_50_records_as_with_5(client, grow):
    from claims.models import Claim, Figure

    grow(5)
    figure, claim = Figure.objects.filter(source__slug="big").first(), Claim.objects.filter(source__slug="big").first()
    few = [queries(client, figure.get_absolute_url()), queries(client, claim.get_absolute_url())]
    grow(45)
    assert [queries(client, figure.get_absolute_url()), queries(client, claim.get_absolute_url())] == few


def test_a_source_page_lists_the_first_rows_and_links_to_all(client, grow, settings, monkeypatch):
    monkeypatch.setattr("claims.views.SOURCE_PAGE_ROWS", 3)
    grow(5)
    page = client.get("/sources/big/").content.decode()
    assert "Figures (5)" in page and "Claims (5)" in page
    assert "The first 3 of 5" in page
    assert 'href="/figures/?source=big&amp;sort=source"' in page
    assert page.count('class="value-text"') == 3


def test_the_sources_reporting_the_same_figures_are_named_with_how_many(client, grow):
    grow(2)
    page = client.get("/sources/big/").content.decode()
    assert "Reports the same figures as" in page
    assert "(1 figure in common comparisons)" in page


def test_the_page_limit_is_generous():
    assert SOURCE_PAGE_ROWS >= 100
