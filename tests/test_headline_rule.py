"""Which figure leads a comparison, by the reader's rule — database-free."""

from datetime import date
from decimal import Decimal

import pytest

from claims.comparisons import HEADLINE_RULES, HeadlineFacts, headline

D = Decimal


def fact(pk, value=None, lower=None, upper=None, rank="normal", status="unverified", origin="media", published=None):
    return HeadlineFacts(pk, rank, status, origin, value, lower, upper, published)


# The Zhanaozen death toll as the seed sources give it.
OFFICIAL = fact(1, D(16), origin="official", published=date(2012, 1, 5))
ACTIVISTS = fact(2, lower=D(70), origin="opposition", published=date(2021, 12, 16))
MIDDLE = fact(3, D(40), origin="ngo", published=date(2016, 6, 1))
TOLLS = [ACTIVISTS, MIDDLE, OFFICIAL]


def test_the_preferred_rule_takes_the_curators_preferred_figure():
    preferred = fact(4, D(17), rank="preferred")
    assert headline([*TOLLS, preferred], "preferred") == preferred


def test_without_a_preferred_figure_a_verified_one_leads_else_the_first_recorded():
    verified = fact(9, D(18), status="verified")
    assert headline([*TOLLS, verified], "preferred") == verified
    assert headline(TOLLS, "preferred") == OFFICIAL  # the lowest id


def test_most_conservative_is_the_smallest_number_a_source_commits_to():
    assert headline(TOLLS, "conservative") == OFFICIAL
    assert headline([ACTIVISTS, MIDDLE], "conservative") == MIDDLE  # 40 is below "more than 70"'s 70


def test_official_origin_leads_when_there_is_one():
    assert headline(TOLLS, "official") == OFFICIAL
    assert headline([ACTIVISTS, MIDDLE], "official") == ACTIVISTS  # none official: the preferred order decides


def test_latest_is_the_most_recently_published_source():
    assert headline(TOLLS, "latest") == ACTIVISTS
    undated = fact(5, D(1))
    assert headline([undated, MIDDLE], "latest") == MIDDLE  # a source with no date never counts as latest


def test_deprecated_and_false_figures_lead_only_when_nothing_else_stands():
    deprecated = fact(6, D(1), rank="deprecated", published=date(2030, 1, 1))
    false = fact(7, D(2), status="false", origin="official")
    assert headline([deprecated, false, MIDDLE], "conservative") == MIDDLE
    assert headline([deprecated, false, MIDDLE], "official") == MIDDLE
    assert headline([deprecated, false], "conservative") == deprecated


@pytest.mark.parametrize("rule", HEADLINE_RULES)
def test_every_rule_gives_the_same_headline_whatever_the_order(rule):
    assert headline(TOLLS, rule) == headline(list(reversed(TOLLS)), rule)


def test_an_unknown_rule_is_refused_by_name():
    with pytest.raises(ValueError, match="loudest"):
        headline(TOLLS, "loudest")
