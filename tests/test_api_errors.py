"""Every bad request to the API gets a clear answer, never a 500: a bad parameter 400 with its reason, an unknown
record 404, a write 405 — in JSON, like every answer of the API."""

import base64
import json

import pytest

from api.pagination import encode


def cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def bad_request(client, path, params) -> dict:
    response = client.get(path, params)
    assert response.status_code == 400, (path, params, response.content)
    assert response["Content-Type"] == "application/json"
    return response.json()


@pytest.mark.parametrize(("path", "params", "parameter"), [
    ("/api/figures/", {"metirc": "gini"}, "metirc"),  # a typo must not quietly return everything
    ("/api/figures/", {"format": "csv"}, "format"),
    ("/api/metrics/", {"q": "gini"}, "q"),
    ("/api/figures/", {"page_size": "0"}, "page_size"),
    ("/api/figures/", {"page_size": "201"}, "page_size"),
    ("/api/figures/", {"page_size": "ten"}, "page_size"),
    ("/api/figures/", {"page_size": "١٠"}, "page_size"),  # Arabic-Indic digits are digits to Python, not to us
    ("/api/figures/", {"page_size": ["5", "6"]}, "page_size"),
    ("/api/figures/", {"metric": "no-such-metric"}, "metric"),
    ("/api/figures/", {"subject": "Atlantis"}, "subject"),
    ("/api/figures/", {"source": "no-such-source"}, "source"),
    ("/api/figures/", {"status": "draft"}, "status"),  # drafts are not a public status
    ("/api/figures/", {"value_min": "lots"}, "value_min"),
    ("/api/figures/", {"value_max": "1e400"}, "value_max"),
    ("/api/figures/", {"value_min": "NaN"}, "value_min"),
    ("/api/figures/", {"period_after": "the other day"}, "period_after"),
    ("/api/figures/", {"dimension": "welfare"}, "dimension"),
    ("/api/figures/", {"dimension": "welfare=a\x00b"}, "dimension"),
    ("/api/figures/", {"q": "a\x00b"}, "q"),
    ("/api/figures/", {"cursor": "a\x00b"}, "cursor"),
    ("/api/figures/", {"conflicting": "yes"}, "conflicting"),
    ("/api/figures/", {"sort": "colour"}, "sort"),
    ("/api/claims/", {"speaker": "nobody-at-all"}, "speaker"),
    ("/api/sources/", {"published_after": "someday"}, "published_after"),
    ("/api/comparisons/", {"conflicting": "2"}, "conflicting"),
    ("/api/reviews/", {"figure": "abc"}, "figure"),
    ("/api/reviews/", {"figure": str(10**30)}, "figure"),
    ("/api/reviews/", {"verdict": "draft"}, "verdict"),
    ("/api/figures/1/", {"page_size": "5"}, "page_size"),  # a record takes no parameters
])
def test_a_bad_parameter_answers_400_naming_it_and_why(client, db, path, params, parameter):
    body = bad_request(client, path, params)
    assert list(body["errors"]) == [parameter] and body["errors"][parameter][0]
    assert parameter in body["detail"]


@pytest.mark.parametrize("payload", [
    "not base64 at all ✗", cursor(["sideways", [1]]), cursor(["after", [1, 2, 3, 4, 5]]), cursor(["after", [True, 1]]),
    cursor(["after", ["2011-13-45", 1]]), cursor(["after", [{"$gt": 1}, 1]]), cursor({"after": 1}),
    cursor(["after", ["2011-01-01", 10**30]]), cursor(["after", ["2011-01-01", "1e999999"]]),
    base64.urlsafe_b64encode(b'["after",[NaN,1]]').decode(), cursor(["after", ["2011-01-01\x00", 1]]),
    "A" * 2001,
])
def test_a_cursor_the_list_did_not_give_out_answers_400(client, db, payload):
    body = bad_request(client, "/api/figures/", {"cursor": payload})
    assert "cursor" in body["errors"]


def test_a_cursor_of_another_sort_answers_400_not_a_wrong_page(client, make_figure):
    make_figure()
    value_cursor = encode("after", ["16", 1])  # the value sort's position
    assert bad_request(client, "/api/figures/", {"cursor": value_cursor, "sort": "-period"})["errors"]["cursor"]


def test_a_huge_decimal_in_a_value_cursor_answers_400(client, make_figure):
    make_figure()
    body = bad_request(client, "/api/figures/", {"sort": "value", "cursor": encode("after", ["1e999999", 1])})
    assert "cursor" in body["errors"]


def test_a_query_string_longer_than_4096_characters_answers_400(client, db):
    body = bad_request(client, "/api/figures/", {"q": "x" * 5000})
    assert "4096" in body["detail"]


@pytest.mark.parametrize("path", ["/api/figures/999999/", "/api/figures/abc/", "/api/claims/0/",
                                  "/api/sources/no-such-source/", "/api/reviews/1/", "/api/comparisons/1/",
                                  "/api/entities/nobody/", "/api/outlets/nobody/", "/api/metrics/nothing/",
                                  f"/api/figures/{10**30}/"])
def test_an_unknown_record_answers_404_in_json(client, db, path):
    response = client.get(path)
    assert response.status_code == 404 and response.json()["detail"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/api/figures/", "/api/sources/", "/api/reviews/", "/api/schema/"])
def test_the_api_is_read_only_every_write_answers_405(client, make_figure, method, path):
    figure = make_figure()
    for target in (path, f"/api/figures/{figure.pk}/", f"/api/sources/{figure.source.slug}/"):
        response = getattr(client, method)(target, data="{}", content_type="application/json")
        assert response.status_code == 405, (method, target)
        assert "GET" in response["Allow"]


def test_head_and_options_answer_like_a_read(client, make_figure):
    make_figure()
    assert client.head("/api/figures/").status_code == 200
    assert client.options("/api/figures/").status_code == 200
