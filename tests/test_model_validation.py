"""Validation refuses what the database cannot see, with messages that say what was expected."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from claims.models import Claim, Figure, Review


def errors_of(instance):
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


def test_a_misquote_is_refused_with_a_message(make_source):
    claim = Claim(source=make_source(), quote="We will crush them", status="unverified")
    assert "does not occur in the source’s text" in errors_of(claim)["quote"][0]


def test_a_quote_typed_with_straight_quotes_matches_curly_ones(make_source):
    source = make_source()
    claim = Claim(source=source, quote='"We will restore order,"', status="unverified")
    claim.full_clean()
    assert source.text[claim.anchor_start:claim.anchor_end] == "“We will restore order,”"
    assert claim.anchor_prefix.endswith("dead. ")
    assert claim.quote == "“We will restore order,”", "the quote is stored as the source writes it"


def test_a_gini_above_one_is_refused_naming_the_range(make_source, make_entity, gini):
    figure = Figure(source=make_source(), metric=gini, subject=make_entity(), value_text="1.7", value=Decimal("1.7"),
                    period_start="2020-01-01", period_end="2020-12-31")
    message = errors_of(figure)["value"][0]
    assert "1.7 is outside the range of Gini coefficient" in message
    assert "expected 0 to 1 coefficient" in message


def test_bounds_are_read_from_the_value_text_when_left_empty(make_source, make_entity, death_toll):
    figure = Figure(source=make_source(), metric=death_toll, subject=make_entity(), value_text="more than 70",
                    period_start="2011-01-01", period_end="2011-12-31")
    figure.full_clean()
    assert (figure.qualifier, figure.value, figure.lower, figure.upper) == ("more_than", None, 70, None)
    assert figure.anchor_start is not None


def test_a_qualifier_that_contradicts_the_value_text_is_refused(make_source, make_entity, death_toll):
    figure = Figure(source=make_source(), metric=death_toll, subject=make_entity(), value_text="more than 70",
                    qualifier="exact", value=Decimal(70), period_start="2011-01-01", period_end="2011-12-31")
    message = errors_of(figure)["qualifier"][0]
    assert "reads as more than 70 (a lower bound, no value)" in message


def test_nobody_verifies_their_own_entry(make_figure, curator, other_curator):
    figure = make_figure(created_by=curator)
    own = Review(figure=figure, verdict="verified", reviewer=curator, rationale="looks right")
    assert "a different reviewer must give the verdict" in errors_of(own)["__all__"][0]
    Review(figure=figure, verdict="verified", reviewer=other_curator, rationale="checked").full_clean()


def test_a_verdict_becomes_the_figures_status(make_figure, reviewer):
    figure = make_figure()
    Review.objects.create(figure=figure, verdict="disputed", reviewer=reviewer, rationale="other sources differ")
    figure.refresh_from_db()
    assert figure.status == "disputed"
    assert figure.history.first().history_change_reason.endswith("Disputed")


def test_an_alias_cannot_be_another_entitys_name(make_entity):
    make_entity("Astana")
    from claims.models import EntityAlias

    alias = EntityAlias(entity=make_entity("Somewhere"), name="astana")
    assert "already the name of the entity “Astana”" in errors_of(alias)["name"][0]
