"""The JSON API under /api/: the public pages' records and filters, for machines.

The pages are the reference: every filter must give the rows the page gives (its `format=json` download holds
all of them), in the page's order; a figure carries exactly the download's columns, numbers exact.
"""

import json
from decimal import Decimal

import pytest

from api.testing import corpus_fixture, ids, walk  # noqa: F401 - corpus_fixture is the fixture `corpus`
from claims.exports import FIGURE_COLUMNS


def export_ids(client, path: str, params: dict) -> set:
    response = client.get(path, {**params, "format": "json"})
    assert response.status_code == 200
    return {row["id"] for row in json.loads(b"".join(response.streaming_content))}


FIGURE_QUERIES = [
    {}, {"source": "official-report"}, {"source": ["official-report", "activist-account"]}, {"outlet": "icp"},
    {"metric": "gini-coefficient"}, {"subject": "zhanaozen"}, {"subject": "Zhanaozen massacre"},
    {"subject": "Kazakhstan"}, {"status": "disputed"}, {"status": "unverified"}, {"q": "70"}, {"q": "Gini"},
    {"value_min": "50"}, {"value_max": "1"}, {"value_min": "0.3", "value_max": "0.4"}, {"period_after": "2018"},
    {"period_before": "2011-12"}, {"period_after": "June 2019", "period_before": "2019-06-09"},
    {"conflicting": "1"}, {"dimension": "welfare=consumption"}, {"dimension": "Welfare = Income"},
    {"found_in": "table"}, {"metric": "death-toll", "subject": "zhanaozen", "conflicting": "1"},
]


@pytest.mark.parametrize("query", FIGURE_QUERIES)
def test_figure_filters_give_the_rows_the_page_gives(client, corpus, query):
    results, _ = walk(client, "/api/figures/", {**query, "page_size": 2})
    assert set(ids(results)) == export_ids(client, "/figures/", query)
    assert len(results) == len(set(ids(results)))


@pytest.mark.parametrize("sort", ["", "value", "-value", "period", "-period", "source", "-source", "metric",
                                  "-metric"])
def test_figures_come_in_the_pages_order_for_every_sort(client, corpus, sort):
    page = client.get("/figures/", {"sort": sort}, follow=True)  # an empty sort redirects to the clean address
    results, _ = walk(client, "/api/figures/", {"sort": sort, "page_size": 3})
    assert ids(results) == [figure.pk for figure in page.context["objects"]]


@pytest.mark.parametrize("query", [
    {}, {"source": "official-report"}, {"outlet": "steppe-gazette"}, {"speaker": "tokayev"},
    {"speaker": "Kassym-Jomart Tokayev"}, {"about": "Zhanaozen massacre"}, {"status": "verified"},
    {"q": "order"}, {"sort": "speaker"}, {"sort": "added"},
])
def test_claim_filters_give_the_rows_the_page_gives(client, corpus, query):
    results, _ = walk(client, "/api/claims/", {**query, "page_size": 1})
    assert set(ids(results)) == export_ids(client, "/claims/", query)
    page = client.get("/claims/", query)
    if "q" not in query:  # a page may rank a search by relevance (PostgreSQL); the API keeps its sort
        assert ids(results) == [claim.pk for claim in page.context["objects"]]


@pytest.mark.parametrize("query", [
    {}, {"outlet": "icp"}, {"outlet": ["icp", "steppe-gazette"]}, {"kind": "article"}, {"language": "en"},
    {"published_after": "2013"}, {"published_before": "2012-01"}, {"q": "activists"}, {"sort": "title"},
    {"sort": "published"},
])
def test_source_filters_give_the_rows_the_page_gives(client, corpus, query):
    results, _ = walk(client, "/api/sources/", {**query, "page_size": 1})
    response = client.get("/sources/", {**query, "format": "json"})
    assert {row["slug"] for row in json.loads(b"".join(response.streaming_content))} == set(ids(results, "slug"))
    page = client.get("/sources/", query)
    if "q" not in query:  # a page may rank a search by relevance (PostgreSQL); the API keeps its sort
        assert ids(results, "slug") == [source.slug for source in page.context["objects"]]


