"""The rules of claims and figures, in one place.

Pure functions on values — no database — so that the model's validation, the
admin's forms, every import, every action and the history revert call the same
rule and say the same words. Each returns what is wrong (a message a curator
can act on) or None; none of them guesses, rounds or cuts.

- Numbers are stored exactly as written or refused: at most MAX_DECIMALS
  decimal places and MAX_SIGNIFICANT_DIGITS significant digits (what both
  PostgreSQL's numeric and SQLite's REAL keep exactly), no NaN or infinity.
- Text longer than its field is refused, never cut; NUL characters are refused.
- A verdict (verified, disputed, false…) comes only from a review by someone
  who did not write what is reviewed; edits, imports, actions and reverts
  publish, withdraw or keep it, never give or take it.
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from claims.parsing import ParsedValue, ParseError, Qualifier, parse_value_text

MAX_DECIMALS = 10
MAX_SIGNIFICANT_DIGITS = 15
MAX_INTEGER_DIGITS = 15  # DecimalField(max_digits=25, decimal_places=10)
PRECISION_ALLOWED = (f"at most {MAX_SIGNIFICANT_DIGITS} significant digits, {MAX_DECIMALS} decimal places "
                     f"and {MAX_INTEGER_DIGITS} digits before the point")


class Status:
    """Mirror of claims.models.Status values, kept here so the rules have no model import."""

    DRAFT = "draft"
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    DISPUTED = "disputed"
    FALSE = "false"
    MISLEADING = "misleading"
    UNVERIFIABLE = "unverifiable"
    WITHDRAWN = "withdrawn"


HIDDEN = frozenset({Status.DRAFT, Status.WITHDRAWN})
VERDICTS = frozenset({Status.VERIFIED, Status.DISPUTED, Status.FALSE, Status.MISLEADING, Status.UNVERIFIABLE})


def plain(number: Decimal | int) -> str:
    """A decimal as people write it: 0.332000 → 0.332, 7E+1 → 70, never an exponent."""
    number = number if isinstance(number, Decimal) else Decimal(str(number))
    if not number.is_finite():
        return str(number)
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# Numbers ------------------------------------------------------------------------------------------

def number_problem(number: Decimal) -> str | None:
    """Why this number cannot be stored exactly, or None."""
    if not number.is_finite():
        return f"“{number}” is not a number that can be stored (no NaN or infinity)"
    _, digits, exponent = number.as_tuple()
    digits = list(digits)
    while len(digits) > 1 and digits[-1] == 0:  # trailing zeros are not significant: 1.50 is 1.5
        digits.pop()
        exponent += 1
    while len(digits) > 1 and digits[0] == 0:
        digits.pop(0)
    decimals = max(0, -exponent)
    integer_digits = max(0, len(digits) + exponent) if digits != [0] else 0
    if integer_digits > MAX_INTEGER_DIGITS:
        return f"{plain(number)} is too large to store exactly ({PRECISION_ALLOWED})"
    if decimals > MAX_DECIMALS:
        return (f"{plain(number)} has {decimals} decimal places; factbase stores numbers exactly as written, "
                f"with {PRECISION_ALLOWED}")
    if len(digits) > MAX_SIGNIFICANT_DIGITS:
        return (f"{plain(number)} has {len(digits)} significant digits; factbase stores numbers exactly as written, "
                f"with {PRECISION_ALLOWED}")
    return None


def bounds_problem(qualifier: str, value, lower, upper) -> tuple[str, str] | None:
    """What is wrong with these bounds for this qualifier, as (field, message); None when they fit.

    The same rules as the database's check constraints, said in words a curator can act on.
    """
    needs = {
        Qualifier.EXACT: ("value", "an exact figure needs a value and no bounds"),
        Qualifier.APPROXIMATE: ("value", "an approximate figure needs a value"),
        Qualifier.MORE_THAN: ("lower", "“more than” is a lower bound: give lower, leave value and upper empty"),
        Qualifier.AT_LEAST: ("lower", "“at least” is a lower bound: give lower, leave value and upper empty"),
        Qualifier.LESS_THAN: ("upper", "“less than” is an upper bound: give upper, leave value and lower empty"),
        Qualifier.AT_MOST: ("upper", "“at most” is an upper bound: give upper, leave value and lower empty"),
        Qualifier.RANGE: ("lower", "a range needs both lower and upper"),
    }
    if qualifier not in needs:
        return "qualifier", f"unknown qualifier “{qualifier}”"
    column, message = needs[qualifier]
    present = (value is not None, lower is not None, upper is not None)
    fits = {
        Qualifier.EXACT: present == (True, False, False),
        Qualifier.APPROXIMATE: present[0],
        Qualifier.MORE_THAN: present == (False, True, False),
        Qualifier.AT_LEAST: present == (False, True, False),
        Qualifier.LESS_THAN: present == (False, False, True),
        Qualifier.AT_MOST: present == (False, False, True),
        Qualifier.RANGE: present[1] and present[2],
    }[qualifier]
    if not fits:
        return column, message
    if lower is not None and upper is not None and lower > upper:
        return "lower", f"the lower bound {plain(lower)} is above the upper bound {plain(upper)}"
    if value is not None and lower is not None and value < lower:
        return "value", f"the value {plain(value)} is below its lower bound {plain(lower)}"
    if value is not None and upper is not None and value > upper:
        return "value", f"the value {plain(value)} is above its upper bound {plain(upper)}"
    return None


@dataclass(frozen=True)
class MetricRange:
    """What the rules need to know of a metric: its name, unit and valid range."""

    name: str
    unit: str
    min_value: Decimal | None
    max_value: Decimal | None

    @property
    def display(self) -> str:
        low = "−∞" if self.min_value is None else plain(self.min_value)
        high = "∞" if self.max_value is None else plain(self.max_value)
        return f"{low} to {high} {self.unit}"

    def problem(self, number: Decimal | None) -> str | None:
        if number is None:
            return None
        if (self.min_value is not None and number < self.min_value) or (
                self.max_value is not None and number > self.max_value):
            return f"{plain(number)} is outside the range of {self.name}: expected {self.display}"
        return None


@dataclass(frozen=True)
class Reading:
    """A figure's qualifier and numbers, settled from its value text and whatever was given beside it."""

    qualifier: str
    value: Decimal | None
    lower: Decimal | None
    upper: Decimal | None


