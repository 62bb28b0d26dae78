"""/compare/: the reader picks the rule that chooses each comparison's headline, and the page and the download
say which rule it was; a disagreement is always between two sources."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from claims.models import Comparison

COMPARE = reverse("claims:compare")


@pytest.fixture
def tolls(make_figure, make_source, make_entity):
    place = make_entity("Zhanaozen massacre 2011", slug="zhanaozen-2011")
    official = make_figure(subject=place, value_text="16", origin_role="official",
                           source=make_source(title="Official report", published_on=date(2012, 1, 5),
                                              published_precision="day"))
    activists = make_figure(subject=place, value_text="more than 70", value=None, lower=Decimal(70),
                            qualifier="more_than", origin_role="opposition",
                            source=make_source(title="Activists’ account", published_on=date(2021, 12, 16),
                                               published_precision="day"))
    return official, activists


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_page_names_the_headline_and_the_rule_that_chose_it(client, tolls):
    official, activists = tolls
    page = client.get(COMPARE).content.decode()
    assert "Headline:" in page and "rule: preferred rank" in page
    page = client.get(COMPARE, {"headline": "latest"}).content.decode()
    headline = page[page.index("Headline:"):page.index("(rule:")]
    assert "more than 70" in headline and "Activists’ account" in headline
    assert 'value="latest" selected' in page and "rule: latest source" in page


def test_an_unknown_rule_is_a_400_that_names_the_rules(client, tolls):
    response = client.get(COMPARE, {"headline": "loudest"})
    assert response.status_code == 400 and "preferred, conservative, official, latest" in response.content.decode()


def test_the_download_marks_the_headline_and_says_the_rule(client, tolls):
    official, activists = tolls
    rows = _csv(client.get(COMPARE, {"headline": "conservative", "format": "csv"}))
    assert [(row["value_text"], row["headline"], row["headline_rule"], row["conflicting"]) for row in rows] == [
        ("16", "yes", "most conservative", "yes"), ("more than 70", "no", "most conservative", "yes")]
    rows = _csv(client.get(COMPARE, {"headline": "latest", "format": "csv"}))
    assert {row["value_text"] for row in rows if row["headline"] == "yes"} == {"more than 70"}


def test_one_source_setting_two_origins_against_each_other_is_no_disagreement(client, make_figure, make_source,
                                                                             make_entity):
    source, place, officials = make_source(), make_entity("Zhanaozen"), make_entity("Officials")
    make_figure(source=source, subject=place, value_text="16", attributed_to=officials)
    make_figure(source=source, subject=place, value_text="more than 70", value=None, lower=Decimal(70),
                qualifier="more_than")
    comparison = Comparison.objects.get()
    assert comparison.source_count == 1 and not comparison.conflicting
    assert "No two sources conflict yet." in client.get(reverse("claims:home")).content.decode()
    assert "one source" in client.get(COMPARE).content.decode()