@pytest.mark.parametrize("query", [{}, {"metric": "gini-coefficient"}, {"subject": "zhanaozen"},
                                   {"subject": "Zhanaozen massacre"}, {"conflicting": "1"}, {"conflicting": "0"}])
def test_comparison_filters_give_the_comparisons_the_compare_page_gives(client, corpus, query):
    results, _ = walk(client, "/api/comparisons/", {**query, "page_size": 1})
    page = client.get("/compare/", query)
    assert ids(results) == [group.pk for group in page.context["groups"]]
    assert results, "the corpus has comparisons to compare"


def test_a_figure_carries_the_spreadsheet_columns_with_the_downloads_values(client, corpus):
    response = client.get("/figures/", {"format": "json"})
    exported = {row["id"]: row for row in json.loads(b"".join(response.streaming_content))}
    results, _ = walk(client, "/api/figures/")
    assert len(results) == len(exported)
    for figure in results:
        row = exported[figure["id"]]
        for column in FIGURE_COLUMNS:
            if column in ("value", "lower", "upper"):
                # The download writes JSON numbers; the API exact decimal strings of the same numbers.
                assert (figure[column] is None and row[column] in (None, "")) or (
                    Decimal(figure[column]) == Decimal(str(row[column]))), (column, figure[column], row[column])
            else:
                assert figure[column] == row[column], (column, figure[column], row[column])


def test_numbers_come_out_exactly_as_stored_as_strings(client, corpus):
    figures = corpus["figures"]
    turnout = client.get(f"/api/figures/{figures['turnout'].pk}/").json()
    assert turnout["value"] == "41.4146018709"  # not 41.414602, not 41.4146018709000001
    migration = client.get(f"/api/figures/{figures['migration'].pk}/").json()
    assert migration["value"] == "-5000" and migration["in_metric_unit"]["value"] == "-5000"
    seventy = client.get(f"/api/figures/{figures['seventy'].pk}/").json()
    assert (seventy["value"], seventy["lower"], seventy["upper"]) == (None, "70", None)


def test_a_number_written_in_percent_keeps_its_unit_and_gives_the_metrics_too(client, corpus):
    gini = client.get(f"/api/figures/{corpus['figures']['gini_percent'].pk}/").json()
    assert (gini["value"], gini["unit"], gini["value_text"]) == ("27.01", "percent", "27.01%")
    assert gini["in_metric_unit"] == {"unit": "coefficient", "value": "0.2701", "lower": None, "upper": None}


def test_a_figure_links_to_its_page_source_comparison_claim_and_the_figure_it_revises(client, corpus):
    figures = corpus["figures"]
    sixteen = client.get(f"/api/figures/{figures['sixteen'].pk}/").json()
    links = sixteen["links"]
    assert links["page"] == f"http://testserver/figures/{figures['sixteen'].pk}/"
    assert client.get(links["page"]).status_code == 200
    assert client.get(links["source"]).json()["slug"] == "official-report"
    comparison = client.get(links["comparison"]).json()
    assert {figure["id"] for figure in comparison["figures"]} == {figures["sixteen"].pk, figures["seventy"].pk}
    assert comparison["conflicting"] is True and (comparison["lowest"], comparison["highest"]) == ("16", "70")
    assert client.get(links["claim"]).json()["quote"] == "We will restore order"
    assert sixteen["attributed_to"] == "prosecutor-general"
    revised = client.get(f"/api/figures/{figures['gini_revised'].pk}/").json()
    assert revised["links"]["supersedes"].endswith(f"/api/figures/{figures['gini_official'].pk}/")
    assert client.get(f"/api/figures/{figures['from_table'].pk}/").json()["links"]["comparison"] is None