def settle_numbers(value_text: str, *, qualifier: str | None = None, value=None, lower=None, upper=None,
                   decimal_comma: bool = False, parsed: ParsedValue | None = None
                   ) -> tuple[Reading | None, list[tuple[str, str]]]:
    """Read the numbers a figure states: from its value text where none are given, checked against it where
    they are. Returns the reading and a list of (field, message) problems; the reading is None when there are any.

    Text that is not a number ("a third of the workforce") cannot contradict given numbers: then the given
    numbers stand alone. "About" may be given for a value text that reads as exact ("16" reported as about 16).
    """
    given = {"value": value, "lower": lower, "upper": upper}
    problems = []
    for field, number in given.items():
        if number is not None and (problem := number_problem(number)):
            problems.append((field, problem))
    if problems:
        return None, problems
    if parsed is None and value_text:
        try:
            parsed = parse_value_text(value_text, decimal_comma=decimal_comma)
        except ParseError as error:
            if all(number is None for number in given.values()):
                return None, [("value_text", f"{error}; or give value, lower and upper as numbers")]
    if parsed is None:
        if all(number is None for number in given.values()):
            return None, [("value_text", "no value: give value_text (as the source writes it) or value")]
        qualifier = qualifier or (Qualifier.EXACT if value is not None else Qualifier.RANGE)
        reading = Reading(qualifier, value, lower, upper)
    else:
        about_exact = qualifier == Qualifier.APPROXIMATE and parsed.qualifier == Qualifier.EXACT
        for field, number in given.items():
            if number is not None and number != getattr(parsed, field):
                problems.append((field, contradiction(field, number, value_text, parsed)))
        if qualifier and qualifier != parsed.qualifier and not about_exact:
            problems.append(("qualifier", f"“{qualifier.replace('_', ' ')}” contradicts the value text "
                                          f"“{value_text}”, which reads as {reading_words(parsed)}"))
        if problems:
            return None, problems
        reading = Reading(qualifier or parsed.qualifier, parsed.value, parsed.lower, parsed.upper)
    for field in ("value", "lower", "upper"):
        number = getattr(reading, field)
        if number is not None and (problem := number_problem(number)):
            # A number read from the wording is the wording's problem: point there.
            problems.append((field if given[field] is not None else "value_text", problem))
    if not problems and (problem := bounds_problem(reading.qualifier, reading.value, reading.lower, reading.upper)):
        problems.append(problem)
    return (None, problems) if problems else (reading, [])


def reading_words(parsed) -> str:
    return {
        Qualifier.EXACT: lambda: f"exactly {plain(parsed.value)}",
        Qualifier.APPROXIMATE: lambda: f"about {plain(parsed.value)}",
        Qualifier.MORE_THAN: lambda: f"more than {plain(parsed.lower)} (a lower bound, no value)",
        Qualifier.AT_LEAST: lambda: f"at least {plain(parsed.lower)} (a lower bound, no value)",
        Qualifier.LESS_THAN: lambda: f"less than {plain(parsed.upper)} (an upper bound, no value)",
        Qualifier.AT_MOST: lambda: f"at most {plain(parsed.upper)} (an upper bound, no value)",
        Qualifier.RANGE: lambda: f"between {plain(parsed.lower)} and {plain(parsed.upper)} (both bounds, no value)",
    }[parsed.qualifier]()


