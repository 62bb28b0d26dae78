"""Properties of extract() over any text (hypothesis): it never fails, and every suggestion's text is
exactly the text at its offsets, with a qualifier and bounds a Figure accepts.

No database. Speed is measured in bench/extraction.py (hostile texts included), not here.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from claims.extraction import extract

PIECES = [
    "16", "2011", "1,234", "30 000", "0.332", "5,5", "%", "$", "£", "₸", "-", "–", "/", ":", ".", ",", "“", "”", "«",
    "»", '"', "‘", "’", "\n", " ", "more than", "nearly", "about", "up to", "between", "and", "from", "to", "one",
    "two", "twenty", "thousand", "million", "bn", "m", "half", "a", "third", "dozens", "hundreds", "of", "in",
    "every", "seven", "years", "ago", "old", "aged", "Article", "No", "19th", "said", "claimed that", "he", "she",
    "Tokayev", "according to", "более", "около", "почти", "тысяч", "млн", "десятки", "заявил", "что", "лет", "назад",
    "января", "December", "pm", "not", "a single", "doubled", "percent",
]
texts = st.lists(st.sampled_from(PIECES), max_size=40).map(" ".join) | st.lists(
    st.sampled_from(PIECES), max_size=40).map("".join) | st.text(max_size=200)


@settings(max_examples=500)
@given(texts, st.sampled_from([None, "en", "ru"]))
def test_every_suggestion_is_the_text_at_its_offsets(text, language):
    for suggestion in extract(text, language=language):
        assert 0 <= suggestion.start < suggestion.end <= len(text)
        assert text[suggestion.start:suggestion.end] == suggestion.text


@settings(max_examples=500)
@given(texts)
def test_every_figure_has_the_bounds_its_qualifier_needs(text):
    needs = {"exact": ("value",), "approximate": ("value",), "more_than": ("lower",), "at_least": ("lower",),
             "less_than": ("upper",), "at_most": ("upper",), "range": ("lower", "upper")}
    for suggestion in extract(text):
        if suggestion.kind == "figure":
            given_fields = {name for name in ("value", "lower", "upper") if getattr(suggestion, name) is not None}
            assert given_fields == set(needs[suggestion.qualifier])
            if suggestion.qualifier == "range":
                assert suggestion.lower <= suggestion.upper
