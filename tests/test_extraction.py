"""Suggestions from a text: quotes with their speakers, guessed metrics and subjects, offsets that
point into the text as given, repeated paragraphs suggested once, and bounded input and output.

No database: claims.extraction takes the known metrics and entities as hints.
"""

import json
from decimal import Decimal

import pytest

from claims import extraction
from claims.extraction import EntityHint, MetricHint, Suggestion, TextTooLong, extract

TOKAYEV = EntityHint("tokayev", "Kassym-Jomart Tokayev", ("Tokayev",), "person")
SMK = EntityHint("socialist-movement-of-kazakhstan", "Socialist Movement of Kazakhstan", ("SMK",), "organisation")
ECONOMISTS = EntityHint("opposition-economists", "Opposition economists (Kazakhstan)", (), "group")
ZHANAOZEN = EntityHint("zhanaozen", "Zhanaozen", (), "place")
ENTITIES = [TOKAYEV, SMK, ECONOMISTS, ZHANAOZEN]
METRICS = [MetricHint("death-toll", "Death toll", "people"), MetricHint("turnout", "Turnout", "percent"),
           MetricHint("gini-coefficient", "Gini coefficient", "coefficient"),
           MetricHint("strike-duration", "Strike duration", "months")]


def quotes(text, **options):
    return [(s.text, s.speaker_entity) for s in extract(text, entities=ENTITIES, **options) if s.kind == "quote"]


def only(kind, text, **options):
    found = [s for s in extract(text, metrics=METRICS, entities=ENTITIES, **options) if s.kind == kind]
    assert len(found) == 1, [s.text for s in found]
    return found[0]


# Quotes and speakers ----------------------------------------------------------------------------------------------

def test_a_claim_after_claimed_that_is_a_quote_by_the_named_speaker():
    assert quotes("In a televised address, Tokayev claimed that welfare breeds massive parasitism.") == [
        ("welfare breeds massive parasitism", "tokayev")]


def test_he_said_after_a_quote_is_resolved_to_the_person_named_before():
    text = "Tokayev spoke on television. “We will restore order,” he said."
    assert quotes(text) == [("We will restore order,", "tokayev")]


def test_according_to_names_the_speaker_of_what_follows():
    assert quotes("According to the SMK, the reforms curtail all democratic rights.") == [
        ("the reforms curtail all democratic rights", "socialist-movement-of-kazakhstan")]


def test_according_to_at_the_end_names_the_speaker_of_what_precedes():
    assert quotes("These figures are greatly underestimated, according to opposition economists.") == [
        ("These figures are greatly underestimated", "opposition-economists")]


def test_a_russian_claim_after_zayavil_chto_is_a_quote_by_the_speaker():
    text = "Токаев заявил, что «социальные пособия развращают граждан»."
    russian_tokayev = EntityHint("tokayev", "Касым-Жомарт Токаев", ("Токаев",), "person")
    found = [(s.text, s.speaker_entity) for s in extract(text, entities=[russian_tokayev]) if s.kind == "quote"]
    assert found == [("социальные пособия развращают граждан", "tokayev")]


def test_a_russian_quote_followed_by_skazal_on_is_resolved():
    text = "Выступил Токаев. «Мы наведём порядок», — сказал он."
    russian_tokayev = EntityHint("tokayev", "Касым-Жомарт Токаев", ("Токаев",), "person")
    found = [(s.text, s.speaker_entity) for s in extract(text, entities=[russian_tokayev]) if s.kind == "quote"]
    assert found == [("Мы наведём порядок", "tokayev")]


def test_the_authors_own_voice_is_no_quote():
    # "We pointed out" and "it should be noted that" are the article speaking, not someone it quotes.
    assert quotes("We pointed out that the reforms failed. It should be noted that prices rose.") == []


def test_a_noun_that_looks_like_a_verb_starts_no_quote():
    assert quotes("The United States and the EU signed it. They ignored the demands of the people.") == []


