"""Properties of the parsers over any text (hypothesis): only ParseError escapes, hostile text of
10,000 characters is answered within 50 ms, and a formatted value reads back as itself.

No database; the 50 ms deadline has a wide margin (a refusal by length takes microseconds, a full
parse of 300 characters well under a millisecond), so it catches super-linear time, not noise.
"""

import contextlib
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.parsing import (
    ParsedValue,
    ParseError,
    format_value,
    parse_number,
    parse_number_words,
    parse_period,
    parse_value_text,
    period_from_cells,
)

# Pieces people (and fuzzers) type: digits, separators, scales, qualifiers, number words, dates, oddities.
PIECES = [
    "0", "1", "7", "12", "34", "070", "2011", "1,234", "1 234", "30\u202f000", "0,332", "5.5", ".", ",", "'", "-", "–",
    "—", "−", "+", "%", "$", "£", "€", "₽", "₸", "/", "½", "²", "e", "E", "e400", "x", "k", "m", "bn", "mln", "млн",
    "тыс.", "млрд", "million", "thousand", "trillion", "hundred", "dozen", "dozens", "hundreds", "of", "thousands",
    "a", "an", "one", "two", "twenty", "ninety-nine", "third", "half", "quarter", "in", "every", "seven", "and",
    "between", "from", "to", "more than", "at least", "up to", "nearly", "almost", "just over", "some", "about",
    "an estimated", "~", "≈", "не менее", "более", "около", "почти", "десятки", "тысяч", "ни", "одного", "not",
    "single",
    "percent", "per cent", "dollars", "tenge", "rupees", "or more", "plus", "NaN", "Infinity", "inf", "0x10", "1e400",
    "Dec", "December", "декабря", "г.", "2011-12", "2011-12-16", "0000", "31", "Feb", "29", "  ", "\u00a0", "\t", "\n",
    "zzz", "٣", "１", "\x00", "\ud800",
]
texts = st.lists(st.sampled_from(PIECES), max_size=12).map(" ".join) | st.lists(
    st.sampled_from(PIECES), max_size=12).map("".join) | st.text(max_size=60)


# More examples than hypothesis' default 100: each takes microseconds, and 100 missed "between 0".
thorough = settings(max_examples=1000)


def only_parse_errors(parse, *args, **options):
    # Any other exception fails the test; a ParseError is the refusal a curator reads.
    with contextlib.suppress(ParseError):
        parse(*args, **options)


@thorough
@given(texts)
def test_only_parse_error_escapes_parse_value_text(text):
    only_parse_errors(parse_value_text, text)
    only_parse_errors(parse_value_text, text, decimal_comma=True, relative=True)


@thorough
@given(texts)
def test_only_parse_error_escapes_parse_number(text):
    only_parse_errors(parse_number, text)
    only_parse_errors(parse_number, text, decimal_comma=True)


@thorough
@given(texts)
def test_only_parse_error_escapes_parse_number_words(text):
    only_parse_errors(parse_number_words, text)


@thorough
@given(texts | st.integers() | st.floats())
def test_only_parse_error_escapes_parse_period(text):
    only_parse_errors(parse_period, text)


@thorough
@given(texts, texts | st.none())
def test_only_parse_error_escapes_period_from_cells(start, end):
    only_parse_errors(period_from_cells, start, end)


def repeated(pieces: list[str], length: int) -> str:
    unit = " ".join(pieces) + " "
    return (unit * (length // len(unit) + 1))[:length]


hostile = st.lists(st.sampled_from(PIECES + ["between" + " " * 50, "one zzz one one", "2011-" * 5]), min_size=1,
                   max_size=8)
quick = settings(deadline=timedelta(milliseconds=50), suppress_health_check=[HealthCheck.too_slow])


@quick
@given(hostile)
def test_no_text_of_10000_characters_takes_over_50_ms(pieces):
    text = repeated(pieces, 10_000)
    only_parse_errors(parse_value_text, text)
    only_parse_errors(parse_number, text)
    only_parse_errors(parse_period, text)
    only_parse_errors(period_from_cells, text, text)


@quick
@given(hostile)
def test_no_text_within_the_length_limits_takes_over_50_ms(pieces):
    # Within the limits the text is really parsed, not refused by its length.
    only_parse_errors(parse_value_text, repeated(pieces, 300), relative=True)
    only_parse_errors(parse_number, repeated(pieces, 100))
    only_parse_errors(parse_period, repeated(pieces, 100))


@thorough
@given(texts, st.booleans(), st.booleans())
def test_a_parsed_value_formatted_and_parsed_again_is_the_same(text, decimal_comma, relative):
    try:
        parsed = parse_value_text(text, decimal_comma=decimal_comma, relative=relative)
    except ParseError:
        return
    assert parse_value_text(format_value(parsed)) == parsed


# At most 15 significant digits, 10 decimal places, 15 digits before the point: what factbase keeps.
numbers = st.builds(lambda digits, places: Decimal(f"{digits}E-{places}"),
                    st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1), st.integers(min_value=0, max_value=10))
units = st.sampled_from([None, "percent", "USD", "GBP", "EUR", "RUB", "KZT", "INR"])


@st.composite
def parsed_values(draw):
    qualifier = draw(st.sampled_from(["exact", "approximate", "more_than", "at_least", "less_than", "at_most",
                                      "range"]))
    unit = draw(units)
    if qualifier == "range":
        lower, upper = sorted([draw(numbers), draw(numbers)])
        return ParsedValue(qualifier, None, lower, upper, unit)
    number = draw(numbers)
    if qualifier in ("more_than", "at_least"):
        return ParsedValue(qualifier, None, number, None, unit)
    if qualifier in ("less_than", "at_most"):
        return ParsedValue(qualifier, None, None, number, unit)
    return ParsedValue(qualifier, number, None, None, unit)


@thorough
@given(parsed_values())
def test_any_value_within_the_limits_formats_and_reads_back_as_itself(parsed):
    assert parse_value_text(format_value(parsed)) == parsed
