"""Checking a row: a Row in, its values or its errors out. Pure — no database — so it is tested without one.

Every rule is claims.rules' (the model's own), said with the row and column it concerns. References
(sources, subjects, attributions) stay as the file names them; resolving them is the next step.
"""

import difflib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from claims import dimensions, rules
from claims.imports.report import RowError
from claims.imports.rows import Row, cell_text
from claims.parsing import (
    ParseError,
    Period,
    format_value,
    parse_number,
    parse_period,
    parse_value_text,
    period_from_cells,
)
from sources.models import Source

# Limits of the fields the cells go into: longer text is refused, never cut.
SLUG_LENGTH = 120
ENTITY_NAME_LENGTH = 200
VALUE_TEXT_LENGTH = 300
NOTE_LENGTH = 10_000
QUOTE_LENGTH = 10_000
SOURCE_TITLE_LENGTH = 500
URL_LENGTH = 1000

QUALIFIERS = ["exact", "approximate", "more_than", "at_least", "less_than", "at_most", "range"]
_QUALIFIER_WORDS = {code: code for code in QUALIFIERS} | {
    "exactly": "exact", "about": "approximate", "approximately": "approximate", "more than": "more_than",
    "at least": "at_least", "less than": "less_than", "at most": "at_most", "between": "range",
}
STATUSES = ["draft", "unverified", "verified", "disputed", "false", "misleading", "unverifiable", "withdrawn"]
_STATUS_WORDS = {code: code for code in STATUSES} | {"draft (not public)": "draft",
                                                     "withdrawn (not public)": "withdrawn"}
FOUND_IN = {"text": "text", "table": "table", "chart": "chart", "data": "data", "data file": "data",
            "the source's text": "text", "a table in the source": "table", "a chart in the source": "chart",
            "the source's data file": "data"}
FOUND_IN_CODES = ["text", "table", "chart", "data"]
SOURCE_DETAIL_COLUMNS = ("source_title", "source_url", "source_date", "source_outlet", "source_kind")
SOURCE_KINDS = {value: value for value in Source.Kind.values} | {
    label.lower(): value for value, label in Source.Kind.choices}


class _Keep:
    """A column the file does not have: the existing record keeps its value."""

    def __repr__(self):
        return "KEEP"


KEEP = _Keep()


@dataclass(frozen=True, slots=True, eq=False)
class MetricInfo:
    """What checking needs of a metric, loaded once per import (one instance a metric: compared by identity)."""

    id: int
    slug: str
    name: str
    unit: str
    range: rules.MetricRange
    units: dict

    @classmethod
    def of(cls, metric) -> "MetricInfo":
        return cls(metric.pk, metric.slug, metric.name, metric.unit, metric.range, metric.declared_units())

    def factor(self, written: str) -> Decimal | None:
        return rules.unit_factor(written, self.unit, self.units)


@dataclass(frozen=True, slots=True)
class SourceDetails:
    """How to fill a source the import creates (the optional source_* columns)."""

    title: str = ""
    url: str = ""
    published_on: date | None = None
    published_precision: str = "unknown"
    outlet: str = ""
    kind: str = ""


@dataclass(slots=True)
class FigureRow:
    """A checked figure row, in the metric's unit; references still as the file names them."""

    row: int
    id: int | None
    source: str
    metric: MetricInfo
    subject: str
    attributed_to: str | None | _Keep
    period: Period
    dimensions: str
    qualifier: str
    value: Decimal | None
    lower: Decimal | None
    upper: Decimal | None
    value_text: str
    typed_as_number: bool  # the value text cell held a number: a spreadsheet may have reformatted "1,234"
    written_unit: str
    status: str | None  # None: the file leaves it (a new figure starts as a draft)
    note: str | _Keep
    found_in: str | None  # None: not said (in the text when the source has text, else its data)
    source_details: SourceDetails | None


@dataclass(slots=True)
class ClaimRow:
    row: int
    id: int | None
    source: str
    quote: str
    speaker: str | None | _Keep
    status: str | None
    note: str | _Keep
    source_details: SourceDetails | None