def test_a_title_in_quotation_marks_is_no_quote():
    assert quotes("The law “On Trade Unions” was signed in 2014.") == []


def test_an_unclosed_quotation_mark_gives_no_quote_across_the_line():
    assert quotes("He called it “a disgrace.\nThe next day nothing changed.") == []


# Metrics and subjects --------------------------------------------------------------------------------------------

def test_killed_guesses_a_death_toll():
    assert only("figure", "Police said 16 people were killed.").metric == "death-toll"


def test_turnout_guesses_the_turnout_metric_for_a_percent():
    assert only("figure", "The total turnout was only 68.44%.").metric == "turnout"


def test_a_gini_value_guesses_the_gini_coefficient():
    assert only("figure", "The Gini coefficient rose to 0.332.").metric == "gini-coefficient"


def test_a_metric_in_months_is_not_guessed_for_a_count():
    # "strike" is in the sentence, but 70 is no duration: a metric measured in months cannot hold it.
    assert only("figure", "During the strike more than 70 workers were killed.").metric == "death-toll"


def test_a_percent_is_not_guessed_as_a_death_toll():
    assert only("figure", "Nobody was killed, and 37% voted.").metric is None


def test_the_place_named_in_the_sentence_is_the_subject():
    assert only("figure", "In Zhanaozen 16 people died.").subject == "zhanaozen"


# Offsets, repeats and bounds ----------------------------------------------------------------------------------------

def test_offsets_point_into_the_text_exactly_as_given():
    text = "Uncurly “quotes”,\u00a0tabs\tand\r\nCRLF: more than\u00a070 died; «около 740 тысяч»."
    for suggestion in extract(text):
        assert text[suggestion.start:suggestion.end] == suggestion.text


def test_a_repeated_paragraph_is_suggested_once():
    paragraph = "Official statistics show some 740,000 people with disabilities, the president said.\n"
    found = [s.start for s in extract(paragraph * 2) if s.kind == "figure"]
    assert found == [paragraph.index("some")]


def test_repeats_are_suggested_when_asked():
    paragraph = "Official statistics show some 740,000 people with disabilities, the president said.\n"
    assert len([s for s in extract(paragraph * 2, skip_repeated=False) if s.kind == "figure"]) == 2


def test_a_text_longer_than_the_limit_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(extraction, "MAX_TEXT_LENGTH", 100)
    with pytest.raises(TextTooLong, match="the text is 101 characters long; at most 100 are read"):
        extract("1" * 101)


def test_at_most_the_limit_of_suggestions_of_a_kind_is_returned():
    assert len(extract("There were 16 dead. " * 50, limit=10)) == 10


def test_the_language_is_guessed_from_the_letters():
    # Russian texts write decimals with a comma: "5,5" is five and a half there.
    assert only("figure", "Инфляция составила 5,5%.").value == Decimal("5.5")


# The JSON of one suggestion ----------------------------------------------------------------------------------------

def test_a_figure_as_json_has_exactly_the_keys_design_fixes_with_numbers_as_numbers():
    figure = Suggestion("figure", 10, 22, "about 0.421", value=Decimal("0.421"), qualifier="approximate",
                        metric="gini-coefficient", subject="kazakhstan")
    assert json.loads(json.dumps(figure.as_json())) == {
        "kind": "figure", "start": 10, "end": 22, "text": "about 0.421", "value": 0.421, "lower": None,
        "upper": None, "qualifier": "approximate", "unit": None, "metric": "gini-coefficient"}


def test_a_quote_as_json_has_exactly_the_keys_design_fixes():
    quote = Suggestion("quote", 0, 5, "order", speaker="Kassym-Jomart Tokayev", speaker_entity="tokayev")
    assert quote.as_json() == {"kind": "quote", "start": 0, "end": 5, "text": "order",
                               "speaker": "Kassym-Jomart Tokayev"}