def test_a_public_figure_does_not_link_a_draft_claim_or_a_withdrawn_figure(client, corpus):
    figure = client.get(f"/api/figures/{corpus['figures']['from_table'].pk}/").json()
    assert figure["links"]["claim"] is None and figure["links"]["supersedes"] is None
    listed = client.get("/api/figures/", {"page_size": 200}).content.decode()
    assert f"/api/claims/{corpus['draft_claim'].pk}/" not in listed
    assert f"/api/figures/{corpus['figures']['withdrawn'].pk}/" not in listed


def test_period_is_given_at_its_precision_and_as_dates(client, corpus):
    migration = client.get(f"/api/figures/{corpus['figures']['migration'].pk}/").json()
    assert (migration["period_start"], migration["period_end"]) == ("2020-03", "2020-03")
    assert migration["period"] == {"start": "2020-03-01", "end": "2020-03-31", "precision": "month"}


def test_a_source_gives_its_full_text_in_the_detail_only_and_links_its_citations(client, corpus):
    listed = walk(client, "/api/sources/")[0]
    assert all("text" not in source for source in listed)
    official = client.get("/api/sources/official-report/").json()
    assert official["text"] == corpus["sources"]["official"].text
    assert official["outlet"] == "steppe-gazette" and official["published_on"] == "2012-01-15"
    assert client.get(official["links"]["cite_bibtex"]).status_code == 200
    assert client.get(official["links"]["outlet"]).json()["name"] == "Steppe Gazette"


def test_a_claim_names_its_speaker_what_it_is_about_and_its_figures(client, corpus):
    claim = client.get(f"/api/claims/{corpus['claim'].pk}/").json()
    assert (claim["speaker"], claim["speaker_name"], claim["about"]) == (
        "tokayev", "Kassym-Jomart Tokayev", ["zhanaozen"])
    assert claim["links"]["figures"] == [f"http://testserver/api/figures/{corpus['figures']['sixteen'].pk}/"]
    assert claim["anchor_start"] is not None


def test_reviews_give_the_verdict_and_only_public_evidence(client, corpus):
    review = client.get(f"/api/reviews/{corpus['review'].pk}/").json()
    assert (review["verdict"], review["target_kind"], review["target"], review["current"]) == (
        "disputed", "figure", corpus["figures"]["seventy"].pk, True)
    assert review["evidence"] == ["official-report"]  # the draft dossier is evidence too, but not public
    listed = walk(client, "/api/reviews/", {"figure": corpus["figures"]["seventy"].pk})[0]
    assert ids(listed) == [corpus["review"].pk]
    assert ids(walk(client, "/api/reviews/", {"verdict": "verified"})[0]) == [corpus["claim_review"].pk]
    assert ids(walk(client, "/api/reviews/", {"evidence": "official-report"})[0]) == [corpus["review"].pk]


def test_a_review_of_an_earlier_wording_is_not_current(client, corpus):
    figure = corpus["figures"]["seventy"]
    figure.value_text = "more than 71"
    figure.lower = Decimal(71)
    figure.save()
    assert client.get(f"/api/reviews/{corpus['review'].pk}/").json()["current"] is False


def test_entities_outlets_and_metrics_list_only_what_public_records_name(client, corpus):
    entities = ids(walk(client, "/api/entities/")[0], "slug")
    assert "secret-committee" not in entities and {"zhanaozen", "tokayev", "prosecutor-general"} <= set(entities)
    zhanaozen = client.get("/api/entities/zhanaozen/").json()
    assert zhanaozen["aliases"] == ["Zhanaozen massacre"]
    assert set(ids(walk(client, zhanaozen["links"]["figures"])[0])) == {
        corpus["figures"]["sixteen"].pk, corpus["figures"]["seventy"].pk}
    assert ids(walk(client, "/api/outlets/")[0], "slug") == ["icp", "steppe-gazette"]
    gini = client.get("/api/metrics/gini-coefficient/").json()
    assert (gini["min_value"], gini["max_value"], gini["unit"]) == ("0", "1", "coefficient")


def test_the_api_root_lists_every_resource(client, db):
    root = client.get("/api/").json()
    assert set(root) == {"sources", "claims", "figures", "comparisons", "reviews", "entities", "outlets", "metrics"}