class RowChecker:
    """Checks rows of one import; holds the metrics and the options, and caches parsed wordings."""

    def __init__(self, metrics: dict[str, MetricInfo], columns, *, decimal_comma: bool = False):
        self.metrics = metrics
        self.columns = columns
        self.decimal_comma = decimal_comma
        self._parse = lru_cache(maxsize=65536)(self._parse_uncached)
        # Files repeat their wordings: settle each (wording, cells given) once.
        self._settle = lru_cache(maxsize=65536)(self._settle_uncached)
        self._numbers = lru_cache(maxsize=65536)(self._numbers_uncached)
        # The text columns this file has, with their limits: checked for every row.
        self.text_columns = [(column, column.replace("_", " "), limit) for column, limit in self._LENGTHS.items()
                             if column in columns]
        self.detail_columns = [column for column in SOURCE_DETAIL_COLUMNS if column in columns]

    # Figures ------------------------------------------------------------------------------------

    def figure(self, row: Row) -> tuple[FigureRow | None, list[RowError]]:
        errors: list[RowError] = []

        def fail(column, message):
            errors.append(RowError(row.number, column, message))

        # A million rows pass here: the cells are read from the row's dicts directly, not through its methods.
        texts, cells, columns = row.texts, row.cells, self.columns
        get = texts.get
        source, metric_slug, subject = get("source", ""), get("metric", ""), get("subject", "")
        start, end = get("period_start", ""), get("period_end", "")
        if not (source and metric_slug and subject and start):
            for column, text in (("source", source), ("metric", metric_slug), ("subject", subject),
                                 ("period_start", start)):
                if not text:
                    fail(column, f"{column.replace('_', ' ')} is empty; every figure needs one")
        record_id = self.record_id(row, fail, "figure") if cells.get("id") not in (None, "") else None
        self.check_texts(row, fail)
        metric = self.metric(metric_slug, fail) if metric_slug else None
        period = None
        if start:
            start_cell, end_cell = cells.get("period_start"), cells.get("period_end")
            try:  # a period cell as the parser wants it: dates stay dates, the rest is its text
                period = _period(start_cell if isinstance(start_cell, date) else start,
                                 end_cell if isinstance(end_cell, date) else end)
            except ParseError as error:
                column = "period_end" if end and "end" in str(error) else "period_start"
                fail(column, str(error))
        dimension_text = ""
        if "dimensions" in columns:
            try:
                dimension_text = dimensions.normalise(get("dimensions", ""))
            except dimensions.DimensionError as error:
                fail("dimensions", str(error))
        numbers = self.numbers(row, metric, fail)
        status = found_in = None
        if text := get("status"):
            status = _STATUS_WORDS.get(text.lower()) or self.choice(row, "status", _STATUS_WORDS, STATUSES, fail)
        if text := get("found_in"):
            found_in = FOUND_IN.get(text.lower()) or self.choice(row, "found_in", FOUND_IN, FOUND_IN_CODES, fail)
        details = self.source_details(row, fail) if self.detail_columns else None
        if errors or numbers is None or period is None:
            return None, errors
        value_text, written_unit, reading = numbers
        attributed = (get("attributed_to") or None) if "attributed_to" in columns else KEEP
        return FigureRow(
            row.number, record_id, source, metric, subject, attributed, period, dimension_text, reading.qualifier,
            reading.value, reading.lower, reading.upper, value_text,
            isinstance(cells.get("value_text"), int | float | Decimal),  # typed_as_number
            written_unit, status, get("note", "") if "note" in columns else KEEP, found_in, details,
        ), []

    def numbers(self, row: Row, metric: MetricInfo | None, fail):
        """The value text, the unit it is written in, and the reading in the metric's unit; None when wrong
        (or when the metric is unknown: the wording is still checked, so every problem is said at once).

        Files repeat their rows' shapes: the answer for one combination of cells is worked out once."""
        get, cell = row.texts.get, row.cells.get
        key = (metric, get("value_text", ""), cell("value"), cell("lower"), cell("upper"), get("value", ""),
               get("qualifier", ""), get("unit", ""))
        try:
            outcome, problems = self._numbers(key)
        except TypeError:  # a cell that cannot be a key (none of the readers makes one): work it out afresh
            outcome, problems = self._numbers_uncached(key)
        for column, message in problems:
            fail(column, message)
        return outcome

    def _numbers_uncached(self, key):
        metric, value_text, *cells, value_as_text, qualifier_text, unit_text = key
        problems = []

        def failing(column, message):
            problems.append((column, message))

        given = {}
        for column, cell in zip(("value", "lower", "upper"), cells, strict=True):
            if cell in (None, ""):
                continue
            try:
                given[column] = self.number(cell)
            except ParseError as error:
                if column == "value" and not value_text:
                    value_text = value_as_text  # "more than 70" typed in the value column
                else:
                    failing(column, f"{error}; expected a number such as 1234 or 0.332")
        qualifier = None
        if qualifier_text:
            qualifier = _QUALIFIER_WORDS.get(qualifier_text.lower().replace("_", " ")) or _QUALIFIER_WORDS.get(
                qualifier_text.lower())
            if qualifier is None:
                failing("qualifier", f"unknown qualifier “{qualifier_text}”; expected one of {', '.join(QUALIFIERS)}")
        if len(value_text) > VALUE_TEXT_LENGTH:
            return None, problems  # said by check_text
        parsed = None
        if value_text:
            try:
                parsed = self._parse(value_text)
            except ParseError:
                parsed = None
        written = rules.unit_name(unit_text)
        parsed_unit = rules.unit_name(getattr(parsed, "unit", None) or "")
        if metric is not None and not written and parsed_unit and parsed_unit != rules.unit_name(metric.unit):
            written = parsed_unit  # "33.2%" for a Gini coefficient
        factor = metric.factor(written) if metric is not None else Decimal(1)
        if factor is None:
            others = [*(["percent"] if rules.unit_name(metric.unit) in rules.SHARE_UNITS else []), *metric.units]
            also = f" (or written in {', '.join(others)})" if others else ""
            failing("unit", f"“{unit_text or written}” is not a unit of {metric.slug}, which is measured "
                            f"in {metric.unit}{also}")
        if problems:
            return None, problems
        reading, settled = self._settle(value_text, qualifier, parsed, tuple(sorted(given.items())))
        problems.extend(settled)
        if reading is None or metric is None:
            return None, problems
        converted = [None if n is None else n * factor for n in (reading.value, reading.lower, reading.upper)]
        for column, number in zip(("value", "lower", "upper"), converted, strict=True):
            if number is not None and (problem := rules.number_problem(number) or metric.range.problem(number)):
                return None, [(column, problem)]
        if not value_text:
            value_text = format_value(reading)
        written_unit = "" if factor == 1 and written in ("", rules.unit_name(metric.unit)) else written
        return (value_text, written_unit, rules.Reading(reading.qualifier, *converted)), problems

    def number(self, cell) -> Decimal:
        """A number cell: typed numbers as they are, text as people write it ("1,234", "43.7%")."""
        if isinstance(cell, bool):
            raise ParseError(f"“{cell}” is not a number")
        if isinstance(cell, int | Decimal):
            return Decimal(cell)
        if isinstance(cell, float):
            return Decimal(repr(cell))  # repr is the shortest text that reads back as the same float
        text = str(cell).strip()
        for suffix in ("%", "percent", "per cent"):
            if text.lower().endswith(suffix):
                text = text[: -len(suffix)].strip()
        return parse_number(text, decimal_comma=self.decimal_comma)

    def _settle_uncached(self, value_text, qualifier, parsed, given):
        return rules.settle_numbers(value_text, qualifier=qualifier, decimal_comma=self.decimal_comma, parsed=parsed,
                                    **dict(given))

    def _parse_uncached(self, value_text: str):
        return parse_value_text(value_text, decimal_comma=self.decimal_comma)

    # Claims ---------------------------------------------------------------------------------------

    def claim(self, row: Row) -> tuple[ClaimRow | None, list[RowError]]:
        errors: list[RowError] = []

        def fail(column, message):
            errors.append(RowError(row.number, column, message))

        for column in ("source", "quote"):
            if not row.text(column):
                fail(column, f"{column} is empty; every claim needs one")
        record_id = self.record_id(row, fail, "claim")
        self.check_texts(row, fail)
        status = self.choice(row, "status", _STATUS_WORDS, STATUSES, fail)
        details = self.source_details(row, fail)
        if errors:
            return None, errors
        speaker = (row.text("speaker") or None) if "speaker" in self.columns else KEEP
        return ClaimRow(row.number, record_id, row.text("source"), str(row.cell("quote") or "").strip(), speaker,
                        status, row.text("note") if "note" in self.columns else KEEP, details), []

    # Shared ---------------------------------------------------------------------------------------

    _LENGTHS = {"source": SLUG_LENGTH, "metric": SLUG_LENGTH, "subject": ENTITY_NAME_LENGTH,
                "attributed_to": ENTITY_NAME_LENGTH, "speaker": ENTITY_NAME_LENGTH,
                "value_text": VALUE_TEXT_LENGTH, "note": NOTE_LENGTH, "quote": QUOTE_LENGTH,
                "dimensions": dimensions.MAX_LENGTH}

    def check_texts(self, row: Row, fail) -> None:
        texts = row.texts
        for column, label, limit in self.text_columns:
            text = texts[column]
            if len(text) > limit or "\x00" in text:
                fail(column, rules.text_problem(label, text, limit))

    def record_id(self, row: Row, fail, noun: str) -> int | None:
        raw = row.cell("id")
        if raw in (None, ""):
            return None
        text = row.text("id")
        try:
            number = Decimal(text)
            if not number.is_finite() or number != number.to_integral_value() or not 0 < number < 2**63:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            fail("id", f"“{text[:40]}” is not a {noun} id; leave it empty for a new {noun}")
            return None
        return int(number)

    def metric(self, slug: str, fail) -> MetricInfo | None:
        metric = self.metrics.get(slug)
        if metric is None:
            fail("metric", f"unknown metric “{slug[:SLUG_LENGTH]}”; metrics are a curated vocabulary and are never "
                           f"created by an import ({known_metrics(slug, self.metrics)})")
        return metric

    def choice(self, row: Row, column: str, words: dict, codes: list[str], fail) -> str | None:
        if column not in self.columns or not (text := row.text(column)):
            return None
        code = words.get(text.lower())
        if code is None:
            fail(column, f"unknown {column.replace('_', ' ')} “{text[:60]}”; expected one of {', '.join(codes)}")
        return code

    def source_details(self, row: Row, fail) -> SourceDetails | None:
        if not any(row.text(column) for column in self.detail_columns):
            return None
        title, url = row.text("source_title"), row.text("source_url")
        if problem := rules.text_problem("source title", title, SOURCE_TITLE_LENGTH):
            fail("source_title", problem)
        if url:
            try:
                if len(url) > URL_LENGTH:
                    raise ValidationError("too long")
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError:
                fail("source_url", f"“{url[:80]}” is not a web address (http or https, at most {URL_LENGTH} "
                                   "characters)")
        published_on, precision = None, "unknown"
        if row.text("source_date"):
            try:
                period = parse_period(_period_cell(row.cell("source_date")))
                published_on, precision = period.start, period.precision
            except ParseError as error:
                fail("source_date", str(error))
        kind = ""
        if text := row.text("source_kind"):
            kind = SOURCE_KINDS.get(text.lower(), "")
            if not kind:
                fail("source_kind", f"unknown source kind “{text[:40]}”; expected one of "
                                    f"{', '.join(Source.Kind.values)}")
        return SourceDetails(title, url, published_on, precision, row.text("source_outlet"), kind)


def known_metrics(wrong: str, metrics: dict, shown: int = 50) -> str:
    """The closest known metrics by spelling, else the whole list (up to `shown`, then how many more)."""
    close = difflib.get_close_matches(wrong[:SLUG_LENGTH], list(metrics), n=5, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(close) + "?"
    names = sorted(metrics)
    if not names:
        return "none are defined yet"
    more = f", and {len(names) - shown} more" if len(names) > shown else ""
    return "known: " + ", ".join(names[:shown]) + more


@lru_cache(maxsize=65536)
def _period(start, end) -> Period:
    return period_from_cells(start, end)


def _period_cell(cell):
    """A period cell as the parser wants it: dates stay dates, the rest becomes text."""
    return cell if isinstance(cell, date) else cell_text(cell)
