"""Numbers and periods as people write them.

One module for the admin forms, the spreadsheet imports and extraction from
text: "more than 70" is a lower bound of 70, "some 740,000" an approximate
740000, "16–20" a range, "January 2022" a month. Every failure raises
ParseError with a message a curator can act on; nothing is guessed silently
(a decimal comma must be declared, never inferred).
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation


class ParseError(ValueError):
    pass


class Qualifier:
    """Mirror of Figure.Qualifier values, kept here so parsing has no Django import."""

    EXACT = "exact"
    APPROXIMATE = "approximate"
    MORE_THAN = "more_than"
    AT_LEAST = "at_least"
    LESS_THAN = "less_than"
    AT_MOST = "at_most"
    RANGE = "range"


class Precision:
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True)
class ParsedValue:
    qualifier: str
    value: Decimal | None
    lower: Decimal | None
    upper: Decimal | None


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    precision: str


# Longest phrases first so "no more than" wins over "more than".
_QUALIFIER_PHRASES = [
    (Qualifier.AT_LEAST, ["no fewer than", "no less than", "not less than", "a minimum of", "at least", "minimum"]),
    (Qualifier.AT_MOST, ["no more than", "not more than", "a maximum of", "at most", "up to", "maximum"]),
    (Qualifier.MORE_THAN, ["in excess of", "upwards of", "more than", "greater than", "over", "above", "beyond"]),
    (Qualifier.LESS_THAN, ["fewer than", "less than", "under", "below"]),
    (
        Qualifier.APPROXIMATE,
        [
            "approximately", "an estimated", "estimated", "roughly", "around", "about", "nearly",
            "almost", "circa", "approx.", "approx", "some", "ca.", "c.", "~", "≈",
        ],
    ),
]
_PHRASES = sorted(
    ((phrase, qualifier) for qualifier, phrases in _QUALIFIER_PHRASES for phrase in phrases),
    key=lambda item: -len(item[0]),
)

_SPACES = "\u00a0\u202f\u2009\u2007 "
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"
_NUMBER = rf"\d[\d{_SPACES},.']*\d|\d"
_SCALE = {"thousand": 10**3, "million": 10**6, "mln": 10**6, "m": 10**6, "billion": 10**9, "bn": 10**9}
_NUMBER_WITH_SCALE = rf"(?P<{{name}}>{_NUMBER})(?:\s*(?P<{{name}}_scale>thousand|million|mln|billion|bn)\b)?"
_PERCENT = r"\s*(?:%|per\s*cent|percent)"

_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "a": 1, "an": 1, "dozen": 12,
}
_FRACTION_WORDS = {"half", "halves", "third", "thirds", "quarter", "quarters", "fourth", "fourths", "fifth", "fifths",
                   "sixth", "sixths", "seventh", "sevenths", "eighth", "eighths", "ninth", "ninths", "tenth",
                   "tenths", "in", "out", "per", "every"}
_WORD_SCALES = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9}


def parse_number(text: str, *, decimal_comma: bool = False) -> Decimal:
    """Parse one number: "1,234", "1 234", "0,332" (decimal comma only when declared)."""
    raw = str(text).strip()
    cleaned = raw.replace("'", "")
    for space in _SPACES:
        cleaned = cleaned.replace(space, "")
    negative = cleaned[:1] in _DASHES
    if negative:
        cleaned = cleaned[1:]
    if not re.fullmatch(r"[\d.,]+", cleaned or "x"):
        raise ParseError(f"“{raw}” is not a number")
    if decimal_comma:
        if not re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d+)?|\d+(,\d+)?", cleaned):
            raise ParseError(f"“{raw}” is not a number written with a decimal comma (like 0,332 or 1.234,5)")
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif "," in cleaned:
        if not re.fullmatch(r"[1-9]\d{0,2}(,\d{3})+(\.\d+)?", cleaned):
            raise ParseError(
                f"“{raw}” has a comma that is not a thousands separator; "
                "if the file writes decimals with a comma (0,332), declare it decimal-comma"
            )
        cleaned = cleaned.replace(",", "")
    elif not re.fullmatch(r"\d+(\.\d+)?", cleaned):
        raise ParseError(f"“{raw}” is not a number")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ParseError(f"“{raw}” is not a number") from None
    return -number if negative else number


def parse_number_words(text: str) -> Decimal:
    """Parse English number words: "twenty thousand", "a million", "two hundred and forty"."""
    words = re.findall(r"[a-z]+", text.lower().replace("-", " "))
    words = [word for word in words if word != "and"]
    if not words or any(word not in _WORDS and word not in _WORD_SCALES for word in words):
        raise ParseError(f"“{text.strip()}” is not a number")
    total = current = 0
    for word in words:
        if word in _WORDS:
            current += _WORDS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        else:
            total += (current or 1) * _WORD_SCALES[word]
            current = 0
    return Decimal(total + current)


def _strip_qualifier(text: str) -> tuple[str | None, str]:
    lowered = text.lower()
    for phrase, qualifier in _PHRASES:
        if lowered.startswith(phrase) and (
            not phrase[-1].isalpha() or len(lowered) == len(phrase) or not lowered[len(phrase)].isalpha()
        ):
            return qualifier, text[len(phrase):].strip()
    return None, text


def _scaled(match: re.Match, name: str, decimal_comma: bool) -> Decimal:
    number = parse_number(match.group(name), decimal_comma=decimal_comma)
    scale = match.group(f"{name}_scale")
    return number * _SCALE[scale.lower()] if scale else number


def parse_value_text(text: str, *, decimal_comma: bool = False) -> ParsedValue:
    """Read a figure as written into qualifier, value and bounds.

    Words after the number ("more than 70 strikers") are allowed and ignored;
    a percent sign is dropped (the metric carries the unit).
    """
    original = str(text or "").strip()
    if not original:
        raise ParseError("the value is empty")
    body = original
    qualifier, body = _strip_qualifier(body)
    between = re.match(r"between\s+(.*?)\s+and\s+(.*)", body, re.IGNORECASE)
    if between and qualifier is None:
        body = f"{between.group(1)}–{between.group(2)}"

    first = _NUMBER_WITH_SCALE.format(name="low")
    second = _NUMBER_WITH_SCALE.format(name="high")
    range_match = re.match(
        rf"(?:{first})(?:{_PERCENT})?\s*(?:[{_DASHES}]|to)\s*(?:{second})(?:{_PERCENT})?(?![\d])",
        body,
        re.IGNORECASE,
    )
    if range_match:
        if qualifier not in (None, Qualifier.APPROXIMATE):
            raise ParseError(f"“{original}”: a range cannot also be “{qualifier.replace('_', ' ')}”")
        lower = _scaled(range_match, "low", decimal_comma)
        upper = _scaled(range_match, "high", decimal_comma)
        if lower > upper:
            raise ParseError(f"“{original}”: the range runs backwards ({lower} is above {upper})")
        return ParsedValue(Qualifier.RANGE, None, lower, upper)

    single = re.match(rf"(?:{first})(?:{_PERCENT})?\s*(?P<plus>\+)?", body, re.IGNORECASE)
    if single:
        number = _scaled(single, "low", decimal_comma)
        rest = body[single.end():]
        if re.match(r"\s*[\d]", rest):
            raise ParseError(f"“{original}” holds more than one number; write a range as 16–20")
        if single.group("plus"):
            if qualifier not in (None, Qualifier.AT_LEAST):
                raise ParseError(f"“{original}”: “+” means at least, which contradicts the words before it")
            qualifier = Qualifier.AT_LEAST
    else:
        words = re.match(r"[a-zA-Z][a-zA-Z\- ]*", body)
        if not words:
            raise ParseError(f"“{original}” is not a number (expected e.g. 1,234, 43.7%, more than 70, 16–20)")
        number = None
        tokens = words.group(0).split()
        if _FRACTION_WORDS & {token.lower() for token in tokens}:
            # "one third", "one in every seven": a share, not the number one.
            raise ParseError(f"“{original}” is a fraction or ratio, not a count; give value and bounds by hand")
        # Drop trailing non-number words one at a time: "twenty thousand terrorists".
        while tokens and number is None:
            try:
                number = parse_number_words(" ".join(tokens))
            except ParseError:
                tokens.pop()
        if number is None:
            raise ParseError(f"“{original}” is not a number (expected e.g. 1,234, 43.7%, more than 70, 16–20)")
    return bounds_for(qualifier or Qualifier.EXACT, number)


def bounds_for(qualifier: str, number: Decimal) -> ParsedValue:
    """Place a single number by its qualifier: "more than 70" is a lower bound, not a value."""
    if qualifier in (Qualifier.MORE_THAN, Qualifier.AT_LEAST):
        return ParsedValue(qualifier, None, number, None)
    if qualifier in (Qualifier.LESS_THAN, Qualifier.AT_MOST):
        return ParsedValue(qualifier, None, None, number)
    return ParsedValue(qualifier, number, None, None)


_MONTHS = {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): index for index, name in enumerate(calendar.month_abbr) if name})


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _single_period(text: str) -> Period:
    text = text.strip().rstrip(".")
    try:
        if m := re.fullmatch(r"(\d{4})", text):
            year = int(m.group(1))
            return Period(date(year, 1, 1), date(year, 12, 31), Precision.YEAR)
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
            year, month = int(m.group(1)), int(m.group(2))
            return Period(date(year, month, 1), _month_end(year, month), Precision.MONTH)
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return Period(day, day, Precision.DAY)
        if m := re.fullmatch(r"([A-Za-z]+)\.?,?\s+(\d{4})", text):
            if (month := _MONTHS.get(m.group(1).lower())) is None:
                raise ParseError(f"“{m.group(1)}” is not a month")
            year = int(m.group(2))
            return Period(date(year, month, 1), _month_end(year, month), Precision.MONTH)
        if m := re.fullmatch(r"(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})", text):
            if (month := _MONTHS.get(m.group(2).lower())) is None:
                raise ParseError(f"“{m.group(2)}” is not a month")
            day = date(int(m.group(3)), month, int(m.group(1)))
            return Period(day, day, Precision.DAY)
        if m := re.fullmatch(r"([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})", text):
            if (month := _MONTHS.get(m.group(1).lower())) is None:
                raise ParseError(f"“{m.group(1)}” is not a month")
            day = date(int(m.group(3)), month, int(m.group(2)))
            return Period(day, day, Precision.DAY)
    except ValueError as error:
        if isinstance(error, ParseError):
            raise
        raise ParseError(f"“{text}” is not a real date ({error})") from None
    raise ParseError(
        f"“{text}” is not a date or period (expected e.g. 2021, 2021-2022, January 2022, 2022-01-05)"
    )


def parse_period(text: str | date) -> Period:
    """Parse "2021", "2021-2022", "January 2022", "2022-01-05" (or two of them joined by / or 'to')."""
    if isinstance(text, datetime):  # a spreadsheet's date cell
        text = text.date()
    if isinstance(text, date):
        return Period(text, text, Precision.DAY)
    if isinstance(text, int | float) and float(text).is_integer():  # a year typed as a number
        text = str(int(text))
    raw = str(text or "").strip()
    if not raw:
        raise ParseError("the period is empty")
    if m := re.fullmatch(rf"(\d{{4}})\s*[{_DASHES}/]\s*(\d{{4}})", raw):
        first, last = int(m.group(1)), int(m.group(2))
        if first > last:
            raise ParseError(f"“{raw}”: the period runs backwards")
        return Period(date(first, 1, 1), date(last, 12, 31), Precision.YEAR)
    parts = re.split(r"\s*(?:/|\bto\b|\s[–—]\s)\s*", raw)
    if len(parts) == 2:
        start, end = _single_period(parts[0]), _single_period(parts[1])
        if start.start > end.end:
            raise ParseError(f"“{raw}”: the period runs backwards")
        precision = start.precision if start.precision == end.precision else Precision.DAY
        return Period(start.start, end.end, precision)
    return _single_period(raw)


def format_period(start: date, end: date, precision: str) -> str:
    """The inverse of parse_period: the shortest text that reads back as the same period."""
    if precision == Precision.YEAR:
        if start.year == end.year:
            return str(start.year)
        return f"{start.year}-{end.year}"
    if precision == Precision.MONTH:
        if (start.year, start.month) == (end.year, end.month):
            return start.strftime("%Y-%m")
        return f"{start:%Y-%m}/{end:%Y-%m}"
    if start == end:
        return start.isoformat()
    return f"{start.isoformat()}/{end.isoformat()}"


def period_cells(start: date, end: date, precision: str) -> tuple[str, str]:
    """A period as the two spreadsheet cells period_start and period_end, each at its precision."""
    if precision == Precision.YEAR:
        return str(start.year), str(end.year)
    if precision == Precision.MONTH:
        return start.strftime("%Y-%m"), end.strftime("%Y-%m")
    return start.isoformat(), end.isoformat()


def period_from_cells(start_text, end_text=None) -> Period:
    """Read the two cells back: "2011" and "2011" is the year 2011; an empty end ends with the start."""
    first = parse_period(start_text)
    if end_text in (None, ""):
        return first
    last = parse_period(end_text)
    if last.end < first.start:
        raise ParseError(f"the period ends ({last.end}) before it starts ({first.start})")
    precision = first.precision if first.precision == last.precision else Precision.DAY
    return Period(first.start, last.end, precision)
