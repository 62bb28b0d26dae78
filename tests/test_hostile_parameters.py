"""No parameter of any list, page or admin changelist makes a 500: a bad value is a 4xx that says why (or a page
that explains it), a harmless one a 200.

The parameters are read from the FilterSets and the URL configuration themselves, so a filter added tomorrow is
swept too. NUL bytes matter on PostgreSQL, which refuses them in a query: run this file there as well
(DATABASE_URL=postgres://…).
"""

import pytest
from django.contrib import admin
from django.urls import get_resolver, reverse

from api.urls import router
from claims.filters import ComparisonFilter
from factbase.listing import FilteredListView

HOSTILE = {
    "empty": "",
    "huge": "x" * 100_000,
    "huge-number": "1" * 100_000,
    "superscript-two": "²",
    "arabic-indic-digits": "١٠",
    "right-to-left": "\u202eabc\u202c",
    "emoji": "😀",
    "nul": "\x00",
    "nul-inside": "a\x00b",
    "zero": "0",
    "negative": "-1",
    "past-64-bits": "99999999999999999999",
    "negative-past-64-bits": "-99999999999999999999",
    "400-digits": "9" * 400,
    "year-zero-month": "0000-0001",
    "year-zero": "0000",
    "five-digit-year": "99999-01-01",
    "no-such-day": "2011-02-30",
    "nonsense": "nonsense",
    "overflowing-float": "1e400",
    "nan": "NaN",
    "infinity": "Infinity",
    "percent": "%",
    "format-string": "%s %(x)s",
    "like-wildcard": "_",
    "quote": "' OR 1=1 --",
}


def public_lists() -> dict[str, tuple]:
    """Every public list page by URL: its FilterSet, and the parameters it reads besides the filters."""
    lists = {}
    for pattern in get_resolver().url_patterns:
        for inner in getattr(pattern, "url_patterns", []):
            view_class = getattr(inner.callback, "view_class", None)
            if view_class and issubclass(view_class, FilteredListView):
                lists[reverse(f"{pattern.namespace}:{inner.name}")] = (view_class.filterset_class,
                                                                       ["page", "format", "o"])
    lists[reverse("claims:compare")] = (ComparisonFilter, ["page", "across"])
    for _prefix, viewset, basename in router.registry:
        if viewset.filterset_class is not None:
            lists[reverse(f"api:{basename}-list")] = (viewset.filterset_class, ["cursor", "page_size"])
    return lists


LISTS = public_lists()
CASES = [(url, name) for url, (filterset, extra) in LISTS.items() for name in [*filterset.base_filters, *extra]]


@pytest.fixture
def corpus(make_figure, make_claim, make_source):
    figure = make_figure()
    make_claim(source=figure.source)
    return figure


def assert_answered(response, what):
    assert response.status_code < 500, what
    if 400 <= response.status_code < 500 and response.status_code not in (404, 405):
        # a 4xx says why: the page's list of errors, or the API's `detail`
        body = response.content.decode()
        assert "Invalid filter" in body or "detail" in body or "errors" in body, (what, body[:500])


def test_the_sweep_covers_every_list_and_every_filter():
    assert {"/figures/", "/claims/", "/sources/", "/compare/", "/api/figures/", "/api/reviews/"} <= set(LISTS)
    assert ("/figures/", "period_after") in CASES and ("/api/sources/", "published_before") in CASES


@pytest.mark.parametrize(("url", "parameter"), CASES)
def test_no_value_of_a_list_parameter_makes_a_500(client, corpus, url, parameter):
    client.raise_request_exception = False
    for label, value in HOSTILE.items():
        assert_answered(client.get(url, {parameter: value}), (url, parameter, label))
        assert_answered(client.get(url, {parameter: [value, "2011"]}), (url, parameter, label, "repeated"))


@pytest.mark.parametrize("value", ["²", "0", "99999999999999999999", "1" * 100_000, "-1", "\x00"])
@pytest.mark.parametrize("url", ["/figures/", "/claims/", "/sources/", "/compare/"])
def test_a_page_that_is_not_a_page_number_is_a_400_with_the_reason(client, corpus, url, value):
    response = client.get(url, {"page": value})
    assert response.status_code == 400
    assert b"page" in response.content.lower()


@pytest.mark.parametrize("url", ["/figures/", "/claims/", "/sources/"])
def test_an_unknown_format_is_a_400_naming_the_formats(client, corpus, url):
    response = client.get(url, {"format": "bogus"})
    assert response.status_code == 400
    assert "Unknown format “bogus”" in response.content.decode()


def test_a_huge_search_is_refused_with_its_length(client, corpus):
    response = client.get("/figures/", {"q": "x" * 100_000})
    assert response.status_code == 400
    assert "at most 500 characters" in response.content.decode()


def test_a_nul_in_a_metric_on_compare_is_a_400(client, corpus):
    response = client.get("/compare/", {"metric": "\x00"})
    assert response.status_code == 400
    assert "No metric has the slug" in response.content.decode()


@pytest.mark.parametrize("value", ["0000-0001", "0", "99999-01-01", "%"])
def test_a_period_the_api_cannot_read_is_a_400_with_the_value(client, corpus, value):
    response = client.get("/api/figures/", {"period_after": value})
    assert response.status_code == 400
    assert value in response.json()["detail"]


DETAIL_IDS = ["0", "99999999999999999999", "9" * 400, "²", "%00", "😀", "x" * 5_000]


@pytest.mark.parametrize("value", DETAIL_IDS)
def test_no_record_address_makes_a_500(client, corpus, value):
    client.raise_request_exception = False
    paths = [f"/figures/{value}/", f"/claims/{value}/", f"/sources/{value}/", f"/sources/{value}/cite.json",
             f"/sources/{value}/cite.bib"]
    paths += [f"/api/{prefix}/{value}/" for prefix, _viewset, _basename in router.registry]
    for path in paths:
        assert_answered(client.get(path), path)


ADMIN_PARAMETERS = ["q", "p", "o", "e", "_to_field", "all", "id__gte", "pk__in", "status__exact", "source__id__exact"]


@pytest.mark.parametrize("model_admin", list(admin.site._registry.values()), ids=lambda m: m.opts.label_lower)
def test_no_changelist_parameter_makes_a_500(client, corpus, admin_user, model_admin):
    client.raise_request_exception = False
    client.force_login(admin_user)  # every changelist, the third-party ones too
    url = reverse(f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_changelist")
    names = [*ADMIN_PARAMETERS, *(f"{name}__exact" for name in model_admin.list_filter if isinstance(name, str))]
    # Django's own answers (a redirect to ?e=1 for an unknown filter, its 400 page) are fine here.
    failures = [(name, label) for name in names for label, value in HOSTILE.items()
                if client.get(url, {name: value}).status_code >= 500]
    assert not failures, url


def test_a_huge_admin_search_is_refused_with_a_message(client, corpus, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:claims_figure_changelist"), {"q": "x" * 100_000})
    assert response.status_code == 200
    assert "Searches take at most 500 characters" in response.content.decode()