def contradiction(field: str, given: Decimal, value_text: str, parsed) -> str:
    meaning = getattr(parsed, field)
    reading = "no " + {"value": "value", "lower": "lower bound", "upper": "upper bound"}[field]
    if meaning is not None:
        reading = f"{field} {plain(meaning)}"
    return f"{plain(given)} contradicts the value text “{value_text}” ({reading}); fix one or leave this cell empty"


# Text -----------------------------------------------------------------------------------------------

def text_problem(label: str, text: str, max_length: int | None) -> str | None:
    """Text is stored whole or refused: never cut, and never with NUL characters (PostgreSQL refuses them)."""
    if "\x00" in text:
        return f"the {label} contains a NUL character; remove it"
    if max_length is not None and len(text) > max_length:
        return f"the {label} has {len(text):,} characters; at most {max_length:,} are allowed (nothing is cut)"
    return None


# Verdicts and visibility -------------------------------------------------------------------------------

def public_status(verdict: str) -> str:
    """What a published claim or figure shows: its current verdict, or unverified until a review gives one."""
    return verdict or Status.UNVERIFIED


def status_problem(requested: str, verdict: str, *, kind: str = "figure") -> str | None:
    """Whether a write other than a review may set this status, given the record's current verdict.

    Edits, imports, actions and reverts may hide a record (draft, withdrawn) or show it with the status it has
    earned (its verdict, or unverified); they can neither give a verdict nor take one back.
    """
    if requested in HIDDEN or requested == public_status(verdict):
        return None
    if requested in VERDICTS:
        return (f"“{requested}” is a reviewer's verdict: it comes from a review by someone who did not write this "
                f"{kind}, not from an edit or an import")
    return (f"this {kind} has the verdict “{verdict}” from a review; it can be withdrawn or published with that "
            f"verdict, not set back to “{requested}”")


def self_review_problem(reviewer_id, author_ids, *, kind: str) -> str | None:
    """Four eyes: nobody reviews what they entered or last changed — superusers included."""
    if reviewer_id is not None and reviewer_id in {pk for pk in author_ids if pk is not None}:
        return f"you entered or last changed this {kind}; a different reviewer must give the verdict"
    return None


def content_changed(status: str, verdict: str) -> tuple[str, str]:
    """The status and verdict of a record whose wording or number just changed: a verdict was given on what it
    said before, so it lapses, and a public record awaits a new review."""
    if not verdict:
        return status, verdict
    return (status if status in HIDDEN else Status.UNVERIFIED), ""


# Units -----------------------------------------------------------------------------------------------

# Units a share can be written in: a Gini of 0.332 is 33.2 percent.
SHARE_UNITS = frozenset({"coefficient", "share", "fraction", "ratio", "proportion"})
_UNIT_SYNONYMS = {"%": "percent", "per cent": "percent", "pct": "percent", "percentage": "percent"}


@lru_cache(maxsize=1024)
def unit_name(text: str) -> str:
    """One spelling per unit: "%", "per cent" and "Percent" are all "percent"."""
    text = " ".join(str(text or "").lower().split())
    return _UNIT_SYNONYMS.get(text, text)


def unit_factor(written: str, own: str, declared: dict[str, Decimal]) -> Decimal | None:
    """How many of a metric's own units one `written` unit is (percent on a coefficient: 0.01); 1 for its own
    unit or none given; None for a unit the metric cannot be written in."""
    written, own = unit_name(written), unit_name(own)
    if not written or written == own:
        return Decimal(1)
    if written == "percent" and own in SHARE_UNITS:
        return Decimal("0.01")
    if own == "percent" and written in SHARE_UNITS:
        return Decimal(100)
    return declared.get(written)


def parse_declared_units(text: str) -> tuple[dict[str, Decimal], list[str]]:
    """A metric's other units, one per line as `unit = factor`; returns the units and the lines it could not read."""
    units, bad = {}, []
    for line in str(text or "").splitlines():
        if not line.strip():
            continue
        name, equals, factor = line.partition("=")
        try:
            number = Decimal(factor.strip())
            ok = bool(equals and name.strip()) and number.is_finite() and number > 0
        except ArithmeticError:
            ok = False
        if ok:
            units[unit_name(name)] = number
        else:
            bad.append(line.strip())
    return units, bad
